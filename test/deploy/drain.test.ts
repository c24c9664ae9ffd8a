/**
 * SIGTERM drains a real `hark serve` process (node bin/hark.js), as a process manager or a
 * rolling deploy stops it:
 *
 * - a request in flight (a public complaint form whose body is still arriving) finishes
 *   with 200 and its complaint is stored, while new connections are refused at once;
 * - a job in hand (a confirmation email the worker is handing to a mail server that is slow
 *   to accept it) runs to its end, and only then does the process exit, with code 0;
 * - past HARK_SHUTDOWN_TIMEOUT_SECONDS a job still in hand goes back to the queue (retry,
 *   not failed), and another worker sends it later: nothing is lost.
 *
 * A worker-only process serves /metrics, /healthz and /readyz on HARK_METRICS_PORT (its job,
 * send and database pool metrics), and nothing on PORT.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliDatabase, freePort, isListening, killAll, removeTempDirs, startHarkProcess, withDatabase, type CliDatabase, type Env } from '../cli/harness.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';
import { waitFor } from '../helpers/wait.ts';

const QUEUE = 'send-complaint-email';

const complaintForm = (name: string, email: string) =>
  new URLSearchParams({ name, email, business: 'Harbour Lane Coffee', details: 'The receipt printed my full card number, which worried me.' }).toString();

/**
 * A POST whose body arrives in two parts: the request is in flight between them. Over a
 * keep-alive connection, as browsers and load balancers send them.
 */
function slowPost(port: number, pathname: string, body: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: pathname,
    agent,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
  });
  let socketClosed = false;
  request.once('socket', (socket) => socket.once('close', () => (socketClosed = true)));
  const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    request.on('error', reject);
  });
  // 100 Continue: the server has read the request's headers, so the request is under way.
  const underWay = new Promise<void>((resolve) => request.once('continue', () => resolve()));
  request.flushHeaders();
  const half = Math.floor(body.length / 2);
  return {
    async begin() {
      await underWay;
      request.write(body.slice(0, half));
    },
    finish() {
      request.end(body.slice(half));
      return answered;
    },
    /** Whether the server has closed the connection (the client would have kept it). */
    get closed() {
      return socketClosed;
    },
    destroy: () => agent.destroy(),
  };
}

interface JobRow {
  state: string;
  complaint: string;
}

async function complaintJobs(database: CliDatabase): Promise<JobRow[]> {
  return withDatabase(database, async (db) => {
    const { rows } = await sql<JobRow>`
      select j.state::text as state, c.reference as complaint
      from pgboss.job j join privacy_complaints c on c.id = (j.data->>'complaintId')::uuid
      where j.name = ${QUEUE} order by j.created_on`.execute(db);
    return rows;
  });
}

