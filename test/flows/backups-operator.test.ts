/**
 * Backups as operator staff see them, over HTTP: the list warns when there is no backup or
 * the newest good one is over 26 hours old; "back up now" queues a backup that a worker
 * makes, recorded with its size, SHA-256 and manifest summary, and in the operator audit
 * chain. The schedule makes one only when one is due. Personnel and strangers are refused.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import { runScheduledBackup, scheduledBackupQueue } from '../../src/backups/index.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import { startTestHark, type TestHark } from '../helpers/hark.ts';
import { createTestUser, PortalClient, signIn, testPassword } from '../helpers/portal.ts';
import { waitFor } from '../helpers/wait.ts';

interface Backup {
  id: string;
  trigger: string;
  status: string;
  finishedAt: string | null;
  location: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  summary: { kind: string; schemaVersion: string | null; tables: number; rows: number; auditChains: number } | null;
  error: string | null;
}
interface BackupList {
  backups: Backup[];
  newestSucceededAt: string | null;
  warning: { code: string; message: string } | null;
  schedule: { intervalHours: number; folder: string };
}

describe(`operator backups (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let client: TestClient;
  let operator: PortalClient;

  const countBackups = async () => Number((await sql<{ n: number }>`select count(*)::int as n from backups`.execute(hark.services.db)).rows[0]?.n);

  beforeAll(async () => {
    hark = await startTestHark({ env: { HARK_JOB_POLL_SECONDS: '0.5' } });
    client = await createTestClient(hark.services, { name: 'Backed-up Café' });
    await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment: 'Nice flat white', email: 'someone@example.com' });
    const id = await createUser(hark.services.db, { email: 'backups-ops@hark.example', name: 'Ops', password: testPassword, kind: 'operator' });
    operator = await signIn(hark, { id, email: 'backups-ops@hark.example', password: testPassword });
  });
  afterAll(() => hark?.close());

  it('warns when no backup exists', async () => {
    const list = await operator.get<BackupList>('/api/v1/operator/backups');
    expect(list.status).toBe(200);
    expect(list.body.backups).toEqual([]);
    expect(list.body.warning?.code).toBe('no_backup');
    expect(list.body.warning?.message).toMatch(/No backup has been made yet/);
    expect(list.body.schedule).toEqual({ intervalHours: 24, folder: path.join(hark.services.config.dataDir, 'backups') });
  });

  it('is refused to personnel and to people not signed in, changing nothing', async () => {
    const owner = await signIn(hark, await createTestUser(hark.services, client.clientId, 'owner'));
    expect((await owner.get('/api/v1/operator/backups')).status).toBe(403);
    expect((await owner.post('/api/v1/operator/backups')).status).toBe(403);
    const stranger = new PortalClient(hark);
    expect((await stranger.get('/api/v1/operator/backups')).status).toBe(401);
    expect((await stranger.post('/api/v1/operator/backups')).status).toBe(401);
    expect(await countBackups()).toBe(0);
  });

  it('backs up now: queued, made by a worker, listed with size, SHA-256 and summary, audited', async () => {
    const queued = await operator.post<Backup>('/api/v1/operator/backups');
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ trigger: 'operator', status: 'queued' });
    const done = await waitFor(
      async () => {
        const list = await operator.get<BackupList>('/api/v1/operator/backups');
        const run = list.body.backups.find((b) => b.id === queued.body.id);
        return run && (run.status === 'succeeded' || run.status === 'failed') ? { list: list.body, run } : undefined;
      },
      { timeoutMs: 60_000, what: 'the backup to finish' },
    );
    expect(done.run.error).toBeNull();
    expect(done.run.status).toBe('succeeded');
    expect(done.list.warning).toBeNull();
    expect(done.run.summary).toMatchObject({ kind: testDatabaseKind, tables: expect.any(Number), auditChains: expect.any(Number) });
    expect(done.run.summary?.rows).toBeGreaterThan(0);
    const manifest = JSON.parse(await readFile(path.join(done.run.location ?? '', 'manifest.json'), 'utf8'));
    expect(manifest.file.sha256).toBe(done.run.sha256);
    expect(manifest.file.bytes).toBe(done.run.sizeBytes);
    const audited = await hark.services.db
      .selectFrom('audit_log')
      .select(['action', 'actor_kind', 'subject_id'])
      .where('chain_id', '=', '00000000-0000-0000-0000-000000000000')
      .where('action', '=', 'backup.made')
      .execute();
    expect(audited).toContainEqual({ action: 'backup.made', actor_kind: 'operator', subject_id: queued.body.id });
  });

  it('warns when the newest successful backup is more than 26 hours old', async () => {
    await sql`update backups set finished_at = now() - interval '27 hours'`.execute(hark.services.db);
    const list = await operator.get<BackupList>('/api/v1/operator/backups');
    expect(list.body.warning?.code).toBe('backup_stale');
    expect(list.body.warning?.message).toMatch(/27 hours old/);
    await sql`update backups set finished_at = now() - interval '25 hours'`.execute(hark.services.db);
    expect((await operator.get<BackupList>('/api/v1/operator/backups')).body.warning).toBeNull();
  });

  it('is scheduled in pg-boss, and the scheduled run backs up only when one is due', async () => {
    const { rows } = await sql<{ name: string; cron: string }>`select name, cron from pgboss.schedule where name = ${scheduledBackupQueue}`.execute(hark.services.db);
    expect(rows).toEqual([{ name: scheduledBackupQueue, cron: '*/15 * * * *' }]);
    // The newest is 25 hours old, the interval 24: due.
    const before = await countBackups();
    const made = await runScheduledBackup(hark.services);
    expect(made).toMatchObject({ trigger: 'schedule', status: 'succeeded' });
    expect(await countBackups()).toBe(before + 1);
    // Now it is fresh: not due.
    expect(await runScheduledBackup(hark.services)).toBeUndefined();
    expect(await countBackups()).toBe(before + 1);
  });

  it('keeps audit rows out of reach of the application role: UPDATE and DELETE fail and change nothing', async () => {
    const read = () =>
      sql<{ seq: number; details: unknown; hash: Buffer }>`select seq, details, hash from audit_log where chain_id = ${client.clientId} order by seq`.execute(
        hark.services.db,
      );
    const before = (await read()).rows;
    expect(before.length).toBeGreaterThan(0);
    await expect(
      withClient(hark.services.db, client.clientId, (trx) => sql`update audit_log set details = '{"forged": true}' where chain_id = ${client.clientId}`.execute(trx)),
    ).rejects.toThrow(/permission denied|append-only/);
    await expect(withClient(hark.services.db, client.clientId, (trx) => sql`delete from audit_log where chain_id = ${client.clientId}`.execute(trx))).rejects.toThrow(
      /permission denied|append-only/,
    );
    expect((await read()).rows).toEqual(before);
  });
});
