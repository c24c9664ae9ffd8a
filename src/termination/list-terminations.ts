import type { Db } from '../db/connect.ts';

export async function listTerminations(db: Db, limit = 200) {
  const rows = await db.selectFrom('client_terminations').selectAll().orderBy('started_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    clientId: r.subject_client_id,
    clientName: r.client_name,
    status: r.status,
    requestedBy: r.requested_by,
    startedAt: r.started_at.toISOString(),
    completedAt: r.completed_at ? new Date(r.completed_at).toISOString() : null,
    totalRowsDeleted: Object.values(r.row_counts).reduce((sum, n) => sum + Number(n), 0),
  }));
}
