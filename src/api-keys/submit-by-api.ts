/**
 * Feedback a client's own system captured, posted to POST /api/v1/feedback. It is stored by
 * the same path as the public form (`insertFeedback`: contact details encrypted, alerts and
 * cases, rollups, webhooks), with channel 'api', exactly once per Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import { withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import { countFeedbackIngested } from '../counters.ts';
import { checkSubmission, insertFeedback } from '../feedback/index.ts';
import { findFeedbackTargetOfLocation, scaleOf, type FeedbackTarget } from '../programmes/index.ts';
import { claimIdempotencyKey, fingerprintOf, recordIdempotentAnswer, type StoredAnswer } from './idempotency.ts';
import type { ApiFeedbackBody } from './api-schemas.ts';

export type ApiSubmitResult =
  | { ok: true; answer: StoredAnswer; replayed: boolean }
  | { ok: false; reason: 'unknown_location' | 'unknown_sub_measure' | 'idempotency_mismatch' }
  | { ok: false; reason: 'invalid'; message: string };

class Refusal extends Error {
  constructor(readonly result: Extract<ApiSubmitResult, { ok: false }>) {
    super(result.reason);
  }
}

export async function submitFeedbackByApi(services: Services, access: Access, idempotencyKey: string, body: ApiFeedbackBody): Promise<ApiSubmitResult> {
  const fingerprint = fingerprintOf(body);
  try {
    const result = await withAccess(services.db, access, async (trx) => {
      const claim = await claimIdempotencyKey(trx, access.clientId, {
        key: idempotencyKey,
        fingerprint,
        apiKeyId: access.apiKey?.id ?? null,
        ttlHours: services.config.integrations.idempotencyHours,
      });
      if (claim.kind === 'mismatch') throw new Refusal({ ok: false, reason: 'idempotency_mismatch' });
      if (claim.kind === 'replay') return { ok: true, answer: claim.answer, replayed: true } as const;

      // Row-level security limits a location-scoped key to its locations: others are not found.
      const found = await findFeedbackTargetOfLocation(trx, access.clientId, body.locationId);
      if (!found) throw new Refusal({ ok: false, reason: 'unknown_location' });
      let target: FeedbackTarget = found;
      if (body.subMeasureId) {
        const sub = await trx
          .selectFrom('sub_measures')
          .select(['id', 'name', 'code'])
          .where('client_id', '=', access.clientId)
          .where('location_id', '=', found.location.id)
          .where('id', '=', body.subMeasureId)
          .where('active', '=', true)
          .where('archived_at', 'is', null)
          .executeTakeFirst();
        if (!sub) throw new Refusal({ ok: false, reason: 'unknown_sub_measure' });
        target = { ...found, subMeasure: sub };
      }
      const check = checkSubmission(
        {
          token: '',
          via: 'web',
          score: String(body.score),
          comment: body.comment,
          receipt_code: '',
          name: body.contact?.name ?? '',
          email: body.contact?.email ?? '',
          mobile: body.contact?.mobile ?? '',
          contact_requested: body.contactRequested,
          prize_draw: false,
          accept_terms: false,
          accept_privacy: false,
        },
        scaleOf(target.programme.scale),
        { country: target.clientCountry, prizeDrawEnabled: false },
      );
      if (!check.ok) throw new Refusal({ ok: false, reason: 'invalid', message: Object.values(check.errors).join(' ') });

      const id = randomUUID();
      const stored = await insertFeedback(services, trx, target, { ...check.submission, id, channel: 'api', formNonce: null });
      if (!stored) throw new Error('feedback without a form nonce was taken for a duplicate');
      const answer: StoredAnswer = {
        statusCode: 201,
        body: {
          id,
          locationId: target.location.id,
          subMeasureId: target.subMeasure?.id ?? null,
          channel: 'api',
          score: check.submission.score,
          submittedAt: stored.submittedAt.toISOString(),
        },
      };
      await recordIdempotentAnswer(trx, access.clientId, idempotencyKey, answer);
      return { ok: true, answer, replayed: false } as const;
    });
    if (!result.replayed) countFeedbackIngested('api');
    return result;
  } catch (error) {
    if (error instanceof Refusal) return error.result;
    throw error;
  }
}
