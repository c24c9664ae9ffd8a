/**
 * A read replica (DATABASE_REPLICA_URL): dashboards read from a PostgreSQL streaming standby.
 *
 * On PostgreSQL (HARK_TEST_DB=postgres) the test builds the real thing: a fresh primary
 * cluster (initdb) and a hot standby of it (pg_basebackup -R), both on loopback, and a Hark
 * on the pair. Feedback goes to the primary; the dashboard shows it once the standby has
 * replayed it. With replay paused on the standby the dashboard does not show a newer
 * feedback the primary holds (so it really reads the standby), until replay resumes; a
 * business made meanwhile, not on the standby yet, gets its dashboard from the primary. A Hark
 * with a 1 s lag limit reads the primary while the standby is paused, and every Hark reads the
 * primary once the standby stops. /readyz and /metrics report the replica throughout.
 *
 * On every database: the embedded database has no replica to read, and a replica URL with it
 * is refused at start-up with a message naming the variables.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { freePort, killAll, removeTempDirs, runHark, tempDir } from '../cli/harness.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn, type PortalClient } from '../helpers/portal.ts';
import { waitFor } from '../helpers/wait.ts';
import { replicaCaughtUp, startReplicatedPair, type ReplicatedPair } from './pg-cluster.ts';

const replicaUrl = 'postgres://reader:secret-password@replica.example.com:5432/hark';

describe('DATABASE_REPLICA_URL on the embedded database', () => {
  afterAll(async () => {
    await killAll();
    await removeTempDirs();
  });

  it('is refused by the configuration, which names both variables and never echoes the URL', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_REPLICA_URL: replicaUrl });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/DATABASE_REPLICA_URL: needs DATABASE_URL/);
    expect(message).toMatch(/embedded database/);
    expect(message).not.toContain('secret-password');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/hark', DATABASE_REPLICA_URL: replicaUrl }).databaseReplicaUrl).toBe(replicaUrl);
  });

  it('stops `hark serve` before it opens anything, with exit code 2', async () => {
    const dataDir = await tempDir();
    const result = await runHark(['serve'], { HARK_DATA_DIR: dataDir, PORT: String(await freePort()), DATABASE_REPLICA_URL: replicaUrl });
    expect(result.code, result.output).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_REPLICA_URL: needs DATABASE_URL/);
    expect(result.output).not.toContain('secret-password');
    // Refused before the embedded database was created.
    await expect(access(path.join(dataDir, 'pgdata'))).rejects.toThrow();
  });

  it('a lag limit must be a positive number of seconds', () => {
    expect(() => loadConfig({ HARK_REPLICA_MAX_LAG_SECONDS: '0' })).toThrow(/HARK_REPLICA_MAX_LAG_SECONDS: must be a number of seconds above 0/);
    expect(loadConfig({}).replicaMaxLagSeconds).toBe(30);
  });
});

/** The value of the unlabelled sample `name`, or undefined when it is absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

interface ReplicaReport {
  status: string;
  checks: Record<string, string>;
  replica?: { state: string; lagSeconds: number | null; lagBytes: number | null };
}

// The replica needs real PostgreSQL clusters; the embedded run has the tests above.
if (testDatabaseKind === 'postgres') {
  describe('a streaming replica of PostgreSQL 15', () => {
    let pair: ReplicatedPair;
    let hark: TestHark;
    let strict: TestHark | undefined;
    let client: TestClient;
    const portals = new Map<TestHark, PortalClient>();
    let submitted = 0;

    beforeAll(async () => {
      pair = await startReplicatedPair();
      hark = await startTestHark({ databaseUrl: pair.primary.url(), env: { DATABASE_REPLICA_URL: pair.standby.url(), HARK_SUBMIT_LIMIT_PER_IP: '1000' } });
      client = await createTestClient(hark.services);
    }, 60_000);

    afterAll(async () => {
      await strict?.close();
      await hark?.close();
      await pair?.remove();
    });

    async function submitFeedback(score: string): Promise<void> {
      expect((await giveFeedback(hark, `/f/${client.location.code}`, { score })).status).toBe(200);
      submitted += 1;
      // The dashboard reads rollups: wait until the primary's hold this feedback.
      await waitFor(
        async () => {
          const [row] = await pair.primary.query<{ n: number }>('select coalesce(sum(responses), 0)::int as n from feedback_daily_rollups where client_id = $1', [client.clientId]);
          return row?.n === submitted ? true : undefined;
        },
        { what: `${submitted} responses in the primary's rollups` },
      );
    }

    /** The dashboard's response count, as an owner signed in to `of`. */
    async function dashboardResponses(of: TestHark = hark): Promise<number> {
      let portal = portals.get(of);
      if (!portal) {
        portal = await signIn(of, await createTestUser(of.services, client.clientId, 'owner'));
        portals.set(of, portal);
      }
      const response = await portal.get<{ responses: number }>('/api/v1/dashboard');
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.responses;
    }

    async function readyz(of: TestHark = hark): Promise<ReplicaReport> {
      const response = await of.fetch('/readyz');
      expect(response.status).toBe(200);
      return (await response.json()) as ReplicaReport;
    }

    it('reads the dashboard from the replica once it has replayed the feedback', async () => {
      expect(await dashboardResponses()).toBe(0);
      await submitFeedback('5');
      await replicaCaughtUp(pair);
      expect(await dashboardResponses()).toBe(1);

      const ready = await readyz();
      expect(ready.status).toBe('ready');
      expect(ready.replica?.state).toBe('ok');
      expect(ready.replica?.lagSeconds).toBeGreaterThanOrEqual(0);
      expect(ready.replica?.lagBytes).toBeGreaterThanOrEqual(0);

      const metrics = await (await hark.fetch('/metrics')).text();
      expect(sample(metrics, 'hark_db_replica_up')).toBe(1);
      expect(sample(metrics, 'hark_db_replica_in_use')).toBe(1);
      expect(sample(metrics, 'hark_db_replica_lag_seconds')).toBeGreaterThanOrEqual(0);
      expect(sample(metrics, 'hark_db_replica_lag_bytes')).toBeGreaterThanOrEqual(0);
      expect(metrics).toMatch(/^hark_db_replica_pool_connections\{state="total"\} [1-9]/m);
    });

    it('shows only what the replica has replayed: not a feedback the primary holds while replay is paused', async () => {
      await pair.standby.query('select pg_wal_replay_pause()');
      try {
        await submitFeedback('3');
        // The primary has both; the replica, paused, has one, and the dashboard shows one.
        expect(await dashboardResponses()).toBe(1);
        const paused = await readyz();
        expect(paused.replica?.state).toBe('ok');
        expect(paused.replica?.lagBytes).toBeGreaterThan(0);
        expect(paused.replica?.lagSeconds).toBeGreaterThan(0);

        // A business made a moment ago is not on the replica yet: its dashboard is read from
        // the primary instead of answering "no programme".
        const newcomer = await createTestClient(hark.services);
        const newOwner = await signIn(hark, await createTestUser(hark.services, newcomer.clientId, 'owner'));
        const fresh = await newOwner.get<{ responses: number }>('/api/v1/dashboard');
        expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
        expect(fresh.body.responses).toBe(0);
        const rankings = await newOwner.get('/api/v1/rankings?by=location');
        expect(rankings.status, JSON.stringify(rankings.body)).toBe(200);
      } finally {
        await pair.standby.query('select pg_wal_replay_resume()');
      }
      await replicaCaughtUp(pair);
      expect(await dashboardResponses()).toBe(2);
      // Caught up reads as no lag at all (once the primary is quiet for a moment).
      const caughtUp = await waitFor(async () => {
        const { replica } = await readyz();
        return replica?.lagBytes === 0 ? replica : undefined;
      }, { what: 'the replica to report no lag' });
      expect(caughtUp).toEqual({ state: 'ok', lagSeconds: 0, lagBytes: 0 });
    });

    it('reads from the primary while the replica is further behind than HARK_REPLICA_MAX_LAG_SECONDS', async () => {
      strict = await startTestHark({ role: 'web', databaseUrl: pair.primary.url(), env: { DATABASE_REPLICA_URL: pair.standby.url(), HARK_REPLICA_MAX_LAG_SECONDS: '1' } });
      const lenient = hark;
      await pair.standby.query('select pg_wal_replay_pause()');
      try {
        await submitFeedback('4');
        const report = await waitFor(async () => {
          const { replica } = await readyz(strict);
          return replica?.state === 'lagging' ? replica : undefined;
        }, { what: 'the replica to count as lagging past 1 s' });
        expect(report.lagSeconds).toBeGreaterThan(1);
        // The strict Hark reads the primary (three responses); the lenient one still the replica (two).
        expect(await dashboardResponses(strict)).toBe(3);
        expect(await dashboardResponses(lenient)).toBe(2);
        const metrics = await (await strict.fetch('/metrics')).text();
        expect(sample(metrics, 'hark_db_replica_in_use')).toBe(0);
        expect(sample(metrics, 'hark_db_replica_up')).toBe(1);
      } finally {
        await pair.standby.query('select pg_wal_replay_resume()');
      }
      await replicaCaughtUp(pair);
      await waitFor(async () => ((await readyz(strict)).replica?.state === 'ok' ? true : undefined), { what: 'the replica to be back in use' });
      expect(await dashboardResponses(strict)).toBe(3);
    });

    it('reads from the primary, and stays ready, when the replica stops answering', async () => {
      await pair.standby.stop();
      const ready = await readyz();
      expect(ready.status).toBe('ready');
      expect(ready.replica).toMatchObject({ state: 'unreachable', lagSeconds: null, lagBytes: null });
      expect(await dashboardResponses()).toBe(3);
      const metrics = await (await hark.fetch('/metrics')).text();
      expect(sample(metrics, 'hark_db_replica_up')).toBe(0);
      expect(sample(metrics, 'hark_db_replica_in_use')).toBe(0);
      expect(sample(metrics, 'hark_db_replica_lag_seconds')).toBeNaN();

      // A replica that does not answer at start-up does not stop Hark from starting; a warning says so.
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.message);
      process.on('warning', onWarning);
      const late = await startTestHark({ role: 'web', databaseUrl: pair.primary.url(), env: { DATABASE_REPLICA_URL: pair.standby.url() } }).finally(() => process.off('warning', onWarning));
      try {
        expect(warnings.join('\n')).toMatch(/The read replica named by DATABASE_REPLICA_URL \(127\.0\.0\.1:\d+, database postgres\) is not used for now: it does not answer/);
        expect((await readyz(late)).replica).toMatchObject({ state: 'unreachable' });
        expect(await dashboardResponses(late)).toBe(3);
      } finally {
        await late.close();
      }
    });
  });
}
