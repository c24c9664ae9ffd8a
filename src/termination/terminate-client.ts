/**
 * Terminating a client: its keys are destroyed first and at once (from then on no copy of
 * its contact details opens, backups included), then its rows are deleted in batches — every
 * tenant table, its queued jobs, and last its audit chain, whose length and final hash stay
 * in the operator chain — and a signed deletion certificate is issued.
 *
 * The record in `client_terminations` is written before anything is destroyed, so an
 * interrupted termination is finished by running it again.
 */
import { sql } from 'kysely';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { asClientId, type ClientId } from '../db/tenancy.ts';
import { signingKeyFrom, type SigningKey } from '../keys/index.ts';
import { signDeletionCertificate, type DeletionCertificate } from './certificate.ts';
import { planClientDeletion } from './deletion-plan.ts';
import { checkExportBeforeTermination, type ExportCheck } from './export-check.ts';

export interface TerminationRequester {
  via: 'api' | 'cli';
  /** The operator's account (API); null from the CLI. */
  userId: string | null;
  /** Who, for the record: the operator's email, or the CLI's user@host. */
  label: string;
}

export interface TerminateClientInput {
  clientId: string;
  /** The client's name, typed again by the operator: a guard against terminating the wrong one. */
  confirmName: string;
  /** Terminate without a complete, current export (recorded in the certificate). */
  skipExportCheck?: boolean;
  batchSize?: number;
  /** Told each batch as it is deleted (the CLI shows progress). */
  onProgress?: (table: string, deletedSoFar: number) => void;
}

export interface IssuedCertificate {
  clientId: string;
  certificate: DeletionCertificate;
  /** The certificate exactly as signed. */
  text: string;
  signature: string;
  signingKeyId: string;
}

export type TerminationResult =
  | { ok: true; issued: IssuedCertificate }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'name_mismatch' }
  | { ok: false; reason: 'export_required'; check: Exclude<ExportCheck, { ok: true }> }
  | { ok: false; reason: 'already_terminated'; issued: IssuedCertificate };

const signingKeys = new WeakMap<Buffer, SigningKey>();

/** The installation's signing key (derived from the master key, so the same in every process). */
export function installationSigningKey(services: Services): SigningKey {
  const master = services.keyrings.masterKey;
  let key = signingKeys.get(master);
  if (!key) {
    key = signingKeyFrom(master);
    signingKeys.set(master, key);
  }
  return key;
}

/** Names compare as a person reads them: case, accents' encoding and outer spaces aside. */
function sameName(a: string, b: string): boolean {
  const norm = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('en');
  return norm(a) === norm(b);
}

export async function findDeletionCertificate(services: Services, clientId: string): Promise<IssuedCertificate | null> {
  const row = await services.db
    .selectFrom('client_terminations')
    .select(['subject_client_id', 'certificate', 'signature', 'signing_key_id'])
    .where('subject_client_id', '=', clientId)
    .where('status', '=', 'complete')
    .executeTakeFirst();
  if (!row?.certificate || !row.signature || !row.signing_key_id) return null;
  return {
    clientId: row.subject_client_id,
    certificate: JSON.parse(row.certificate) as DeletionCertificate,
    text: row.certificate,
    signature: row.signature.toString('base64'),
    signingKeyId: row.signing_key_id,
  };
}

export async function terminateClient(services: Services, requester: TerminationRequester, input: TerminateClientInput): Promise<TerminationResult> {
  const { db } = services;
  const existing = await db.selectFrom('client_terminations').selectAll().where('subject_client_id', '=', input.clientId).executeTakeFirst();
  if (existing?.status === 'complete') {
    const issued = await findDeletionCertificate(services, input.clientId);
    if (issued) return { ok: false, reason: 'already_terminated', issued };
  }
  const plan = await planClientDeletion(db);
  let clientId: ClientId;
  if (existing) {
    // Resuming: the client row may be gone already; the name is in the record.
    if (!sameName(input.confirmName, existing.client_name)) return { ok: false, reason: 'name_mismatch' };
    clientId = asClientId(existing.subject_client_id);
  } else {
    const client = await db.selectFrom('clients').select(['id', 'name']).where('id', '=', input.clientId).executeTakeFirst();
    if (!client) return { ok: false, reason: 'not_found' };
    if (!sameName(input.confirmName, client.name)) return { ok: false, reason: 'name_mismatch' };
    clientId = asClientId(client.id);
    let exportId: string | null = null;
    if (!input.skipExportCheck) {
      const check = await checkExportBeforeTermination(db, clientId, plan.tables);
      if (!check.ok) return { ok: false, reason: 'export_required', check };
      exportId = check.exportId;
    }
    const started = await startTermination(services, requester, { id: clientId, name: client.name }, exportId);
    if (!started) {
      // Another process began it a moment ago: finish it here too (every step repeats safely).
      const now = await findDeletionCertificate(services, clientId);
      if (now) return { ok: false, reason: 'already_terminated', issued: now };
    }
  }

  await deleteClientRows(services, clientId, plan, input);
  const issued = await finishTermination(services, requester, clientId);
  services.keyrings.forget(clientId);
  return { ok: true, issued };
}

