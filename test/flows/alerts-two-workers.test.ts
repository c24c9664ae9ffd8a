/**
 * The alert outbox with two real worker processes (`node bin/hark.js worker` and
 * `node bin/hark.js serve --role worker`) on one PostgreSQL database, sending through a real
 * SMTP server: two dispatchers side by side send every alert exactly once; an alert whose
 * worker is killed in the middle of sending it is sent by the other worker once the lease runs
 * out, and not lost; and a mail server slower than the lease does not make an alert go twice.
 *
 * Feedback comes in over HTTP through a Hark started in this process with role 'web': it runs
 * no workers, so only the two child processes send. All three share DATABASE_URL and
 * HARK_MASTER_KEY. Each worker has its own HARK_MAIL_FROM address (same domain, so the same
 * Message-ID `<alert-<id>@hark.test>` whichever sends it): the envelope sender of each message
 * the SMTP server receives says which process sent it.
 *
 * PostgreSQL only: embedded PGlite lives inside one process, so two worker processes cannot
 * share it. With the default HARK_TEST_DB (PGlite) this file is skipped; CI's second pass,
 * with HARK_TEST_DB=postgres, runs it.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withClient, type ClientId } from '../../src/db/tenancy.ts';
import { killAll, removeTempDirs, startHarkProcess, tempDir, type HarkProcess } from '../cli/harness.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, type TestUser } from '../helpers/portal.ts';
import { startRecordingSmtpServer, type RecordedMessage, type RecordingSmtpServer } from '../helpers/smtp-recorder.ts';
import { waitFor } from '../helpers/wait.ts';

const masterKey = randomBytes(32).toString('base64');
const mailDomain = 'hark.test';
const senderOf = (name: string) => `alerts-${name}@${mailDomain}`;
const messageIdOf = (alertId: string) => `<alert-${alertId}@${mailDomain}>`;

let web: TestHark;
const smtpServers: RecordingSmtpServer[] = [];

async function smtpServer(options: Parameters<typeof startRecordingSmtpServer>[0]): Promise<RecordingSmtpServer> {
  const server = await startRecordingSmtpServer(options);
  smtpServers.push(server);
  return server;
}

/** A worker process of its own (own data folder, as on another machine) on the shared database. */
async function startWorker(name: string, command: readonly string[], smtpUrl: string, env: Record<string, string> = {}): Promise<HarkProcess> {
  return startHarkProcess(command, {
    DATABASE_URL: web.services.config.databaseUrl,
    HARK_MASTER_KEY: masterKey,
    HARK_DATA_DIR: await tempDir(),
    SMTP_URL: smtpUrl,
    HARK_MAIL_FROM: `Hark ${name} <${senderOf(name)}>`,
    HARK_ALERT_POLL_SECONDS: '0.2',
    HARK_DB_POOL_MAX: '4',
    HARK_LOG_LEVEL: 'silent',
    ...env,
  });
}

const ready = (worker: HarkProcess) => worker.waitForOutput(/^Hark worker is running\.$/m, 20_000);

function alertsOf(clientId: ClientId) {
  return withClient(web.services.db, clientId, (trx) => trx.selectFrom('alerts').selectAll().where('client_id', '=', clientId).execute());
}

async function giveLowScores(client: TestClient, count: number, label: string): Promise<void> {
  const pending = Array.from({ length: count }, (_, i) => i);
  // A few browsers at once, so the backlog builds quickly.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = pending.shift(); i !== undefined; i = pending.shift()) {
        const response = await giveFeedback(web, `/f/${client.location.code}`, { score: '1', comment: `${label} ${i}` });
        expect(response.status, response.html.slice(0, 300)).toBeLessThan(400);
      }
    }),
  );
}

/** Counts of each value that occurs more than once. */
function repeated(values: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return Object.fromEntries([...counts].filter(([, n]) => n > 1));
}

