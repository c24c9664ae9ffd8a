/**
 * When PostgreSQL goes away (stopped, or restarted under traffic), Hark's answers say "try
 * again shortly" (503 with Retry-After), never a 500 page or a hang; the process survives
 * connections that die in its hands; the form a customer sends again once the database is
 * back is stored exactly once; and what was done outside the database while it was away (a
 * job's work, an alert mailed, a text handed to the provider) is recorded once it is back,
 * not done a second time.
 *
 * The database is a PostgreSQL cluster of this file's own (initdb in a temporary folder, on
 * a free port), so it can be stopped and restarted without touching anyone else's server.
 * It runs the same whichever HARK_TEST_DB is chosen: the outage is a PostgreSQL one.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api-keys/service.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { JobQueue } from '../../src/jobs/index.ts';
import { createPostgresCluster, type PostgresCluster } from '../../scripts/lib/postgres-cluster.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { openForm, postForm } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser } from '../helpers/portal.ts';
import { enableSms, TestPhone } from '../helpers/sms.ts';
import { startTestSmsGateway, type TestSmsGateway } from '../helpers/sms-gateway.ts';
import { startRecordingSmtpServer, type RecordingSmtpServer } from '../helpers/smtp-recorder.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, twilioSid } from '../helpers/twilio-signing.ts';
import { waitFor } from '../helpers/wait.ts';

let cluster: PostgresCluster;
let hark: TestHark;
let smtp: RecordingSmtpServer;
let gateway: TestSmsGateway;

beforeAll(async () => {
  // Durability is not under test here: the settings make the cluster quick on a busy machine.
  cluster = await createPostgresCluster({ settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  await admin.query('create database hark');
  await admin.end();
  // The mail server takes 3 s to accept each message: time for the database to go away
  // between a mail being sent and the alert being recorded as sent.
  smtp = await startRecordingSmtpServer({ replyDelayMs: 3000 });
  gateway = await startTestSmsGateway({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  hark = await startTestHark({
    env: {
      DATABASE_URL: cluster.url('hark'),
      HARK_SUBMIT_LIMIT_PER_IP: '100000',
      HARK_PAGE_LIMIT_PER_IP: '100000',
      HARK_SUBMIT_LIMIT_PER_LOCATION: '100000',
      SMTP_URL: smtp.url,
      HARK_ALERT_POLL_SECONDS: '0.2',
      HARK_ALERT_LEASE_SECONDS: '20',
      HARK_SMS_PROVIDER: 'twilio',
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_API_BASE_URL: gateway.url,
      HARK_JOB_POLL_SECONDS: '0.5',
    },
  });
});
afterAll(async () => {
  try {
    await hark?.close();
    await smtp?.close();
    await gateway?.close();
  } finally {
    await cluster?.destroy();
  }
});

/** Stops PostgreSQL until `until` resolves, then starts it again. */
async function whileStopped<T>(until: () => Promise<T>): Promise<T> {
  await cluster.stop();
  try {
    return await until();
  } finally {
    await cluster.start();
  }
}

function commentsOf(client: TestClient) {
  return withClient(hark.services.db, client.clientId, (trx) =>
    trx.selectFrom('feedback').select('comment').where('client_id', '=', client.clientId).execute(),
  ).then((rows) => rows.map((r) => r.comment));
}

/** The seconds a 503 asks the client to wait: present, a whole number, at least 1. */
function retryAfterOf(response: { headers: Headers }): number {
  const value = response.headers.get('retry-after');
  expect(value, 'a 503 carries Retry-After').toMatch(/^\d+$/);
  expect(Number(value)).toBeGreaterThanOrEqual(1);
  return Number(value);
}

