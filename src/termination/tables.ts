/** Kysely types of the termination record (migration 0013): an operator table that outlives the client. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ClientTerminationsTable {
  subject_client_id: string;
  client_name: string;
  status: Generated<'running' | 'complete'>;
  requested_by_user_id: string | null;
  requested_by: string;
  via: 'api' | 'cli';
  export_id: string | null;
  export_check: 'verified' | 'skipped';
  started_at: Generated<Date>;
  keys_destroyed_at: Timestamp | null;
  destroyed_keys: ColumnType<{ keyId: string; createdAt: string }[], string | undefined, string>;
  row_counts: ColumnType<Record<string, number>, string | undefined, string>;
  completed_at: Timestamp | null;
  certificate: string | null;
  signature: Buffer | null;
  signing_key_id: string | null;
}
