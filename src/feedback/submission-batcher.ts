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
import { duplicateOf, insertFeedbacks, readBeforeFeedback, submitFeedback, type SubmitResult, type TargetedFeedback } from './submit-feedback.ts';

/** Submissions one transaction carries at most: bounds the wait of the last in a batch. */
const MAX_BATCH = 64;

interface Pending extends TargetedFeedback {
  resolve(result: SubmitResult): void;
  reject(error: unknown): void;
}

interface ClientQueue {
  waiting: Pending[];
  writing: boolean;
  /** Called when a submission joins the queue while it is being written. */
  wake: (() => void) | null;
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
      queue = { waiting: [], writing: false, wake: null };
      this.#queues.set(clientId, queue);
    }
    const result = new Promise<SubmitResult>((resolve, reject) => {
      queue.waiting.push({ target, feedback: { ...submission, id: randomUUID(), channel, formNonce }, resolve, reject });
    });
    if (queue.wake) {
      queue.wake();
      queue.wake = null;
    }
    if (!queue.writing) void this.#write(clientId, queue);
    return result;
  }

  /**
   * Writes the client's queue, one batch at a time: a batch takes everything that waits when
   * the one before has ended, which makes the fullest batches, hence the fewest statements per
   * submission (two batches written at once made smaller ones and cost more CPU each:
   * bench/README.md). The next batch's transaction is opened while the current one is
   * written, as soon as a submission waits for it, so that its `begin` and first reads are done
   * by the time it may take its batch. Other clients' batches go meanwhile.
   */
  async #write(clientId: ClientId, queue: ClientQueue): Promise<void> {
    queue.writing = true;
    try {
      // Submissions read in the same turn of the event loop join the first: a submission
      // arriving at an idle queue would otherwise go alone, with the rest waiting behind it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      let previous: Promise<void> = Promise.resolve();
      for (;;) {
        if (queue.waiting.length === 0) {
          await Promise.race([previous, new Promise<void>((resolve) => (queue.wake = resolve))]);
          queue.wake = null;
          // Woken by the end of the batch being written, with nothing waiting: done.
          if (queue.waiting.length === 0) break;
        }
        let taken!: () => void;
        const batchTaken = new Promise<void>((resolve) => (taken = resolve));
        const ended = this.#writeBatch(clientId, queue, previous, taken);
        await Promise.race([batchTaken, ended]);
        previous = ended;
      }
    } finally {
      queue.writing = false;
      if (queue.waiting.length === 0) this.#queues.delete(clientId);
      else void this.#write(clientId, queue);
    }
  }

  /**
   * One transaction: it begins and reads what every batch reads at once, then waits for `turn`
   * (the end of the batch before), takes what waits then (calling `taken`), and writes it.
   * Resolves when the transaction has ended; never rejects: each submission is answered.
   */
  async #writeBatch(clientId: ClientId, queue: ClientQueue, turn: Promise<void>, taken: () => void): Promise<void> {
    let batch: Pending[] | null = null;
    const take = () => {
      batch = queue.waiting.splice(0, MAX_BATCH);
      observeFeedbackBatch(batch.length);
      taken();
      return batch;
    };
    let results: SubmitResult[];
    try {
      results = await withClient(this.#services.db, clientId, async (trx) => {
        const firstReads = readBeforeFeedback(this.#services, trx, clientId);
        firstReads.catch(() => {}); // awaited below, once the batch is taken
        await turn;
        const items = take();
        const stored = await insertFeedbacks(this.#services, trx, clientId, items, firstReads);
        const answers: SubmitResult[] = [];
        for (const [i, item] of items.entries()) {
          answers.push(
            stored[i]
              ? { ok: true, feedbackId: item.feedback.id, duplicate: false, prizeDrawEntered: item.feedback.prizeDraw }
              : await duplicateOf(trx, item.target, item.feedback.formNonce),
          );
        }
        return answers;
      });
    } catch (error) {
      if (!batch) {
        await turn;
        take();
      }
      void this.#answerAlone(batch!, error);
      return;
    }
    for (const [i, item] of batch!.entries()) {
      const result = results[i]!;
      if (result.ok && !result.duplicate) countFeedbackIngested(item.feedback.channel);
      item.resolve(result);
    }
  }

  /**
   * One submission can fail a whole batch (a deadlock between two people's end customers, a
   * location deleted meanwhile): each is then tried on its own, so only it fails. Not awaited
   * by the batch's end, so the next batch (which may hold the only connection) goes on.
   */
  async #answerAlone(batch: readonly Pending[], error: unknown): Promise<void> {
    if (batch.length === 1) {
      batch[0]!.reject(error);
      return;
    }
    await Promise.all(
      batch.map(({ target, feedback, resolve, reject }) =>
        submitFeedback(this.#services, target, feedback, feedback.channel, feedback.formNonce).then(resolve, reject),
      ),
    );
  }
}