describe('PostgreSQL stopped', () => {
  it('answers 503 with Retry-After on the feedback page and the API, and stores the form sent again once it is back', async () => {
    const client = await createTestClient(hark.services);
    const owner = await createTestUser(hark.services, client.clientId, 'owner');
    const made = await createApiKey(hark.services, { clientId: client.clientId, userId: owner.id, role: 'owner', locationIds: null }, { name: 'Reports', scopes: ['feedback:read'], locationIds: null });
    if (!made.ok) throw new Error(made.reason);
    const form = await openForm(hark, `/f/${client.location.code}`);
    const fields = { token: form.token, score: '2', comment: 'sent during the outage' };

    await cluster.stop();
    try {
      const page = await hark.fetch(`/f/${client.location.code}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      expect(page.status).toBe(503);
      retryAfterOf(page);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('try again');

      const api = await hark.fetch('/api/v1/dashboard', { headers: { authorization: `Bearer ${made.value.key}` }, signal: AbortSignal.timeout(10_000) });
      expect(api.status).toBe(503);
      retryAfterOf(api);
      expect(await api.json()).toEqual({ error: { code: 'database_unavailable', message: expect.stringContaining('try again') } });
    } finally {
      await cluster.start();
    }

    const again = await postForm(hark, `/f/${client.location.code}`, fields);
    expect(again.status).toBe(200);
    expect(again.html).toContain('Cheers for that');
    // And once more, as a browser's reload of the thank-you page would: still one feedback.
    expect((await postForm(hark, `/f/${client.location.code}`, fields)).status).toBe(200);
    expect(await commentsOf(client)).toEqual(['sent during the outage']);
  });
});

describe('PostgreSQL restarted under traffic', () => {
  it('answers every submission 200 or 503, survives the connections the restart ends, and stores each form once', async () => {
    const client = await createTestClient(hark.services);
    const statuses = new Map<number, number>();
    let sent = 0;
    let restarted = false;

    /** One customer: opens the form, sends it, and sends the same form again after each 503. */
    async function customer(index: number): Promise<void> {
      let form = await openForm(hark, `/f/${client.location.code}`);
      while (form.status === 503) form = await openForm(hark, `/f/${client.location.code}`);
      expect(form.status).toBe(200);
      const fields = { token: form.token, score: String((index % 5) + 1), comment: `restart ${index}` };
      for (let attempt = 0; attempt < 50; attempt++) {
        const answer = await hark.fetch(`/f/${client.location.code}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
          signal: AbortSignal.timeout(10_000),
        });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        await answer.text();
        if (answer.status === 200) return;
        expect(answer.status, 'only 200 or 503').toBe(503);
        retryAfterOf(answer);
        // A phone would wait Retry-After seconds; the database is back within a second here.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`form ${index} was never stored`);
    }

    // Eight customers at a time until the restart is over and 40 more have been sent.
    let after = 0;
    const restart = (async () => {
      while (sent < 40) await new Promise((resolve) => setTimeout(resolve, 10));
      await cluster.restart();
      restarted = true;
    })();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!restarted || after < 40) {
          const index = sent++;
          if (restarted) after++;
          await customer(index);
        }
      }),
    );
    await restart;

    const comments = await commentsOf(client);
    expect(comments).toHaveLength(sent);
    expect(new Set(comments).size).toBe(sent);
    expect([...statuses.keys()].every((status) => status === 200 || status === 503), JSON.stringify([...statuses])).toBe(true);
    // The restart ended transactions in flight: those customers saw a 503 and sent again.
    expect(statuses.get(503) ?? 0, JSON.stringify([...statuses])).toBeGreaterThan(0);
  });
});

