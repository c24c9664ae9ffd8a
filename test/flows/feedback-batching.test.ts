/**
 * Group commit of the public form: many submissions of one client at once are written in
 * shared transactions, and each still gets exactly what it would have got alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/tenancy.ts';
import { SubmissionBatcher } from '../../src/feedback/submission-batcher.ts';
import { findFeedbackTargetOfLocation } from '../../src/programmes/index.ts';
import { createTestClient } from '../helpers/factories.ts';
import { openForm, postForm } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { waitFor } from '../helpers/wait.ts';

let hark: TestHark;

beforeAll(async () => {
  hark = await startTestHark();
});
afterAll(() => hark?.close());

/** The group-commit transactions so far, from /metrics: how many, and how many submissions they carried. */
async function batchSizes(): Promise<{ count: number; sum: number }> {
  const text = await (await hark.fetch('/metrics')).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { count: value('hark_feedback_batch_size_count'), sum: value('hark_feedback_batch_size_sum') };
}

/**
 * A client, its feedback target, the same target at a location that does not exist (its row
 * breaks the location's foreign key, and with it a shared transaction), and a batcher.
 */
async function batchWithABrokenTarget() {
  const client = await createTestClient(hark.services);
  const target = await withClient(hark.services.db, client.clientId, (trx) => findFeedbackTargetOfLocation(trx, client.clientId, client.location.id));
  if (!target) throw new Error('the test location has no feedback target');
  const broken = { ...target, location: { ...target.location, id: '00000000-0000-4000-8000-000000000000' } };
  const submission = (score: number) => ({ score, comment: `score ${score}`, receiptCode: null, contact: { name: null, email: null, mobile: null }, contactRequested: false, prizeDraw: false });
  return { client, target, broken, batcher: new SubmissionBatcher(hark.services), submission };
}