/** Records the termination and destroys the keys, in one transaction. False if already recorded. */
async function startTermination(services: Services, requester: TerminationRequester, client: { id: ClientId; name: string }, exportId: string | null): Promise<boolean> {
  return services.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('client_terminations')
      .values({
        subject_client_id: client.id,
        client_name: client.name,
        requested_by_user_id: requester.userId,
        requested_by: requester.label,
        via: requester.via,
        export_id: exportId,
        export_check: exportId ? 'verified' : 'skipped',
      })
      .onConflict((oc) => oc.column('subject_client_id').doNothing())
      .returning('subject_client_id')
      .executeTakeFirst();
    if (!inserted) return false;
    const destroyed = await services.keyrings.destroyClientKeys(trx, client.id);
    const keys = destroyed.map((k) => ({ keyId: k.keyId, createdAt: k.createdAt.toISOString() }));
    await trx
      .updateTable('client_terminations')
      .set({ keys_destroyed_at: new Date(), destroyed_keys: JSON.stringify(keys) })
      .where('subject_client_id', '=', client.id)
      .execute();
    await appendAudit(trx, {
      clientId: null,
      actorKind: 'operator',
      actorId: requester.userId ?? requester.label,
      action: 'client.keys_destroyed',
      subjectKind: 'client',
      subjectId: client.id,
      details: { via: requester.via, keyIds: keys.map((k) => k.keyId).join(','), exportId, exportCheck: exportId ? 'verified' : 'skipped' },
    });
    return true;
  });
}

async function addCount(services: Services, clientId: ClientId, table: string, deleted: number): Promise<void> {
  if (deleted === 0) return;
  await sql`update client_terminations
    set row_counts = row_counts || jsonb_build_object(${table}::text, coalesce((row_counts ->> ${table}::text)::bigint, 0) + ${deleted}::bigint)
    where subject_client_id = ${clientId}`.execute(services.db);
}

/** Deletes every row of the client, a batch per transaction (no long locks on a big client). */
async function deleteClientRows(services: Services, clientId: ClientId, plan: Awaited<ReturnType<typeof planClientDeletion>>, input: TerminateClientInput): Promise<void> {
  const { db } = services;
  const batch = input.batchSize ?? 2000;
  for (const step of plan.clears) {
    const set = sql.join(step.columns.map((c) => sql`${sql.ref(c)} = null`));
    const anySet = sql.join(step.columns.map((c) => sql`${sql.ref(c)} is not null`), sql` or `);
    for (;;) {
      const result = await sql`update ${sql.table(step.table)} set ${set}
        where client_id = ${clientId} and ctid = any(array(select ctid from ${sql.table(step.table)} where client_id = ${clientId} and (${anySet}) limit ${batch}))`.execute(db);
      if (Number(result.numAffectedRows ?? 0) < batch) break;
    }
  }
  for (const table of plan.tables) {
    const key = table === 'clients' ? 'id' : 'client_id';
    let total = 0;
    for (;;) {
      const result = await sql`delete from ${sql.table(table)}
        where ${sql.ref(key)} = ${clientId} and ctid = any(array(select ctid from ${sql.table(table)} where ${sql.ref(key)} = ${clientId} limit ${batch}))`.execute(db);
      const deleted = Number(result.numAffectedRows ?? 0);
      total += deleted;
      await addCount(services, clientId, table, deleted);
      if (deleted > 0) input.onProgress?.(table, total);
      if (deleted < batch) break;
    }
  }
  // Queued and finished jobs that name the client (pg-boss keeps both).
  for (const table of ['job', 'archive']) {
    const { rows } = await sql<{ found: string | null }>`select to_regclass(${`pgboss.${table}`}) as found`.execute(db);
    if (!rows[0]?.found) continue;
    const name = `pgboss.${table}`;
    let total = 0;
    for (;;) {
      const result = await sql`delete from ${sql.table(name)} where id in (
        select id from ${sql.table(name)} where strpos(data::text, ${clientId}) > 0 or strpos(coalesce(output::text, ''), ${clientId}) > 0 limit ${batch})`.execute(db);
      const deleted = Number(result.numAffectedRows ?? 0);
      total += deleted;
      await addCount(services, clientId, name, deleted);
      if (deleted > 0) input.onProgress?.(name, total);
      if (deleted < batch) break;
    }
  }
}

