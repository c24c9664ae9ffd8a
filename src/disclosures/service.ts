/**
 * The disclosure register: a legal order is recorded with its scope, a named approver and
 * the recipient; data leaves for it only through one release, which exports that scope and
 * records what left (rows per kind) and the zip's SHA-256. Both steps are audited in the
 * operator's chain and the client's.
 */
import type { Writable } from 'node:stream';
import type { Selectable } from 'kysely';
import type { z } from 'zod';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { Db } from '../db/connect.ts';
import { asClientId, withClient, type ClientId } from '../db/tenancy.ts';
import { normaliseEmail, normaliseMobile } from '../end-customers/index.ts';
import { currentSchemaVersion, resolveScope, writeExport, type WrittenExport } from '../exports/index.ts';
import type { recordDisclosureBodySchema, disclosureSchema } from './schemas.ts';
import type { DisclosuresTable } from './tables.ts';

export type RecordDisclosureInput = z.infer<typeof recordDisclosureBodySchema>;
export type DisclosureView = z.infer<typeof disclosureSchema>;

export interface Operator {
  id: string;
  name: string;
}

export type RecordResult =
  | { ok: true; disclosure: DisclosureView }
  | { ok: false; reason: 'unknown_client' | 'unknown_approver' | 'approver_is_recorder' | 'invalid_mobile'; detail?: string };

type Details = Record<string, string | number | boolean | null>;

/** Audits in the client's chain and the operator's, in the caller's transaction. */
async function auditBoth(trx: Db, clientId: ClientId, actor: Operator, action: string, disclosureId: string, details: Details) {
  const entry = { actorKind: 'operator' as const, actorId: actor.id, action, subjectKind: 'disclosure', subjectId: disclosureId };
  await appendAudit(trx, { ...entry, clientId, details });
  await appendAudit(trx, { ...entry, clientId: null, details: { ...details, clientId } });
}

export function presentDisclosure(row: Selectable<DisclosuresTable>): DisclosureView {
  const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
  return {
    id: row.id,
    orderKind: row.order_kind,
    issuer: row.issuer,
    reference: row.reference,
    orderDate: row.order_date,
    recipient: row.recipient,
    notes: row.notes,
    clientId: row.subject_client_id,
    clientName: row.client_name,
    scope: {
      emails: row.scope_emails_enc.length,
      mobiles: row.scope_mobiles_enc.length,
      feedbackIds: row.scope_feedback_ids,
      from: iso(row.scope_from),
      to: iso(row.scope_to),
    },
    recordedBy: row.recorded_by_name,
    approver: row.approver_name,
    recordedAt: row.recorded_at.toISOString(),
    status: row.status,
    releasedAt: iso(row.released_at),
    releasedBy: row.released_by_name,
    release:
      row.status === 'released' && row.release_sha256 && row.release_row_counts
        ? { rowCounts: row.release_row_counts, sha256: row.release_sha256, bytes: Number(row.release_bytes ?? 0) }
        : null,
  };
}

export async function recordDisclosure(services: Services, recorder: Operator, input: RecordDisclosureInput): Promise<RecordResult> {
  const client = await services.db.selectFrom('clients').select(['id', 'name', 'country']).where('id', '=', input.scope.clientId).executeTakeFirst();
  if (!client) return { ok: false, reason: 'unknown_client' };
  if (input.approverUserId === recorder.id) return { ok: false, reason: 'approver_is_recorder' };
  const approver = await services.db
    .selectFrom('users')
    .select(['id', 'name'])
    .where('id', '=', input.approverUserId)
    .where('kind', '=', 'operator')
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (!approver) return { ok: false, reason: 'unknown_approver' };
  const mobiles: string[] = [];
  for (const given of input.scope.mobiles) {
    const normalised = normaliseMobile(given, client.country);
    if (!normalised) return { ok: false, reason: 'invalid_mobile', detail: given };
    mobiles.push(normalised);
  }
  const clientId = asClientId(client.id);
  const keyring = await withClient(services.db, clientId, (trx) => services.keyrings.keyringFor(trx, clientId));
  const row = await services.db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('disclosures')
      .values({
        order_kind: input.orderKind,
        issuer: input.issuer,
        reference: input.reference,
        order_date: input.orderDate,
        recipient: input.recipient,
        notes: input.notes,
        subject_client_id: clientId,
        client_name: client.name,
        scope_feedback_ids: input.scope.feedbackIds,
        scope_from: input.scope.from ?? null,
        scope_to: input.scope.to ?? null,
        scope_emails_enc: input.scope.emails.map((e) => keyring.encrypt('email', normaliseEmail(e))),
        scope_mobiles_enc: mobiles.map((m) => keyring.encrypt('mobile', m)),
        recorded_by_user_id: recorder.id,
        recorded_by_name: recorder.name,
        approver_user_id: approver.id,
        approver_name: approver.name,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await auditBoth(trx, clientId, recorder, 'disclosure.recorded', inserted.id, { orderKind: inserted.order_kind, approverId: approver.id });
    return inserted;
  });
  return { ok: true, disclosure: presentDisclosure(row) };
}

