/** Kysely types of the export record (migration 0012): an operator table that outlives the client. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type ClientExportStatus = 'running' | 'complete' | 'failed';

export interface ClientExportsTable {
  id: Generated<string>;
  subject_client_id: string;
  client_name: string;
  file_name: string;
  via: 'api' | 'cli';
  requested_by_user_id: string | null;
  requested_by: string;
  status: Generated<ClientExportStatus>;
  schema_version: string;
  row_counts: ColumnType<Record<string, number>, string | undefined, string>;
  total_rows: number | null;
  sha256: string | null;
  byte_size: number | null;
  error: string | null;
  started_at: Generated<Date>;
  completed_at: Timestamp | null;
}
