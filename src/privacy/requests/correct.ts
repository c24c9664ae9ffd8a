/**
 * Corrections (IPP 7): either the value itself is replaced, encrypted under the client's
 * data key (its blind index too), with only a hash of the old value in the audit log; or a
 * statement of correction is kept with the record and shown with it. Either way the
 * client's owners and admins are told by email, as it is their record.
 */
import { createHash } from 'node:crypto';
import { appendAudit } from '../../audit/index.ts';
import type { Services } from '../../context.ts';
import { asClientId, withClient, type ClientId, type Trx } from '../../db/tenancy.ts';
import type { ClientKeyring } from '../../keys/index.ts';
import { normaliseEmail, normaliseMobile } from '../../end-customers/index.ts';
import { enqueueFeedbackUpdated, type FeedbackChange } from '../../feedback/index.ts';
import type { LoadedRequest } from './queries.ts';
import type { CorrectBody } from './schemas.ts';

export type CorrectResult = { ok: true; kind: 'value' | 'statement'; clientNotified: number } | { ok: false; reason: 'not_found' | 'invalid_value' | 'wrong_state' };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export async function correctRecord(services: Services, operatorId: string, request: LoadedRequest, body: CorrectBody): Promise<CorrectResult> {
  const clientId = asClientId(body.clientId);
  const requestId = request.row.id;
  const outcome = await withClient(services.db, clientId, async (trx) => {
    // Only a record this request's own search found: never another person's.
    const subject = await trx
      .selectFrom('privacy_request_subjects')
      .select('id')
      .where('client_id', '=', clientId)
      .where('request_id', '=', requestId)
      .where('end_customer_id', '=', body.endCustomerId)
      .executeTakeFirst();
    if (!subject) return { ok: false, reason: 'not_found' } as const;
    const keyring = await services.keyrings.keyringFor(trx, clientId);
    const customer = await trx.selectFrom('end_customers').selectAll().where('client_id', '=', clientId).where('id', '=', body.endCustomerId).executeTakeFirstOrThrow();

    if ('statement' in body) {
      if (body.feedbackId) {
        const feedback = await trx.selectFrom('feedback').select('id').where('client_id', '=', clientId).where('id', '=', body.feedbackId).where('end_customer_id', '=', body.endCustomerId).executeTakeFirst();
        if (!feedback) return { ok: false, reason: 'not_found' } as const;
      }
      const row = await trx
        .insertInto('privacy_correction_statements')
        .values({ client_id: clientId, request_id: requestId, end_customer_id: body.endCustomerId, feedback_id: body.feedbackId ?? null, statement_enc: keyring.encrypt('message', body.statement) })
        .returning('id')
        .executeTakeFirstOrThrow();
      await appendAudit(trx, {
        clientId,
        actorKind: 'operator',
        actorId: operatorId,
        action: 'privacy.correction_statement_added',
        subjectKind: 'end_customer',
        subjectId: body.endCustomerId,
        details: { request: requestId, statement: row.id, feedback: body.feedbackId ?? null },
      });
      await tellWebhooksOfCorrection(trx, clientId, body.endCustomerId, body.feedbackId ?? null, 'correction_statement');
      return { ok: true, kind: 'statement' } as const;
    }

    const country = (await trx.selectFrom('clients').select('country').where('id', '=', clientId).executeTakeFirstOrThrow()).country;
    const value = body.field === 'email' ? normaliseEmail(body.value) : body.field === 'mobile' ? normaliseMobile(body.value, country) : body.value.trim();
    if (!value || (body.field === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))) return { ok: false, reason: 'invalid_value' } as const;
    const column = { name: 'name_enc', email: 'email_enc', mobile: 'mobile_enc' } as const;
    const old = customer[column[body.field]];
    const oldValue = old ? keyring.decrypt(body.field, old) : null;
    await trx
      .updateTable('end_customers')
      .set({
        [column[body.field]]: keyring.encrypt(body.field, value),
        ...(body.field === 'email' ? { email_index: keyring.blindIndex('email', value) } : {}),
        ...(body.field === 'mobile' ? { mobile_index: keyring.blindIndex('mobile', value) } : {}),
      })
      .where('client_id', '=', clientId)
      .where('id', '=', body.endCustomerId)
      .execute();
    await appendAudit(trx, {
      clientId,
      actorKind: 'operator',
      actorId: operatorId,
      action: 'privacy.correction_made',
      subjectKind: 'end_customer',
      subjectId: body.endCustomerId,
      details: { request: requestId, field: body.field, oldValueSha256: oldValue === null ? null : sha256(oldValue) },
    });
    await tellWebhooksOfCorrection(trx, clientId, body.endCustomerId, null, 'contact');
    return { ok: true, kind: 'value' } as const;
  });
  if (!outcome.ok) return outcome;
  await appendAudit(services.db, {
    clientId: null,
    actorKind: 'operator',
    actorId: operatorId,
    action: outcome.kind === 'value' ? 'privacy.correction_made' : 'privacy.correction_statement_added',
    subjectKind: 'privacy_request',
    subjectId: requestId,
    details: { client: clientId, endCustomer: body.endCustomerId, ...('field' in body ? { field: body.field } : {}) },
  });
  const clientNotified = await tellClient(services, clientId, requestId, outcome.kind, 'field' in body ? body.field : null);
  return { ok: true, kind: outcome.kind, clientNotified };
}

