import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { raiseAlertsForMany } from '../alerts/index.ts';
import type { Services } from '../context.ts';
import { countFeedbackIngested } from '../counters.ts';
import type { Channel } from '../db/schema.ts';
import { withClient, type ClientId, type Trx } from '../db/tenancy.ts';
import { matchEndCustomers } from '../end-customers/index.ts';
import type { ClientKeyring } from '../keys/index.ts';
import type { FeedbackTarget } from '../programmes/index.ts';
import { enqueueRollupUpdate, localDay } from '../reports/index.ts';
import { currentPolicyVersionExpression } from '../privacy/policies/index.ts';
import { enqueueWebhookEvents, prepareWebhookEvents } from '../webhooks/index.ts';
import type { ValidSubmission } from './schemas.ts';

export type SubmitResult =
  | { ok: true; feedbackId: string; duplicate: boolean; prizeDrawEntered: boolean }
  | { ok: false; reason: 'receipt_code_unknown' | 'receipt_code_used' | 'receipt_code_other_location' };

/** Raised inside the transaction to roll it back; never escapes `submitFeedback`. */
class Rollback extends Error {
  constructor(readonly result: SubmitResult) {
    super(result.ok ? 'duplicate' : result.reason);
  }
}

/**
 * Stores one feedback with everything that came with it, in one transaction: the receipt
 * code is consumed, contact details are encrypted, consents and the prize-draw entry are
 * recorded and the rollup update is enqueued, or none of it happens.
 *
 * `formNonce` makes the submission idempotent: the same form posted twice yields the first
 * feedback's id with `duplicate: true`.
 */
export async function submitFeedback(
  services: Services,
  target: FeedbackTarget,
  submission: ValidSubmission,
  channel: Channel,
  formNonce: string | null,
): Promise<SubmitResult> {
  const { clientId, location } = target;
  const feedbackId = randomUUID();
  try {
    const result = await withClient(services.db, clientId, async (trx) => {
      if (submission.receiptCode) {
        const consumed = await trx
          .updateTable('receipt_codes')
          .set({ used_at: new Date(), feedback_id: feedbackId })
          .where('client_id', '=', clientId)
          .where('code', '=', submission.receiptCode)
          .where('location_id', '=', location.id)
          .where('used_at', 'is', null)
          .returning('code')
          .executeTakeFirst();
        if (!consumed) throw new Rollback(await explainReceiptCode(trx, target, submission.receiptCode, formNonce));
      }

      const inserted = await insertFeedback(services, trx, target, { ...submission, id: feedbackId, channel, formNonce });
      if (!inserted) throw new Rollback(await duplicateOf(trx, target, formNonce));
      return { ok: true, feedbackId, duplicate: false, prizeDrawEntered: submission.prizeDraw } as const;
    });
    countFeedbackIngested(channel);
    return result;
  } catch (error) {
    if (error instanceof Rollback) return error.result;
    throw error;
  }
}

export interface FeedbackToStore extends ValidSubmission {
  id: string;
  channel: Channel;
  formNonce: string | null;
}

/** A feedback to store with where it was given: a batch may span locations of one client. */
export interface TargetedFeedback {
  target: FeedbackTarget;
  feedback: FeedbackToStore;
}

/**
 * Stores a feedback in the caller's transaction: the end customer (contact details
 * encrypted), the feedback, its consents and prize-draw entry, its alerts (and case), and
 * the rollup update (whose job also analyses the comment).
 * Returns null, storing nothing, when a feedback with the same form nonce exists.
 * A receipt code must already be claimed by the caller.
 */
export async function insertFeedback(services: Services, trx: Trx, target: FeedbackTarget, feedback: FeedbackToStore): Promise<{ submittedAt: Date } | null> {
  const [stored] = await insertFeedbacks(services, trx, target.clientId, [{ target, feedback }]);
  return stored ?? null;
}

/**
 * `insertFeedback` for many feedback of one client in one transaction, with one statement
 * per step rather than per feedback where the step allows: the rows, their end customers and
 * the rollup updates of each location-day (the job that then recomputes the day's rollups
 * also analyses its new comments). Returns, in order, each feedback's time, or null for one whose form
 * nonce was taken (by an earlier feedback or by one earlier in `batch`).
 */