describe('a job finishing while PostgreSQL is down', () => {
  it('is recorded as completed once the database is back, and the worker lives on', async () => {
    const pool = new pg.Pool({ connectionString: cluster.url('hark'), max: 2 });
    pool.on('error', () => {});
    // Observes (does not change) the queue's statements: which failed, and how.
    const failed: string[] = [];
    const query = pool.query.bind(pool) as (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
    (pool as unknown as { query: typeof query }).query = (text, values) => {
      const result = query(text, values);
      result.catch((error: { code?: string }) => failed.push(`${/SET completed_on = now\(\)/.test(text) ? 'complete' : 'other'} ${error.code ?? ''}`));
      return result;
    };
    const jobs = new JobQueue(pool, { supervise: false });
    const name = 'outage-outcome';
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let taken = () => {};
    const running = new Promise<void>((resolve) => (taken = resolve));
    try {
      await jobs.start([{ name, policy: 'standard', retryLimit: 0 }]);
      await jobs.work(name, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async () => {
        taken();
        await held;
      });
      const id = await hark.services.db.transaction().execute((trx) => jobs.sendInTransaction(trx, name, {}));
      await running;

      await cluster.stop();
      try {
        // The job's work is done while the database is away: pg-boss records it as completed,
        // unawaited. Before, that rejection went unhandled and ended the process.
        release();
        await waitFor(async () => (failed.some((f) => f.startsWith('complete')) ? true : undefined), { timeoutMs: 10_000, what: 'an attempt to record the outcome' });
      } finally {
        await cluster.start();
      }
      const state = await waitFor(
        async () => {
          const { rows } = await pool.query<{ state: string }>('select state::text as state from pgboss.job where id = $1', [id]);
          return rows[0]?.state === 'completed' ? 'completed' : undefined;
        },
        { timeoutMs: 15_000, what: 'the job to be recorded as completed' },
      );
      expect(state).toBe('completed');
      expect(failed.filter((f) => f.startsWith('complete')).every((f) => /ECONNREFUSED|57P0[13]/.test(f)), failed.join(', ')).toBe(true);
    } finally {
      release();
      await jobs.stop();
      await pool.end();
    }
  });
});

describe('done outside the database while it was down', () => {
  it('records an alert mailed meanwhile as sent once PostgreSQL is back, and mails it once', async () => {
    const client = await createTestClient(hark.services);
    await createTestUser(hark.services, client.clientId, 'owner');
    expect((await postForm(hark, `/f/${client.location.code}`, { token: (await openForm(hark, `/f/${client.location.code}`)).token, score: '1', comment: 'cold and slow' })).status).toBe(200);
    const alertsOf = () => withClient(hark.services.db, client.clientId, (trx) => trx.selectFrom('alerts').select(['id', 'status', 'attempts']).where('client_id', '=', client.clientId).execute());
    const [alert] = await alertsOf();
    if (!alert) throw new Error('no alert was raised for the owner');
    const messageId = `<alert-${alert.id}@localhost>`;
    const mails = () => smtp.messages.filter((m) => m.messageId === messageId);
    await waitFor(async () => (mails().length > 0 ? true : undefined), { what: 'the alert mail to reach the mail server' });

    // The mail server accepts the message while the database is away: Hark cannot record it then.
    await whileStopped(() => waitFor(async () => (mails().some((m) => m.outcome === 'accepted') ? true : undefined), { timeoutMs: 10_000, what: 'the mail to be accepted' }));

    const settled = await waitFor(
      async () => {
        const [row] = await alertsOf();
        return row?.status === 'sent' ? row : undefined;
      },
      { timeoutMs: 15_000, what: 'the alert to be recorded as sent' },
    );
    // Before, the record failed and the alert stayed claimed until its lease (20 s here) ran out, then went again.
    expect(settled.attempts).toBe(1);
    expect(mails()).toHaveLength(1);
  });

  it('records a text the provider took meanwhile as sent once PostgreSQL is back, and sends it once', async () => {
    const client = await createTestClient(hark.services);
    const numbers = await enableSms(hark.services, client);
    const phone = new TestPhone({ hark, gateway, close: async () => {} }, numbers.number);
    // The provider takes 3 s to answer "queued" for this phone's text: the database goes away meanwhile.
    gateway.failNext(1, { status: 201, body: { sid: twilioSid('SM'), status: 'queued' }, delayMs: 3000, to: phone.mobile });
    await phone.send(`${numbers.smsCode} 4 lovely staff`);
    const attempts = () => gateway.attempts.filter((a) => a.form.To === phone.mobile);
    await waitFor(async () => (attempts().length > 0 ? true : undefined), { what: 'the thank-you text to reach the provider' });

    await whileStopped(() => waitFor(async () => (attempts()[0]?.status === 201 ? true : undefined), { timeoutMs: 10_000, what: 'the provider to take the text' }));

    const statusOf = () =>
      withClient(hark.services.db, client.clientId, (trx) =>
        trx.selectFrom('sms_messages').select('status').where('client_id', '=', client.clientId).where('direction', '=', 'outbound').executeTakeFirst(),
      );
    // Before, the record failed and the text stayed 'sending' until its lease (60 s) ran out, then went again.
    await waitFor(async () => ((await statusOf())?.status === 'sent' ? true : undefined), { timeoutMs: 15_000, what: 'the text to be recorded as sent' });
    expect(attempts()).toHaveLength(1);
  });
});