/**
 * A correction reaches the client's systems as feedback.updated of the feedback it concerns
 * (or every feedback of the customer): those that were sent the old details learn of it
 * (IPP 7 asks that they be told).
 */
async function tellWebhooksOfCorrection(trx: Trx, clientId: ClientId, endCustomerId: string, feedbackId: string | null, change: FeedbackChange): Promise<void> {
  const feedback = feedbackId
    ? [{ id: feedbackId }]
    : await trx.selectFrom('feedback').select('id').where('client_id', '=', clientId).where('end_customer_id', '=', endCustomerId).orderBy('submitted_at').execute();
  for (const { id } of feedback) await enqueueFeedbackUpdated(trx, clientId, id, [change]);
}

/** Emails the client's owners and admins that one of their customers' records was corrected. */
async function tellClient(services: Services, clientId: ClientId, requestId: string, kind: 'value' | 'statement', field: string | null): Promise<number> {
  const people = await services.db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .innerJoin('clients as c', 'c.id', 'm.client_id')
    .select(['u.email', 'u.name', 'c.name as client_name'])
    .where('m.client_id', '=', clientId)
    .where('m.role', 'in', ['owner', 'admin'])
    .where('u.disabled_at', 'is', null)
    .execute();
  for (const person of people) {
    await services.mailer.send({
      to: person.email,
      subject: `A customer's record at ${person.client_name} was corrected`,
      text: [
        `Hello ${person.name},`,
        '',
        kind === 'value'
          ? `At a customer's request under the Privacy Act 2020 (principle 7), Hark corrected the ${field} in their contact details. The customer's feedback now shows the corrected value.`
          : `At a customer's request under the Privacy Act 2020 (principle 7), Hark attached a statement of correction to their record. It is shown with their feedback in the portal; please take it into account.`,
        '',
        `Reference: privacy request ${requestId}. The change is in your audit log.`,
      ].join('\n'),
      messageKey: `privacy-correction-${requestId}-${clientId}-${person.email}-${Date.now()}`,
    });
  }
  return people.length;
}

/** Statements of correction kept with a feedback's record (its own, and its customer's), inside the client's transaction. */
export async function readCorrectionStatements(trx: Trx, keyring: ClientKeyring, feedback: { id: string; endCustomerId: string | null }) {
  if (!feedback.endCustomerId) return [];
  const rows = await trx
    .selectFrom('privacy_correction_statements')
    .select(['id', 'feedback_id', 'statement_enc', 'created_at'])
    .where('client_id', '=', keyring.clientId)
    .where('end_customer_id', '=', feedback.endCustomerId)
    .where((eb) => eb.or([eb('feedback_id', 'is', null), eb('feedback_id', '=', feedback.id)]))
    .orderBy('created_at')
    .execute();
  return rows.map((r) => ({ id: r.id, statement: keyring.decrypt('message', r.statement_enc), createdAt: new Date(r.created_at).toISOString() }));
}
