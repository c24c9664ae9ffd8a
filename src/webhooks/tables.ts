/** The tables of webhooks (migrations 0021 and 0023), for Kysely. */
import type { ColumnType, Generated } from 'kysely';

type Uuid = string;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type WebhookEvent = 'feedback.created' | 'feedback.updated' | 'case.opened' | 'case.resolved' | 'response.sent' | 'optout.created';
export type AttemptOutcomeKind = 'delivered' | 'http_status' | 'timeout' | 'connection_refused' | 'connection_reset' | 'dns' | 'tls' | 'blocked' | 'other';
export type DeliveryStatus = 'pending' | 'sending' | 'succeeded' | 'failed';

export interface WebhookEndpointsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  url: string;
  description: Generated<string>;
  events: WebhookEvent[];
  secret_enc: Buffer;
  enabled: Generated<boolean>;
  disabled_at: Timestamp | null;
  disabled_reason: string | null;
  consecutive_failures: Generated<number>;
  failing_since: Timestamp | null;
  include_contact: Generated<boolean>;
  created_by: Uuid | null;
  created_at: Generated<Date>;
}

export interface WebhookDeliveriesTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  endpoint_id: Uuid;
  event_type: WebhookEvent;
  message_id: string;
  payload: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: Generated<Date>;
  lease_until: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  last_attempt_at: Timestamp | null;
  delivered_at: Timestamp | null;
  created_at: Generated<Date>;
  end_customer_id: string | null;
  mobile_index: Buffer | null;
}

export interface WebhookDeliveryAttemptsTable {
  client_id: Uuid;
  delivery_id: Uuid;
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  outcome: AttemptOutcomeKind;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
}

export interface WebhookTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
}
