/**
 * Termination comes after an export: a complete export of the client, begun after the last
 * change to its data, so the client holds everything Hark is about to delete.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ClientId } from '../db/tenancy.ts';
import { latestClientExport } from '../exports/index.ts';

/** Columns that record when a row was made or changed (not due dates, expiries or delivery progress). */
const CHANGE_COLUMNS = ['created_at', 'updated_at', 'submitted_at', 'received_at', 'given_at', 'entered_at', 'changed_at', 'edited_at'];

/** Derived figures, recomputed by workers from the feedback itself: their updates are no change to the client's data. */
const isDerived = (table: string) => table.includes('rollup');

export type ExportCheck =
  | { ok: true; exportId: string; exportedAt: string }
  | { ok: false; reason: 'no_export' }
  | { ok: false; reason: 'export_outdated'; exportedAt: string; changedAt: string };

/** When the client's data last changed, from every tenant table's creation or change times. */
export async function findLastDataChange(db: Db, clientId: ClientId, tables: string[]): Promise<Date | null> {
  const { rows: columns } = await sql<{ table: string; column: string }>`
    select table_name as table, column_name as column from information_schema.columns
    where table_schema = 'public' and table_name = any(${tables}::text[]) and column_name = any(${CHANGE_COLUMNS}::text[])
      and data_type like 'timestamp%'`.execute(db);
  let latest: Date | null = null;
  for (const { table, column } of columns.filter((c) => !isDerived(c.table))) {
    const key = table === 'clients' ? 'id' : 'client_id';
    const { rows } = await sql<{ at: Date | null }>`select max(${sql.ref(column)}) as at from ${sql.table(table)} where ${sql.ref(key)} = ${clientId}`.execute(db);
    const at = rows[0]?.at ?? null;
    if (at && (!latest || at > latest)) latest = at;
  }
  return latest;
}

export async function checkExportBeforeTermination(db: Db, clientId: ClientId, tables: string[]): Promise<ExportCheck> {
  const last = await latestClientExport(db, clientId);
  if (!last) return { ok: false, reason: 'no_export' };
  const changedAt = await findLastDataChange(db, clientId, tables);
  if (changedAt && changedAt.getTime() > new Date(last.startedAt).getTime()) {
    return { ok: false, reason: 'export_outdated', exportedAt: last.startedAt, changedAt: changedAt.toISOString() };
  }
  return { ok: true, exportId: last.id, exportedAt: last.startedAt };
}
