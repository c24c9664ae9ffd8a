/**
 * A whole-client export, as an operator action: recorded in `client_exports` and in two
 * audit chains (the client's and the operator's) when it starts and when it ends.
 */
import type { Writable } from 'node:stream';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { Db } from '../db/connect.ts';
import { asClientId, withClient, type ClientId } from '../db/tenancy.ts';
import { currentSchemaVersion, writeExport, type WrittenExport } from './write-export.ts';

export interface ExportRequester {
  via: 'api' | 'cli';
  /** The operator's account (API); null from the CLI. */
  userId: string | null;
  /** Who, for the record: the operator's email, or the CLI's user@host. */
  label: string;
}

export interface StartedExport {
  exportId: string;
  clientId: ClientId;
  clientName: string;
  fileName: string;
  /** Writes the zip to `destination`; records the outcome either way. */
  run(destination: Writable, options?: { batchSize?: number; onBatch?: (kind: string, rows: number) => void }): Promise<WrittenExport>;
}

/** How long an export waits for the read replica to catch up before reading the primary instead. */
const REPLICA_CATCH_UP_MS = 10_000;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type ClientLookup = { ok: true; id: string; name: string } | { ok: false; reason: 'not_found' | 'ambiguous'; names?: string[] };

/** A client by id, or by exact name (case-insensitive) when the name is unique. */
export async function findClientByIdOrName(services: Services, idOrName: string): Promise<ClientLookup> {
  const value = idOrName.trim();
  if (uuidPattern.test(value)) {
    const row = await services.db.selectFrom('clients').select(['id', 'name']).where('id', '=', value).executeTakeFirst();
    return row ? { ok: true, ...row } : { ok: false, reason: 'not_found' };
  }
  const rows = await services.db
    .selectFrom('clients')
    .select(['id', 'name'])
    .where((eb) => eb(eb.fn('lower', ['name']), '=', value.toLowerCase()))
    .limit(5)
    .execute();
  const [first] = rows;
  if (!first) return { ok: false, reason: 'not_found' };
  if (rows.length > 1) return { ok: false, reason: 'ambiguous', names: rows.map((r) => `${r.name} (${r.id})`) };
  return { ok: true, ...first };
}

export function exportFileName(clientName: string, at: Date): string {
  const slug = clientName.normalize('NFKD').replace(/[^\w\s-]/g, '').trim().toLowerCase().replace(/[\s_-]+/g, '-').slice(0, 40) || 'client';
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
  return `hark-export-${slug}-${stamp}.zip`;
}

/** Audits in the client's chain and the operator's, in the caller's transaction. */
async function auditBoth(trx: Db, clientId: ClientId, requester: ExportRequester, action: string, exportId: string, details: Record<string, string | number | boolean | null>) {
  const entry = { actorKind: 'operator' as const, actorId: requester.userId ?? requester.label, action, subjectKind: 'client_export', subjectId: exportId };
  await appendAudit(trx, { ...entry, clientId, details: { ...details, via: requester.via } });
  await appendAudit(trx, { ...entry, clientId: null, details: { ...details, clientId, via: requester.via } });
}

/** Records the start of an export of a client; null when there is no such client. */
export async function startClientExport(services: Services, clientIdValue: string, requester: ExportRequester): Promise<StartedExport | null> {
  const client = await services.db.selectFrom('clients').select(['id', 'name']).where('id', '=', clientIdValue).executeTakeFirst();
  if (!client) return null;
  const clientId = asClientId(client.id);
  const schemaVersion = await currentSchemaVersion(services.db);
  const fileName = exportFileName(client.name, new Date());
  const record = await services.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('client_exports')
      .values({
        subject_client_id: clientId,
        client_name: client.name,
        file_name: fileName,
        via: requester.via,
        requested_by_user_id: requester.userId,
        requested_by: requester.label,
        schema_version: schemaVersion,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await auditBoth(trx, clientId, requester, 'client.export_started', inserted.id, { fileName });
    return inserted;
  });

  return {
    exportId: record.id,
    clientId,
    clientName: client.name,
    fileName,
    async run(destination, options = {}) {
      try {
        const keyring = await withClient(services.db, clientId, (trx) => services.keyrings.keyringFor(trx, clientId));
        // The rows come from the read replica once it holds everything committed before the
        // export began (termination relies on an export holding every change made before its
        // start), else from the primary.
        const replica = services.database.replica;
        const readDb = replica ? await replica.caughtUpReadDb(REPLICA_CATCH_UP_MS) : services.db;
        const written = await writeExport({
          db: readDb,
          clientId,
          clientName: client.name,
          keyring,
          scope: null,
          schemaVersion,
          destination,
          ...options,
        });
        await services.db.transaction().execute(async (trx) => {
          await trx
            .updateTable('client_exports')
            .set({
              status: 'complete',
              row_counts: JSON.stringify(written.manifest.rowCounts),
              total_rows: written.manifest.totalRows,
              sha256: written.sha256,
              byte_size: written.bytes,
              completed_at: new Date(),
            })
            .where('id', '=', record.id)
            .execute();
          await auditBoth(trx, clientId, requester, 'client.exported', record.id, { totalRows: written.manifest.totalRows, sha256: written.sha256, bytes: written.bytes });
        });
        return written;
      } catch (error) {
        // The message names what failed (a stream, the database), never row content.
        const reason = error instanceof Error ? error.message.slice(0, 300) : 'unknown';
        await services.db.transaction().execute(async (trx) => {
          await trx.updateTable('client_exports').set({ status: 'failed', error: reason, completed_at: new Date() }).where('id', '=', record.id).execute();
          await auditBoth(trx, clientId, requester, 'client.export_failed', record.id, {});
        });
        throw error;
      }
    },
  };
}
