/** The record of client exports (`client_exports`), for the console and for termination. */
import type { Selectable } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ClientExportsTable } from './tables.ts';

export interface ClientExportSummary {
  id: string;
  clientId: string;
  clientName: string;
  fileName: string;
  via: 'api' | 'cli';
  requestedBy: string;
  status: 'running' | 'complete' | 'failed';
  schemaVersion: string;
  rowCounts: Record<string, number>;
  totalRows: number | null;
  sha256: string | null;
  bytes: number | null;
  startedAt: string;
  completedAt: string | null;
}

function presentExport(row: Selectable<ClientExportsTable>): ClientExportSummary {
  return {
    id: row.id,
    clientId: row.subject_client_id,
    clientName: row.client_name,
    fileName: row.file_name,
    via: row.via,
    requestedBy: row.requested_by,
    status: row.status,
    schemaVersion: row.schema_version,
    rowCounts: row.row_counts,
    totalRows: row.total_rows === null ? null : Number(row.total_rows),
    sha256: row.sha256,
    bytes: row.byte_size === null ? null : Number(row.byte_size),
    startedAt: row.started_at.toISOString(),
    completedAt: row.completed_at ? new Date(row.completed_at).toISOString() : null,
  };
}

/**
 * The newest export of a client that finished whole, or null: what termination checks
 * before it destroys anything. Works after the client is gone (the record has no foreign key).
 */
export async function latestClientExport(db: Db, clientId: string): Promise<ClientExportSummary | null> {
  const row = await db
    .selectFrom('client_exports')
    .selectAll()
    .where('subject_client_id', '=', clientId)
    .where('status', '=', 'complete')
    .orderBy('completed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? presentExport(row) : null;
}

export async function listClientExports(db: Db, options: { clientId?: string; limit?: number } = {}): Promise<ClientExportSummary[]> {
  let query = db.selectFrom('client_exports').selectAll();
  if (options.clientId) query = query.where('subject_client_id', '=', options.clientId);
  const rows = await query.orderBy('started_at', 'desc').limit(options.limit ?? 100).execute();
  return rows.map(presentExport);
}
