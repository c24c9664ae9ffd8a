/** Kysely types of the disclosure register (migration 0012): an operator table that outlives the client. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type DisclosureOrderKind = 'warrant' | 'production_order' | 'subpoena' | 'other';
export type DisclosureStatus = 'recorded' | 'releasing' | 'released' | 'release_failed';

export interface DisclosuresTable {
  id: Generated<string>;
  order_kind: DisclosureOrderKind;
  issuer: string;
  reference: string;
  order_date: ColumnType<string, string, string>;
  recipient: string;
  notes: Generated<string>;
  subject_client_id: string;
  client_name: string;
  scope_feedback_ids: Generated<string[]>;
  scope_from: Timestamp | null;
  scope_to: Timestamp | null;
  scope_emails_enc: Generated<Buffer[]>;
  scope_mobiles_enc: Generated<Buffer[]>;
  recorded_by_user_id: string | null;
  recorded_by_name: string;
  approver_user_id: string | null;
  approver_name: string;
  recorded_at: Generated<Date>;
  status: Generated<DisclosureStatus>;
  released_at: Timestamp | null;
  released_by_user_id: string | null;
  released_by_name: string | null;
  release_row_counts: ColumnType<Record<string, number> | null, string | null | undefined, string | null>;
  release_sha256: string | null;
  release_bytes: number | null;
  release_error: string | null;
}
