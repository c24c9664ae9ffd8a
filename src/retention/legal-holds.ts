/**
 * Legal holds: while one is active, retention leaves the held rows exactly as they are. A hold
 * covers a whole client, one end customer's data, or one feedback. Placing and releasing are
 * operator actions, recorded in the client's audit chain.
 */
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { asClientId, withClient } from '../db/tenancy.ts';

export interface NewLegalHold {
  clientId: string;
  feedbackId?: string | undefined;
  endCustomerId?: string | undefined;
  reason: string;
  operatorId: string;
}

export type PlaceHoldResult = { ok: true; id: string } | { ok: false; reason: 'client_not_found' | 'feedback_not_found' | 'end_customer_not_found' };

export async function placeLegalHold(services: Services, hold: NewLegalHold): Promise<PlaceHoldResult> {
  const client = await services.db.selectFrom('clients').select('id').where('id', '=', hold.clientId).executeTakeFirst();
  if (!client) return { ok: false, reason: 'client_not_found' };
  const clientId = asClientId(client.id);
  return withClient(services.db, clientId, async (trx) => {
    if (hold.feedbackId && !(await trx.selectFrom('feedback').select('id').where('client_id', '=', clientId).where('id', '=', hold.feedbackId).executeTakeFirst())) {
      return { ok: false, reason: 'feedback_not_found' } as const;
    }
    if (hold.endCustomerId && !(await trx.selectFrom('end_customers').select('id').where('client_id', '=', clientId).where('id', '=', hold.endCustomerId).executeTakeFirst())) {
      return { ok: false, reason: 'end_customer_not_found' } as const;
    }
    const row = await trx
      .insertInto('legal_holds')
      .values({ client_id: clientId, feedback_id: hold.feedbackId ?? null, end_customer_id: hold.endCustomerId ?? null, reason: hold.reason, placed_by: hold.operatorId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      clientId,
      actorKind: 'operator',
      actorId: hold.operatorId,
      action: 'legal_hold.placed',
      subjectKind: 'legal_hold',
      subjectId: row.id,
      details: { scope: hold.feedbackId ? 'feedback' : hold.endCustomerId ? 'end_customer' : 'client', reason: hold.reason },
    });
    return { ok: true, id: row.id } as const;
  });
}

export async function releaseLegalHold(services: Services, input: { clientId: string; holdId: string; operatorId: string }): Promise<'released' | 'not_found' | 'already_released'> {
  const client = await services.db.selectFrom('clients').select('id').where('id', '=', input.clientId).executeTakeFirst();
  if (!client) return 'not_found';
  const clientId = asClientId(client.id);
  return withClient(services.db, clientId, async (trx) => {
    const hold = await trx.selectFrom('legal_holds').select(['id', 'released_at']).where('client_id', '=', clientId).where('id', '=', input.holdId).forUpdate().executeTakeFirst();
    if (!hold) return 'not_found';
    if (hold.released_at) return 'already_released';
    await trx.updateTable('legal_holds').set({ released_at: new Date(), released_by: input.operatorId }).where('client_id', '=', clientId).where('id', '=', hold.id).execute();
    await appendAudit(trx, { clientId, actorKind: 'operator', actorId: input.operatorId, action: 'legal_hold.released', subjectKind: 'legal_hold', subjectId: hold.id });
    return 'released';
  });
}

export async function listLegalHolds(services: Services, clientId: string) {
  const client = await services.db.selectFrom('clients').select('id').where('id', '=', clientId).executeTakeFirst();
  if (!client) return null;
  const id = asClientId(client.id);
  const rows = await withClient(services.db, id, (trx) =>
    trx.selectFrom('legal_holds').selectAll().where('client_id', '=', id).orderBy('placed_at', 'desc').execute(),
  );
  return rows.map((h) => ({
    id: h.id,
    scope: h.feedback_id ? ('feedback' as const) : h.end_customer_id ? ('end_customer' as const) : ('client' as const),
    feedbackId: h.feedback_id,
    endCustomerId: h.end_customer_id,
    reason: h.reason,
    placedAt: h.placed_at.toISOString(),
    releasedAt: h.released_at ? h.released_at.toISOString() : null,
  }));
}