describe.skipIf(testDatabaseKind !== 'postgres')('alerts with two worker processes on one PostgreSQL database', () => {
  beforeAll(async () => {
    web = await startTestHark({
      role: 'web',
      env: { HARK_MASTER_KEY: masterKey, HARK_SUBMIT_LIMIT_PER_IP: '1000', HARK_PAGE_LIMIT_PER_IP: '1000' },
    });
  });
  // A failed test leaves no worker running into the next one.
  afterEach(killAll);
  afterAll(async () => {
    await killAll();
    await Promise.all(smtpServers.map((s) => s.close()));
    await web?.close();
    await removeTempDirs();
  });

  it('never sends an alert twice, with both workers sending side by side', { timeout: 40_000 }, async () => {
    // Sending is slow enough that each worker is still busy with its batch of 20 when the
    // other's next poll (every 0.2 s) comes: smtp-server greets a connection after 100 ms (its
    // early-talker check), nodemailer opens one connection per message, and each message is
    // answered after another 20 ms. About 130 ms a message, so 120 take seconds to send.
    const smtp = await smtpServer({ replyDelayMs: 20 });
    const client = await createTestClient(web.services, { name: 'Two Workers Café' });
    const managers: TestUser[] = [];
    for (let i = 0; i < 3; i++) managers.push(await createTestUser(web.services, client.clientId, 'manager', { locationScope: [client.location.id] }));
    const emailOf = new Map(managers.map((m) => [m.id, m.email.toLowerCase()]));

    // 40 feedback scoring 1/5: the default rule tells each of the 3 managers, 120 alerts.
    await giveLowScores(client, 40, 'two workers');
    const raised = await alertsOf(client.clientId);
    expect(raised).toHaveLength(120);
    expect(raised.every((a) => a.status === 'pending' && a.attempts === 0 && a.channel === 'email')).toBe(true);

    const started = Date.now();
    const a = await startWorker('a', ['worker'], smtp.url);
    const b = await startWorker('b', ['serve', '--role', 'worker'], smtp.url);
    await Promise.all([ready(a), ready(b)]);
    const readyMs = Date.now() - started;

    await waitFor(
      async () => {
        const rows = await alertsOf(client.clientId);
        return rows.every((r) => r.status === 'sent') ? rows : undefined;
      },
      { timeoutMs: 25_000, intervalMs: 100, what: 'all 120 alerts sent' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${a.describe()}\n${b.describe()}`);
    });
    const drainedMs = Date.now() - started;

    // Both stop cleanly; once they have exited, no further mail can arrive. (The lease, 120 s
    // by default, never ran out: what follows shows the claim hands each alert to one worker.)
    expect(await a.stop('SIGTERM'), a.describe()).toMatchObject({ code: 0 });
    expect(await b.stop('SIGTERM'), b.describe()).toMatchObject({ code: 0 });

    const rows = await alertsOf(client.clientId);
    // Each alert claimed once (a claim adds 1 to attempts), sent, with no error.
    expect(rows.filter((r) => r.status !== 'sent' || r.attempts !== 1 || r.error !== null)).toEqual([]);

    const alertMail = smtp.messages.filter((m) => m.messageId.startsWith('<alert-'));
    expect(smtp.messages.length - alertMail.length, 'mail other than alerts').toBe(0);
    expect(alertMail.filter((m) => m.outcome !== 'accepted')).toEqual([]);
    // Every alert's Message-ID exactly once: no duplicate, none missing, nothing else.
    expect(repeated(alertMail.map((m) => m.messageId)), 'Message-IDs received more than once').toEqual({});
    expect(alertMail.map((m) => m.messageId).sort()).toEqual(rows.map((r) => messageIdOf(r.id)).sort());
    // …each to its own recipient.
    const byMessageId = new Map(alertMail.map((m) => [m.messageId, m]));
    for (const row of rows) expect(byMessageId.get(messageIdOf(row.id))?.to).toEqual([emailOf.get(row.recipient_user_id ?? '')]);

    // Both processes sent a share: the envelope sender is each process's own HARK_MAIL_FROM.
    const fromA = alertMail.filter((m) => m.envelopeFrom === senderOf('a'));
    const fromB = alertMail.filter((m) => m.envelopeFrom === senderOf('b'));
    const summary = `a sent ${fromA.length}, b sent ${fromB.length}; both ready after ${readyMs} ms, all sent after ${drainedMs} ms`;
    expect(fromA.length + fromB.length, summary).toBe(120);
    expect(fromA.length, summary).toBeGreaterThan(0);
    expect(fromB.length, summary).toBeGreaterThan(0);
    // …at the same time, not one after the other: each sent some before the other's last.
    const span = (mail: RecordedMessage[]) => [Math.min(...mail.map((m) => m.receivedAt)), Math.max(...mail.map((m) => m.receivedAt))] as const;
    const [firstA, lastA] = span(fromA);
    const [firstB, lastB] = span(fromB);
    expect(firstA < lastB && firstB < lastA, `${summary}; a ${firstA - started}–${lastA - started} ms, b ${firstB - started}–${lastB - started} ms`).toBe(true);
  });

  it('sends an alert whose worker was killed while sending it, once, when the lease runs out', { timeout: 40_000 }, async () => {
    // The first alert message is received but never answered: its sender waits for the reply
    // to the end of DATA, and the message is never accepted.
    const smtp = await smtpServer({ stallWhen: ({ messageId, index }) => index === 0 && messageId.startsWith('<alert-') });
    const client = await createTestClient(web.services, { name: 'Killed Worker Café' });
    const manager = await createTestUser(web.services, client.clientId, 'manager', { locationScope: [client.location.id] });
    await giveLowScores(client, 1, 'killed worker');
    const [alert] = await alertsOf(client.clientId);
    if (!alert) throw new Error('no alert raised');
    const messageId = messageIdOf(alert.id);
    const lease = { HARK_ALERT_LEASE_SECONDS: '3' };

    // Worker A claims the alert and hangs in the SMTP transaction.
    const a = await startWorker('a', ['worker'], smtp.url, lease);
    await waitFor(async () => smtp.messages.find((m) => m.messageId === messageId && m.outcome === 'stalled'), {
      timeoutMs: 20_000,
      what: 'worker A stalled in DATA',
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${a.describe()}`);
    });
    const claimed = (await alertsOf(client.clientId))[0];
    expect(claimed).toMatchObject({ status: 'sending', attempts: 1 });
    const leaseUntil = (claimed?.lease_until as Date).getTime();

    // Killed mid-send: no clean stop, no settling of the row.
    const killed = await a.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect((await alertsOf(client.clientId))[0]).toMatchObject({ status: 'sending', attempts: 1 });

    // Worker B takes the alert over once A's lease has run out, and sends it.
    const bStarted = Date.now();
    const b = await startWorker('b', ['serve', '--role', 'worker'], smtp.url, lease);
    await ready(b);
    const bReady = Date.now();
    const sent = await waitFor(
      async () => {
        const row = (await alertsOf(client.clientId))[0];
        return row?.status === 'sent' ? row : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'the alert sent by worker B' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${b.describe()}`);
    });
    expect(await b.stop('SIGTERM'), b.describe()).toMatchObject({ code: 0 });

    expect(sent).toMatchObject({ status: 'sent', attempts: 2, error: null });
    const copies = smtp.messages.filter((m) => m.messageId === messageId);
    const accepted = copies.filter((m) => m.outcome === 'accepted');
    // Two transactions carried it: A's, never answered, and B's, accepted. One accepted copy.
    expect(copies.map((m) => [m.envelopeFrom, m.outcome])).toEqual([
      [senderOf('a'), 'stalled'],
      [senderOf('b'), 'accepted'],
    ]);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]?.to).toEqual([manager.email.toLowerCase()]);
    expect(smtp.messages.filter((m) => m.messageId !== messageId)).toEqual([]);
    // Not before A's lease ran out (same machine, same clock). B polls from `bReady`: when that
    // is before the lease ends (usual), B's polls in between did not take the claimed alert.
    const timing = `B started ${bStarted - leaseUntil} ms and was ready ${bReady - leaseUntil} ms from the end of A's lease`;
    expect(accepted[0]?.receivedAt ?? 0, timing).toBeGreaterThanOrEqual(leaseUntil);
  });

  it('does not send an alert twice when its mail server is slower than the lease', { timeout: 40_000 }, async () => {
    // Each message is accepted 5 s after it arrives; the lease is 2 s. The worker sending it
    // renews the lease while it waits, so the other worker never takes the alert over.
    const smtp = await smtpServer({ replyDelayMs: 5_000 });
    const client = await createTestClient(web.services, { name: 'Slow Server Café' });
    await createTestUser(web.services, client.clientId, 'manager', { locationScope: [client.location.id] });
    await giveLowScores(client, 1, 'slow server');
    const [alert] = await alertsOf(client.clientId);
    if (!alert) throw new Error('no alert raised');
    const lease = { HARK_ALERT_LEASE_SECONDS: '2' };
    const a = await startWorker('a', ['worker'], smtp.url, lease);
    const b = await startWorker('b', ['serve', '--role', 'worker'], smtp.url, lease);
    await Promise.all([ready(a), ready(b)]);
    const sent = await waitFor(
      async () => {
        const row = (await alertsOf(client.clientId))[0];
        return row?.status === 'sent' ? row : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'the alert sent' },
    );
    // Long enough for a second claim to have been made and sent, had the lease lapsed.
    await delay(3_000);
    expect(await a.stop('SIGTERM'), a.describe()).toMatchObject({ code: 0 });
    expect(await b.stop('SIGTERM'), b.describe()).toMatchObject({ code: 0 });
    expect(sent).toMatchObject({ status: 'sent', attempts: 1 });
    expect(smtp.messages.filter((m) => m.messageId === messageIdOf(alert.id)).map((m) => m.outcome)).toEqual(['accepted']);
  });
});