describe('submissions arriving together', () => {
  it('stores each once, answers repeats of a form with the first feedback, and finds one person once', async () => {
    const client = await createTestClient(hark.services);
    const path = `/f/${client.location.code}`;
    const forms = await Promise.all(Array.from({ length: 24 }, () => openForm(hark, path)));
    const posts = forms.map((form, i) => {
      const answers: Record<string, string> = { token: form.token, score: String((i % 5) + 1), comment: i % 3 === 0 ? '' : `Visit ${i}: the coffee was hot and the staff friendly` };
      // Three forms from one person (one gives a mobile too), one from a name alone.
      if (i < 3) Object.assign(answers, { email: 'Repeat.Customer@example.com', name: 'Mere', contact_requested: 'on' });
      if (i === 2) answers.mobile = '021 555 0142';
      if (i === 3) answers.name = 'Only A Name';
      return answers;
    });
    // Every form posted at once, and the first four posted twice more (a double tap, a retry).
    const all = [...posts, ...posts.slice(0, 4), ...posts.slice(0, 4)];
    const batchesBefore = await batchSizes();
    const answers = await Promise.all(all.map((fields) => postForm(hark, path, fields)));
    // They went in fewer transactions than submissions, every one of them in exactly one.
    const batches = await batchSizes();
    expect(batches.sum - batchesBefore.sum).toBe(all.length);
    expect(batches.count - batchesBefore.count).toBeLessThan(all.length);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.html).not.toContain('name="token"'); // the thank-you page, not the form again
    }

    const stored = await withClient(hark.services.db, client.clientId, async (trx) => ({
      feedback: await trx.selectFrom('feedback').select(['id', 'form_nonce', 'end_customer_id', 'comment']).where('client_id', '=', client.clientId).execute(),
      customers: await trx.selectFrom('end_customers').select(['id', 'mobile_index']).where('client_id', '=', client.clientId).execute(),
    }));
    expect(stored.feedback).toHaveLength(24);
    expect(new Set(stored.feedback.map((f) => f.form_nonce)).size).toBe(24);
    const repeatCustomer = stored.feedback.filter((f) => f.end_customer_id !== null);
    // The repeat customer's three feedback share one end customer, who now has a mobile; the name alone is another.
    expect(stored.customers).toHaveLength(2);
    const ids = new Set(repeatCustomer.map((f) => f.end_customer_id));
    expect(ids.size).toBe(2);
    expect(stored.customers.filter((c) => c.mobile_index !== null)).toHaveLength(1);

    // The rollups count every feedback once, and every comment is analysed once, by the day's job.
    await waitFor(async () => {
      const rows = await withClient(hark.services.db, client.clientId, (trx) =>
        trx.selectFrom('feedback_daily_rollups').select((eb) => eb.fn.sum<string>('responses').as('n')).where('client_id', '=', client.clientId).executeTakeFirst(),
      );
      return Number(rows?.n ?? 0) === 24 ? true : undefined;
    });
    expect(await hark.services.jobs.drained('update-daily-rollups', 10_000)).toBe(true);
    const analyses = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('comment_analysis').select('feedback_id').where('client_id', '=', client.clientId).execute(),
    );
    expect(analyses.map((a) => a.feedback_id).sort()).toEqual(stored.feedback.filter((f) => f.comment !== '').map((f) => f.id).sort());
  });

  it('stores every comment exactly as written, whatever characters it holds', async () => {
    const { client, target, batcher } = await batchWithABrokenTarget();
    const comments = ['He said "hi", then {left}', 'back\\slash \\" and a trailing \\', 'NULL', '', "it's ā ē ī ō ū — 🎉", 'line one\nline two', ' spaces  kept '];
    const results = await Promise.all(
      comments.map((comment, i) =>
        batcher.submit(target, { score: 4, comment, receiptCode: null, contact: { name: null, email: null, mobile: null }, contactRequested: false, prizeDraw: false }, 'web', `chars-${client.clientId}-${i}`),
      ),
    );
    const ids = results.map((r) => (r.ok ? r.feedbackId : null));
    const rows = await withClient(hark.services.db, client.clientId, (trx) => trx.selectFrom('feedback').select(['id', 'comment', 'sub_measure_id', 'receipt_code']).where('client_id', '=', client.clientId).execute());
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(ids.map((id) => (id ? byId.get(id)?.comment : undefined))).toEqual(comments);
    for (const row of rows) expect([row.sub_measure_id, row.receipt_code]).toEqual([null, null]);
  });

  it('fails only the submission that cannot be stored when it shares a batch with others', async () => {
    const { client, target, broken, batcher, submission } = await batchWithABrokenTarget();
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => batcher.submit(i === 5 ? broken : target, submission((i % 5) + 1), 'web', `nonce-${client.clientId}-${i}`)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[5]?.status).toBe('rejected');
    const count = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select((eb) => eb.fn.countAll<string>().as('n')).where('client_id', '=', client.clientId).executeTakeFirstOrThrow(),
    );
    expect(Number(count.n)).toBe(11);
  });

  it('answers every submission when a batch fails while the next one is already open', async () => {
    const { client, target, broken, batcher, submission } = await batchWithABrokenTarget();
    // More than one transaction carries (64): the rest wait, and the next transaction opens
    // while the first is written. The first fails, and its submissions go again one by one
    // while the next (on PGlite, holding the only connection) writes its own.
    const batchesBefore = await batchSizes();
    const results = await Promise.allSettled(
      Array.from({ length: 70 }, (_, i) => batcher.submit(i === 5 ? broken : target, submission((i % 5) + 1), 'web', `overflow-${client.clientId}-${i}`)),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[5]?.status).toBe('rejected');
    const batches = await batchSizes();
    expect(batches.sum - batchesBefore.sum).toBe(70);
    expect(batches.count - batchesBefore.count).toBe(2);
    const count = await withClient(hark.services.db, client.clientId, (trx) =>
      trx.selectFrom('feedback').select((eb) => eb.fn.countAll<string>().as('n')).where('client_id', '=', client.clientId).executeTakeFirstOrThrow(),
    );
    expect(Number(count.n)).toBe(69);
  });
});
