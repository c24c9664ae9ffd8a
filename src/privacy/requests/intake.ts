/**
 * A person's request, from the public page: what they gave is sealed, a one-time code goes
 * to each address they gave, and the request counts as verified once every code is right.
 * Nothing here looks at any client's data, so no answer can tell whether Hark holds
 * anything about the person.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { appendAudit } from '../../audit/index.ts';
import type { Services } from '../../context.ts';
import type { PrivacyRequestKind } from '../../db/schema.ts';
import { HOLIDAY_TABLE_VERSION, nzDay, responseDueOn } from '../working-days.ts';
import { newCode, requestSecrets } from './secrets.ts';

export const CODE_LIFETIME_MINUTES = 10;
export const CODE_MAX_TRIES = 5;
/** Requests one address may start in a day: enough to retry, too few to flood someone's inbox. */
export const REQUESTS_PER_ADDRESS_PER_DAY = 5;

export interface NewPrivacyRequest {
  kind: PrivacyRequestKind;
  name: string;
  /** Normalised (lower-case). */
  email: string | null;
  /** E.164. */
  mobile: string | null;
  details: string | null;
}

export type IntakeResult = { ok: true; requestId: string } | { ok: false; reason: 'too_many_for_address' | 'sms_unavailable' | 'send_failed' };

export async function startPrivacyRequest(services: Services, input: NewPrivacyRequest): Promise<IntakeResult> {
  const secrets = requestSecrets(services);
  if (input.mobile && !services.config.privacy.smsFrom) return { ok: false, reason: 'sms_unavailable' };
  const identifiers = [
    ...(input.email ? [{ kind: 'email' as const, value: input.email }] : []),
    ...(input.mobile ? [{ kind: 'mobile' as const, value: input.mobile }] : []),
  ];
  const indexes = identifiers.map((i) => secrets.valueIndex(i.kind, i.value));
  const recent = await services.db
    .selectFrom('privacy_request_identifiers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('value_index', 'in', indexes)
    .where('created_at', '>', sql<Date>`now() - interval '1 day'`)
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= REQUESTS_PER_ADDRESS_PER_DAY) return { ok: false, reason: 'too_many_for_address' };

  const requestId = randomUUID();
  const receivedOn = nzDay();
  const codes = identifiers.map((i) => ({ ...i, code: newCode() }));
  await services.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('privacy_requests')
      .values({
        id: requestId,
        kind: input.kind,
        name_enc: secrets.seal(`request-name:${requestId}`, input.name),
        details_enc: input.details ? secrets.seal(`request-details:${requestId}`, input.details) : null,
        received_on: receivedOn,
        due_on: responseDueOn(receivedOn),
        holiday_table_version: HOLIDAY_TABLE_VERSION,
      })
      .execute();
    for (const c of codes) {
      await trx
        .insertInto('privacy_request_identifiers')
        .values({
          request_id: requestId,
          kind: c.kind,
          value_enc: secrets.seal(`request-${c.kind}:${requestId}`, c.value),
          value_index: secrets.valueIndex(c.kind, c.value),
          code_hash: secrets.codeHash(requestId, c.kind, c.code),
          code_expires_at: new Date(Date.now() + CODE_LIFETIME_MINUTES * 60_000),
        })
        .execute();
    }
    await appendAudit(trx, {
      clientId: null,
      actorKind: 'end_customer',
      action: 'privacy.request_received',
      subjectKind: 'privacy_request',
      subjectId: requestId,
      details: { kind: input.kind, email: Boolean(input.email), mobile: Boolean(input.mobile) },
    });
  });

  // Sent after commit: a code always belongs to a stored request. A failed send leaves a
  // request nobody can verify, which is harmless; the person is asked to try again.
  try {
    for (const c of codes) await sendCode(services, requestId, c.kind, c.value, c.code);
  } catch {
    return { ok: false, reason: 'send_failed' };
  }
  return { ok: true, requestId };
}