describe('SIGTERM drains `hark serve`', () => {
  let database: CliDatabase;
  let smtp: TestSmtpServer;
  let env: Env;

  beforeAll(async () => {
    database = await cliDatabase();
    smtp = await startTestSmtpServer();
    env = { ...database.env, SMTP_URL: smtp.url, HARK_JOB_POLL_SECONDS: '0.5', HARK_MASTER_KEY: randomBytes(32).toString('base64') };
  });

  afterAll(async () => {
    await killAll();
    smtp?.release();
    await smtp?.close();
    await database?.drop();
    await removeTempDirs();
  });

  it('finishes the request in flight and the job in hand, refuses new connections, and exits 0', async () => {
    const port = await freePort();
    const hark = startHarkProcess(['serve'], { ...env, PORT: String(port), HARK_SHUTDOWN_TIMEOUT_SECONDS: '60' });
    await hark.waitForOutput(/^Hark is ready at /m);

    // A job in hand: the confirmation email of a complaint, held by the mail server.
    smtp.hold();
    const first = await fetch(`http://127.0.0.1:${port}/privacy/complaint`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: complaintForm('Aroha First', 'aroha@example.com'),
    });
    expect(first.status).toBe(200);
    await waitFor(async () => (smtp.begun === 1 ? true : undefined), { what: 'the worker to hand the email to the mail server' });

    // A request in flight: a second complaint whose body is half sent.
    const slow = slowPost(port, '/privacy/complaint', complaintForm('Bea Second', 'bea@example.com'));
    await slow.begin();

    const stopped = hark.stop('SIGTERM', 90_000);
    await waitFor(async () => ((await isListening(port)) ? undefined : true), { what: 'new connections to be refused' });
    expect(hark.exit, hark.describe()).toBeNull();

    const answer = await slow.finish();
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).toMatch(/PC-[A-Z0-9]+/);
    // Its connection, kept alive by the client, is closed by the server once idle.
    await waitFor(async () => (slow.closed ? true : undefined), { what: 'the server to close the idle keep-alive connection' });
    slow.destroy();
    // The email is still in hand: the process waits for it.
    expect(hark.exit, hark.describe()).toBeNull();

    smtp.release();
    const exit = await stopped;
    expect(exit, hark.describe()).toMatchObject({ code: 0, signal: null });
    expect(hark.stderr).toMatch(/SIGTERM: stopping: requests in flight and jobs in hand finish first/);
    expect(smtp.mails.filter((mail) => mail.to.includes('aroha@example.com'))).toHaveLength(1);

    // The first complaint's email was sent; the second complaint, taken during the drain, is
    // stored with its email waiting for the next worker.
    const jobs = await complaintJobs(database);
    expect(jobs.map((job) => job.state)).toEqual(['completed', 'created']);
    expect(answer.text).toContain(jobs[1]?.complaint ?? 'the second complaint');
  }, 120_000);

  it('past the shutdown timeout hands the job in hand back to the queue, and another worker sends it', async () => {
    const metricsPort = await freePort();
    const webPort = await freePort();
    smtp.hold();
    const worker = startHarkProcess(['serve', '--role', 'worker'], { ...env, PORT: String(webPort), HARK_METRICS_PORT: String(metricsPort), HARK_SHUTDOWN_TIMEOUT_SECONDS: '1' });
    await worker.waitForOutput(new RegExp(`^Hark worker is running; metrics at http://localhost:${metricsPort}/metrics$`, 'm'));
    await waitFor(async () => (smtp.begun === 2 ? true : undefined), { what: 'the worker to take the waiting email' });

    // Its metrics, on HARK_METRICS_PORT: the job it holds, the pool, the process.
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(new RegExp(`^hark_jobs\\{queue="${QUEUE}",state="active"\\} 1$`, 'm'));
    expect(text).toMatch(new RegExp(`^hark_job_queue_oldest_seconds\\{queue="${QUEUE}"\\} `, 'm'));
    expect(text).toMatch(/^hark_db_pool_connections\{state="total"\} [1-9]/m);
    expect(text).toMatch(new RegExp(`^hark_jobs_failed\\{queue="${QUEUE}"\\} 0$`, 'm'));
    expect(text).toMatch(/^hark_email_sent_total\{outcome="sent"\} 0$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/privacy/complaint`)).status).toBe(404);
    // Through a proxy (not this machine's own scraper), and without HARK_METRICS_TOKEN: refused.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(404);
    expect(await isListening(webPort)).toBe(false);

    const exit = await worker.stop('SIGTERM', 30_000);
    expect(exit, worker.describe()).toMatchObject({ code: 0, signal: null });
    expect(await isListening(metricsPort)).toBe(false);
    // Back in the queue, to be retried: not failed, not lost.
    expect((await complaintJobs(database)).map((job) => job.state)).toEqual(['completed', 'retry']);

    // The first worker's connection is gone: the mail server never accepted that message.
    smtp.discardHeld();
    smtp.release();
    const next = startHarkProcess(['serve', '--role', 'worker'], { ...env, PORT: String(webPort) });
    await next.waitForOutput(/Hark worker is running/);
    // pg-boss waits out the queue's retry delay (10 to 20 s for this queue) before retrying.
    await waitFor(async () => (smtp.mails.some((mail) => mail.to.includes('bea@example.com')) ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'the other worker to send the email',
    }).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${next.describe()}`);
    });
    expect(await next.stop('SIGTERM')).toMatchObject({ code: 0 });
    // (Read once it has stopped: the embedded database opens in one process at a time.)
    expect((await complaintJobs(database)).map((job) => job.state)).toEqual(['completed', 'completed']);
    expect(smtp.mails.filter((mail) => mail.to.includes('bea@example.com'))).toHaveLength(1);
  }, 150_000);
});
