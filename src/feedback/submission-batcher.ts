/**
 * Group commit for the public form: submissions of one client that arrive while its
 * earlier ones are being written wait, and are then written together in one transaction
 * (`insertFeedbacks`). Each is answered only after its transaction commits, so an answered
 * submission is stored, as with `submitFeedback`.
 *
 * At a trickle every submission goes alone and at once; under load the transactions carry
 * more each, and the per-transaction costs (begin, the tenant settings, commit and its WAL
 * flush, the key, rule and webhook look-ups, the rollup job's) are shared by the batch.
 * bench/README.md has the figures.
 */
import { randomUUID } from 'node:crypto';
import type { Services } from '../context.ts';
import { countFeedbackIngested, observeFeedbackBatch } from '../counters.ts';
import type { Channel } from '../db/schema.ts';
import { withClient, type ClientId } from '../db/tenancy.ts';
import type { FeedbackTarget } from '../programmes/index.ts';
import type { ValidSubmission } from './schemas.ts';
import { duplicateOf, insertFeedbacks, submitFeedback, type SubmitResult, type TargetedFeedback } from './submit-feedback.ts';

/**
 * Transactions a client may have open at once. One makes the fullest batches, hence the
 * fewest statements per submission: on 2 CPUs, 2,510 submissions/s at 0.55 ms of CPU each
 * against 2,280 at 0.69 ms with two (bench/README.md). Other clients' batches go meanwhile.
 */
const CONCURRENT_BATCHES_PER_CLIENT = 1;
/** Submissions one transaction carries at most: bounds the wait of the last in a batch. */
const MAX_BATCH = 64;

interface Pending extends TargetedFeedback {
  resolve(result: SubmitResult): void;
  reject(error: unknown): void;
}

interface ClientQueue {
  waiting: Pending[];
  writing: number;
}

export class SubmissionBatcher {
  readonly #services: Services;
  readonly #queues = new Map<ClientId, ClientQueue>();

  constructor(services: Services) {
    this.#services = services;
  }

  /** Stores one submission of the public form, as `submitFeedback` does, batched with others of its client. */
  submit(target: FeedbackTarget, submission: ValidSubmission, channel: Channel, formNonce: string | null): Promise<SubmitResult> {
    // A receipt code is claimed in the submission's transaction and can refuse it: it goes alone.
    if (submission.receiptCode) return submitFeedback(this.#services, target, submission, channel, formNonce);
    const { clientId } = target;
    let queue = this.#queues.get(clientId);
    if (!queue) {
      queue = { waiting: [], writing: 0 };
      this.#queues.set(clientId, queue);
    }
    const result = new Promise<SubmitResult>((resolve, reject) => {
      queue.waiting.push({ target, feedback: { ...submission, id: randomUUID(), channel, formNonce }, resolve, reject });
    });
    if (queue.writing < CONCURRENT_BATCHES_PER_CLIENT) void this.#write(clientId, queue);
    return result;
  }

  async #write(clientId: ClientId, queue: ClientQueue): Promise<void> {
    queue.writing += 1;
    try {
      // Submissions read in the same turn of the event loop join the first: a submission
      // arriving at an idle queue would otherwise go alone, with the rest waiting behind it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (queue.waiting.length > 0) {
        const batch = queue.waiting.splice(0, MAX_BATCH);
        await this.#writeBatch(clientId, batch);
      }
    } finally {
      queue.writing -= 1;
      if (queue.writing === 0 && queue.waiting.length === 0) this.#queues.delete(clientId);
    }
  }

  async #writeBatch(clientId: ClientId, batch: Pending[]): Promise<void> {
    observeFeedbackBatch(batch.length);
    let results: SubmitResult[];
    try {
      results = await withClient(this.#services.db, clientId, async (trx) => {
        const stored = await insertFeedbacks(this.#services, trx, clientId, batch);
        const answers: SubmitResult[] = [];
        for (const [i, item] of batch.entries()) {
          answers.push(
            stored[i]
              ? { ok: true, feedbackId: item.feedback.id, duplicate: false, prizeDrawEntered: item.feedback.prizeDraw }
              : await duplicateOf(trx, item.target, item.feedback.formNonce),
          );
        }
        return answers;
      });
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One submission can fail a whole batch (a deadlock between two people's end customers,
      // a location deleted meanwhile): each is then tried on its own, so only it fails.
      await Promise.all(
        batch.map(({ target, feedback, resolve, reject }) =>
          submitFeedback(this.#services, target, feedback, feedback.channel, feedback.formNonce).then(resolve, reject),
        ),
      );
      return;
    }
    for (const [i, item] of batch.entries()) {
      const result = results[i]!;
      if (result.ok && !result.duplicate) countFeedbackIngested(item.feedback.channel);
      item.resolve(result);
    }
  }
}