export async function insertFeedbacks(
  services: Services,
  trx: Trx,
  clientId: ClientId,
  batch: readonly TargetedFeedback[],
  firstReads: Promise<ClientKeyring> = readBeforeFeedback(services, trx, clientId),
): Promise<({ submittedAt: Date } | null)[]> {
  // Statements issued together below share a round trip (pipelined-transaction.ts): the batch
  // costs four or five round trips however many steps it has.
  const keyring = await firstReads;
  if (batch.length === 0) return [];

  // The people first, so that each row is written once with its end customer.
  const withContact = batch.filter(({ feedback }) => feedback.contact.email || feedback.contact.mobile || feedback.contact.name);
  const people = withContact.length > 0 ? await matchEndCustomers(trx, keyring, withContact.map(({ feedback }) => feedback.contact)) : null;
  const endCustomerOf = new Map(withContact.map(({ feedback }, i) => [feedback.id, people!.ids[i]!]));

  const [, insertedRows] = await Promise.all([
    people?.store(),
    trx
      .insertInto('feedback')
      .values(
        batch.map(({ target, feedback }) => ({
          client_id: clientId,
          id: feedback.id,
          programme_id: target.programme.id,
          location_id: target.location.id,
          sub_measure_id: target.subMeasure?.id ?? null,
          end_customer_id: endCustomerOf.get(feedback.id) ?? null,
          channel: feedback.channel,
          scale: target.programme.scale,
          score: feedback.score,
          comment: feedback.comment,
          receipt_code: feedback.receiptCode,
          contact_requested: feedback.contactRequested,
          form_nonce: feedback.formNonce,
          // Not the transaction's start (the column's default): a batch's transaction may begin
          // before its last submission arrives (submission-batcher.ts).
          submitted_at: sql<Date>`statement_timestamp()`,
        })),
      )
      .onConflict((oc) => oc.columns(['client_id', 'form_nonce']).where('form_nonce', 'is not', null).doNothing())
      .returning(['id', 'submitted_at'])
      .execute(),
  ]);
  const submittedAt = new Map(insertedRows.map((r) => [r.id, r.submitted_at]));
  const stored = batch.flatMap((item) => {
    const at = submittedAt.get(item.feedback.id);
    return at ? [{ ...item, submittedAt: at, day: localDay(at, item.target.clientTimezone), endCustomerId: endCustomerOf.get(item.feedback.id) ?? null }] : [];
  });

  // What follows the rows depends on them only, not on each other.
  const steps: Promise<unknown>[] = [];
  // A repeated form stores nothing: a person only it brought (a name alone, a new address) goes again.
  if (people && stored.length < batch.length) {
    const kept = new Set(stored.map((item) => item.endCustomerId));
    const unused = [...people.created].filter((id) => !kept.has(id));
    if (unused.length > 0) steps.push(trx.deleteFrom('end_customers').where('client_id', '=', clientId).where('id', 'in', unused).execute());
  }
  steps.push(
    recordConsentsAndEntries(
      trx,
      clientId,
      stored.flatMap(({ target, feedback, endCustomerId }) => (endCustomerId ? [{ target, feedbackId: feedback.id, endCustomerId, agreed: feedback }] : [])),
    ),
    raiseAlertsForMany(
      trx,
      clientId,
      stored.map(({ target, feedback }) => ({
        clientId,
        id: feedback.id,
        locationId: target.location.id,
        scale: target.programme.scale,
        score: feedback.score,
        category: 'general' as const,
        contactRequested: feedback.contactRequested,
        comment: feedback.comment,
      })),
    ),
  );
  // One update per location-day, issued in a fixed order, so that PostgreSQL takes the day
  // locks in that order for every batch and two batches cannot deadlock on them.
  const days = new Map(stored.map(({ target, day }) => [`${target.location.id}/${day}`, { locationId: target.location.id, day }]));
  for (const key of [...days.keys()].sort()) {
    const { locationId, day } = days.get(key)!;
    steps.push(enqueueRollupUpdate(services.jobs, trx, { clientId, locationId, day }));
  }
  steps.push(
    enqueueWebhookEvents(
      trx,
      clientId,
      'feedback.created',
      stored.map(({ target, feedback, submittedAt: at, endCustomerId }) => ({
        data: {
          id: feedback.id,
          programmeId: target.programme.id,
          locationId: target.location.id,
          subMeasureId: target.subMeasure?.id ?? null,
          channel: feedback.channel,
          scale: target.programme.scale,
          score: feedback.score,
          comment: feedback.comment,
          contactRequested: feedback.contactRequested,
          submittedAt: at.toISOString(),
        },
        contact: { endCustomerId },
      })),
    ),
  );
  await Promise.all(steps);
  return batch.map(({ feedback }) => {
    const at = submittedAt.get(feedback.id);
    return at ? { submittedAt: at } : null;
  });
}