async function sendCode(services: Services, requestId: string, kind: 'email' | 'mobile', to: string, code: string): Promise<void> {
  const text = `Your Hark privacy request code is ${code}. It works once, for ${CODE_LIFETIME_MINUTES} minutes. If you did not ask, ignore this.`;
  if (kind === 'email') {
    await services.mailer.send({
      to,
      subject: `Your privacy request code: ${code}`,
      text: [
        'Hello,',
        '',
        `Someone (we hope you) asked Hark for access to, or correction of, personal information, giving this address.`,
        '',
        `Your code is ${code}. Enter it on the page you came from. It works once, for ${CODE_LIFETIME_MINUTES} minutes.`,
        '',
        'If it was not you, ignore this email: nothing happens without the code.',
      ].join('\n'),
      messageKey: `privacy-code-${requestId}-${kind}`,
    });
    return;
  }
  const from = services.config.privacy.smsFrom;
  if (!from) throw new Error('no privacy SMS sender configured');
  const outcome = await services.sms.send({ to, from, body: text, messageId: `privacy-${requestId}`, statusCallbackUrl: null });
  if (!outcome.ok) throw new Error(`code text not sent: ${outcome.message}`);
}

export type CodeProblem = 'wrong' | 'expired' | 'used' | 'too_many_tries' | 'missing';

export type VerifyResult =
  | { ok: true; dueOn: string }
  | { ok: false; reason: 'not_found' | 'already_verified' }
  | { ok: false; reason: 'codes'; problems: Partial<Record<'email' | 'mobile', { problem: CodeProblem; triesLeft: number }>> };

/**
 * Checks the codes given for each unverified address. A wrong code uses up one of its five
 * tries; an expired, used or spent code changes nothing. The request is verified once all
 * its addresses are.
 */
export async function verifyPrivacyRequest(
  services: Services,
  requestId: string,
  given: Partial<Record<'email' | 'mobile', string>>,
): Promise<VerifyResult> {
  const secrets = requestSecrets(services);
  return services.db.transaction().execute(async (trx) => {
    const request = await trx.selectFrom('privacy_requests').select(['id', 'state', 'due_on']).where('id', '=', requestId).forUpdate().executeTakeFirst();
    if (!request) return { ok: false, reason: 'not_found' } as const;
    if (request.state !== 'received') return { ok: false, reason: 'already_verified' } as const;
    const identifiers = await trx.selectFrom('privacy_request_identifiers').selectAll().where('request_id', '=', requestId).execute();
    const problems: Partial<Record<'email' | 'mobile', { problem: CodeProblem; triesLeft: number }>> = {};
    const now = Date.now();
    for (const identifier of identifiers) {
      if (identifier.verified_at) continue;
      const triesLeft = CODE_MAX_TRIES - identifier.attempts;
      const code = given[identifier.kind]?.trim() ?? '';
      if (identifier.code_used_at) problems[identifier.kind] = { problem: 'used', triesLeft };
      else if (triesLeft <= 0) problems[identifier.kind] = { problem: 'too_many_tries', triesLeft: 0 };
      else if (new Date(identifier.code_expires_at).getTime() <= now) problems[identifier.kind] = { problem: 'expired', triesLeft };
      else if (!/^\d{6}$/.test(code)) problems[identifier.kind] = { problem: 'missing', triesLeft };
      else if (!secrets.codeHash(requestId, identifier.kind, code).equals(identifier.code_hash)) {
        await trx
          .updateTable('privacy_request_identifiers')
          .set({ attempts: identifier.attempts + 1 })
          .where('request_id', '=', requestId)
          .where('kind', '=', identifier.kind)
          .execute();
        problems[identifier.kind] = { problem: 'wrong', triesLeft: triesLeft - 1 };
      } else {
        await trx
          .updateTable('privacy_request_identifiers')
          .set({ verified_at: new Date(), code_used_at: new Date() })
          .where('request_id', '=', requestId)
          .where('kind', '=', identifier.kind)
          .execute();
      }
    }
    if (Object.keys(problems).length > 0) return { ok: false, reason: 'codes', problems } as const;
    await trx.updateTable('privacy_requests').set({ state: 'verified', verified_at: new Date(), updated_at: new Date() }).where('id', '=', requestId).execute();
    await appendAudit(trx, { clientId: null, actorKind: 'end_customer', action: 'privacy.request_verified', subjectKind: 'privacy_request', subjectId: requestId });
    return { ok: true, dueOn: request.due_on } as const;
  });
}
