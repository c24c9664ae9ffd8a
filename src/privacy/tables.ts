/** Row types of the operator's privacy tables (migration 0010): policy versions and privacy complaints. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type PolicyFormat = 'markdown' | 'text';

export interface PolicyVersionsTable {
  version: number;
  format: PolicyFormat;
  body: string;
  sha256: Buffer;
  source: 'default' | 'cli' | 'api';
  published_by: string | null;
  published_at: Generated<Date>;
}

export type PrivacyComplaintStatus = 'received' | 'investigating' | 'responded' | 'closed';
export type PrivacyComplaintChannel = 'web' | 'phone' | 'email' | 'letter';
export type ComplaintReminderKind = 'week_before' | 'due_date';

export interface PrivacyComplaintsTable {
  id: Generated<string>;
  reference: string;
  channel: PrivacyComplaintChannel;
  name_enc: Buffer;
  email_enc: Buffer | null;
  phone_enc: Buffer | null;
  details_enc: Buffer;
  business: string | null;
  received_at: Timestamp;
  status: Generated<PrivacyComplaintStatus>;
  response_enc: Buffer | null;
  responded_at: Timestamp | null;
  responded_by: string | null;
  closed_at: Timestamp | null;
  created_by: string | null;
  updated_at: Generated<Date>;
}

export interface PrivacyComplaintRemindersTable {
  complaint_id: string;
  kind: ComplaintReminderKind;
  queued_at: Generated<Date>;
  sent_at: Timestamp | null;
  recipients: number | null;
}