/**
 * What storing any feedback of the client reads first, issued at once: its key (read even when
 * no contact details come: a terminated client's keys are gone, and then nothing is stored) and
 * its webhook endpoints. A transaction opened before its feedback is known can have them ready.
 */
export function readBeforeFeedback(services: Services, trx: Trx, clientId: ClientId): Promise<ClientKeyring> {
  prepareWebhookEvents(trx, clientId);
  return services.keyrings.keyringFor(trx, clientId);
}

/** Records what the customer agreed to with a feedback and, if they entered, their prize-draw entry. */
export async function recordConsentsAndEntry(
  trx: Trx,
  target: FeedbackTarget,
  feedbackId: string,
  endCustomerId: string,
  agreed: { contactRequested: boolean; prizeDraw: boolean },
): Promise<void> {
  await recordConsentsAndEntries(trx, target.clientId, [{ target, feedbackId, endCustomerId, agreed }]);
}

interface Agreement {
  target: FeedbackTarget;
  feedbackId: string;
  endCustomerId: string;
  agreed: { contactRequested: boolean; prizeDraw: boolean };
}

/** `recordConsentsAndEntry` for many feedback of one client: one statement for the consents, one for the entries, sent together. */
async function recordConsentsAndEntries(trx: Trx, clientId: ClientId, agreements: readonly Agreement[]): Promise<void> {
  const consents = agreements.flatMap(({ target, feedbackId, endCustomerId, agreed }) =>
    [
      ...(agreed.contactRequested ? [{ kind: 'contact' as const, document_url: null }] : []),
      ...(agreed.prizeDraw
        ? [
            { kind: 'prize_draw_terms' as const, document_url: target.programme.prizeDrawTermsUrl },
            { kind: 'privacy_policy' as const, document_url: target.programme.privacyPolicyUrl ?? target.clientPrivacyPolicyUrl },
          ]
        : []),
    ].map((c) => ({ client_id: clientId, end_customer_id: endCustomerId, feedback_id: feedbackId, ...c })),
  );
  const entries = agreements.filter(({ agreed }) => agreed.prizeDraw);
  await Promise.all([
    consents.length > 0 &&
      trx
        .insertInto('consents')
        // The version of Hark's privacy policy in force, which the page or text linked to.
        .values(consents.map((c) => ({ ...c, policy_version: currentPolicyVersionExpression })))
        .execute(),
    entries.length > 0 &&
      trx
        .insertInto('prize_entries')
        .values(entries.map(({ target, feedbackId, endCustomerId }) => ({ client_id: clientId, programme_id: target.programme.id, feedback_id: feedbackId, end_customer_id: endCustomerId })))
        .onConflict((oc) => oc.columns(['client_id', 'feedback_id']).doNothing())
        .execute(),
  ]);
}

export async function duplicateOf(trx: Trx, target: FeedbackTarget, formNonce: string | null): Promise<SubmitResult> {
  const first = await trx
    .selectFrom('feedback')
    .select('id')
    .where('client_id', '=', target.clientId)
    .where('form_nonce', '=', formNonce)
    .executeTakeFirstOrThrow();
  const entered = await trx
    .selectFrom('prize_entries')
    .select('id')
    .where('client_id', '=', target.clientId)
    .where('feedback_id', '=', first.id)
    .executeTakeFirst();
  return { ok: true, feedbackId: first.id, duplicate: true, prizeDrawEntered: Boolean(entered) };
}

/** Why a receipt code could not be used; a resubmit of the form that used it is a duplicate, not an error. */
async function explainReceiptCode(trx: Trx, target: FeedbackTarget, code: string, formNonce: string | null): Promise<SubmitResult> {
  const row = await trx
    .selectFrom('receipt_codes as r')
    .leftJoin('feedback as f', (j) => j.onRef('f.client_id', '=', 'r.client_id').onRef('f.id', '=', 'r.feedback_id'))
    .select(['r.location_id', 'r.used_at', 'f.form_nonce'])
    .where('r.client_id', '=', target.clientId)
    .where('r.code', '=', code)
    .executeTakeFirst();
  if (!row) return { ok: false, reason: 'receipt_code_unknown' };
  if (row.location_id !== target.location.id) return { ok: false, reason: 'receipt_code_other_location' };
  if (formNonce && row.form_nonce === formNonce) return duplicateOf(trx, target, formNonce);
  return { ok: false, reason: 'receipt_code_used' };
}