export async function listDisclosures(services: Services, limit = 200): Promise<DisclosureView[]> {
  const rows = await services.db.selectFrom('disclosures').selectAll().orderBy('recorded_at', 'desc').limit(limit).execute();
  return rows.map(presentDisclosure);
}

export async function findDisclosure(services: Services, id: string): Promise<DisclosureView | null> {
  const row = await services.db.selectFrom('disclosures').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? presentDisclosure(row) : null;
}

/** Operators who may approve a disclosure: every active operator but the caller. */
export async function listApprovers(services: Services, callerId: string) {
  return services.db
    .selectFrom('users')
    .select(['id', 'name', 'email'])
    .where('kind', '=', 'operator')
    .where('disabled_at', 'is', null)
    .where('id', '!=', callerId)
    .orderBy('name')
    .execute();
}

export interface StartedRelease {
  disclosureId: string;
  fileName: string;
  run(destination: Writable): Promise<WrittenExport>;
}

export type ReleaseResult = { ok: true; release: StartedRelease } | { ok: false; reason: 'not_found' | 'already_released' | 'client_gone' };

/**
 * Claims the single release of a disclosure (atomically: two at once get one release and
 * one refusal), and returns how to write it.
 */
export async function startRelease(services: Services, releaser: Operator, id: string): Promise<ReleaseResult> {
  const existing = await services.db.selectFrom('disclosures').select(['status', 'subject_client_id']).where('id', '=', id).executeTakeFirst();
  if (!existing) return { ok: false, reason: 'not_found' };
  if (existing.status !== 'recorded') return { ok: false, reason: 'already_released' };
  const client = await services.db.selectFrom('clients').select(['id', 'country']).where('id', '=', existing.subject_client_id).executeTakeFirst();
  if (!client) return { ok: false, reason: 'client_gone' };
  const clientId = asClientId(client.id);
  const row = await services.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('disclosures')
      .set({ status: 'releasing', released_at: new Date(), released_by_user_id: releaser.id, released_by_name: releaser.name })
      .where('id', '=', id)
      .where('status', '=', 'recorded')
      .returningAll()
      .executeTakeFirst();
    if (claimed) await auditBoth(trx, clientId, releaser, 'disclosure.release_started', id, {});
    return claimed;
  });
  if (!row) return { ok: false, reason: 'already_released' };
  const fileName = `hark-disclosure-${row.reference.replace(/[^\w-]+/g, '-').slice(0, 40)}-${id.slice(0, 8)}.zip`;

  return {
    ok: true,
    release: {
      disclosureId: id,
      fileName,
      async run(destination) {
        try {
          const keyring = await withClient(services.db, clientId, (trx) => services.keyrings.keyringFor(trx, clientId));
          const scope = await resolveScope(
            services.db,
            clientId,
            keyring,
            {
              emails: row.scope_emails_enc.map((e) => keyring.decrypt('email', e)),
              mobiles: row.scope_mobiles_enc.map((m) => keyring.decrypt('mobile', m)),
              feedbackIds: row.scope_feedback_ids,
              from: row.scope_from ? new Date(row.scope_from) : null,
              to: row.scope_to ? new Date(row.scope_to) : null,
            },
            client.country,
          );
          const written = await writeExport({
            db: services.db,
            clientId,
            clientName: row.client_name,
            keyring,
            scope,
            disclosureId: id,
            schemaVersion: await currentSchemaVersion(services.db),
            destination,
          });
          await services.db.transaction().execute(async (trx) => {
            await trx
              .updateTable('disclosures')
              .set({
                status: 'released',
                release_row_counts: JSON.stringify(written.manifest.rowCounts),
                release_sha256: written.sha256,
                release_bytes: written.bytes,
              })
              .where('id', '=', id)
              .execute();
            await auditBoth(trx, clientId, releaser, 'disclosure.released', id, { totalRows: written.manifest.totalRows, sha256: written.sha256 });
          });
          return written;
        } catch (error) {
          const reason = error instanceof Error ? error.message.slice(0, 300) : 'unknown';
          await services.db.transaction().execute(async (trx) => {
            await trx.updateTable('disclosures').set({ status: 'release_failed', release_error: reason }).where('id', '=', id).execute();
            await auditBoth(trx, clientId, releaser, 'disclosure.release_failed', id, {});
          });
          throw error;
        }
      },
    },
  };
}