/** Erases the audit chain (its final hash kept in the operator chain) and signs the certificate. */
async function finishTermination(services: Services, requester: TerminationRequester, clientId: ClientId): Promise<IssuedCertificate> {
  const key = installationSigningKey(services);
  await services.db.transaction().execute(async (trx) => {
    const record = await trx.selectFrom('client_terminations').selectAll().where('subject_client_id', '=', clientId).forUpdate().executeTakeFirstOrThrow();
    if (record.status === 'complete') return;
    const { rows } = await sql<{ entries: number; final_seq: number | null; final_hash: Buffer | null; operator_seq: number }>`
      select * from audit_erase_chain(${clientId}::uuid, 'operator', ${requester.userId ?? requester.label})`.execute(trx);
    const chain = rows[0];
    if (!chain) throw new Error('audit_erase_chain returned nothing');
    const chainErasedCount = Number(chain.entries);
    const rowCounts = { ...record.row_counts, ...(chainErasedCount ? { audit_log: (record.row_counts.audit_log ?? 0) + chainErasedCount } : {}) };
    const completedAt = new Date();
    const exportRow = record.export_id
      ? await trx.selectFrom('client_exports').select(['id', 'started_at']).where('id', '=', record.export_id).executeTakeFirst()
      : undefined;
    const certificate: DeletionCertificate = {
      kind: 'hark.deletion-certificate',
      version: 1,
      installation: services.publicUrl,
      client: { id: clientId, name: record.client_name },
      requestedBy: { via: record.via, label: record.requested_by },
      export: exportRow ? { checked: true, exportId: exportRow.id, exportedAt: exportRow.started_at.toISOString() } : { checked: false, reason: 'skipped by the operator' },
      startedAt: record.started_at.toISOString(),
      keysDestroyedAt: new Date(record.keys_destroyed_at ?? record.started_at).toISOString(),
      completedAt: completedAt.toISOString(),
      keysDestroyed: record.destroyed_keys,
      rowsDeleted: Object.fromEntries(Object.entries(rowCounts).map(([t, n]) => [t, Number(n)])),
      totalRowsDeleted: Object.values(rowCounts).reduce((sum, n) => sum + Number(n), 0),
      auditChain: {
        entries: chainErasedCount,
        finalSeq: chain.final_seq === null ? null : Number(chain.final_seq),
        finalHash: chain.final_hash ? chain.final_hash.toString('hex') : null,
        recordedInOperatorChainAt: Number(chain.operator_seq),
      },
    };
    const signed = signDeletionCertificate(key, certificate);
    await trx
      .updateTable('client_terminations')
      .set({ status: 'complete', completed_at: completedAt, row_counts: JSON.stringify(rowCounts), certificate: signed.text, signature: signed.signature, signing_key_id: signed.signingKeyId })
      .where('subject_client_id', '=', clientId)
      .execute();
    await appendAudit(trx, {
      clientId: null,
      actorKind: 'operator',
      actorId: requester.userId ?? requester.label,
      action: 'client.terminated',
      subjectKind: 'client',
      subjectId: clientId,
      details: { via: requester.via, totalRowsDeleted: certificate.totalRowsDeleted, signingKeyId: signed.signingKeyId },
    });
  });
  const issued = await findDeletionCertificate(services, clientId);
  if (!issued) throw new Error('the deletion certificate was not stored');
  return issued;
}
