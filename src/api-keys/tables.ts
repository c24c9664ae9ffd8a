/** The tables of API keys, idempotent API submits and email invitations (migration 0021), for Kysely. */
import type { ColumnType, Generated } from 'kysely';

type Uuid = string;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type ApiKeyScope = 'feedback:read' | 'feedback:write' | 'invitations:write' | 'contact:read' | 'settings:manage';

export interface ApiKeysTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  name: string;
  prefix: string;
  key_hash: Buffer;
  scopes: ApiKeyScope[];
  location_scope: string[] | null;
  created_by: Uuid;
  created_at: Generated<Date>;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: Uuid | null;
}

export interface ApiIdempotencyTable {
  client_id: Uuid;
  idempotency_key: string;
  api_key_id: Uuid | null;
  request_hash: Buffer;
  status_code: number;
  response: ColumnType<unknown, string, string>;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export interface EmailInvitationsTable {
  client_id: Uuid;
  id: Generated<Uuid>;
  location_id: Uuid;
  sub_measure_id: Uuid | null;
  email_enc: Buffer;
  email_index: Buffer;
  order_ref: string | null;
  api_key_id: Uuid | null;
  created_at: Generated<Date>;
  expires_at: Timestamp;
  sent_at: Timestamp | null;
  used_at: Timestamp | null;
  feedback_id: Uuid | null;
}

export interface ApiKeyTables {
  api_keys: ApiKeysTable;
  api_idempotency: ApiIdempotencyTable;
  email_invitations: EmailInvitationsTable;
}
