/**
 * Opening the database. Embedded PGlite is served on a Unix socket in a directory only this
 * user can enter, keeps a file-backed database across restarts (migrating it once), queues
 * any number of concurrent queries and transactions through its single connection, and
 * refuses a second opening of a data folder that is in use, instead of losing its writes.
 * The concurrency checks run on the test database too (PGlite or PostgreSQL).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/helpers/database.ts';
import { openDatabase, type DatabaseHandle } from './connect.ts';
import { migrateToLatest } from './migrate.ts';

const opened: DatabaseHandle[] = [];
const dirs: string[] = [];

async function open(options: Parameters<typeof openDatabase>[0]): Promise<DatabaseHandle> {
  const handle = await openDatabase(options);
  opened.push(handle);
  return handle;
}

async function close(handle: DatabaseHandle): Promise<void> {
  opened.splice(opened.indexOf(handle), 1);
  await handle.close();
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hark-connect-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((h) => h.close().catch(() => {})));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** The socket directory of an embedded database's pool. */
function socketDirOf(handle: DatabaseHandle): string {
  const host = handle.pool.options.host;
  if (typeof host !== 'string') throw new Error('the embedded pool has no socket directory');
  return host;
}

/** Runs a Node script as another user and returns what it printed. */
function runAs(uid: number, gid: number, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { uid, gid, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim()));
  });
}

// Each embedded open starts a PGlite: seconds each on a busy machine.
describe('embedded PGlite', { timeout: 90_000 }, () => {
  it('serves its socket from a fresh directory of its own that only this user may enter, removed on close', async () => {
    const handle = await open({});
    expect(handle.kind).toBe('pglite');
    const socketDir = socketDirOf(handle);
    const info = await stat(socketDir);
    expect((info.mode & 0o777).toString(8)).toBe('700');
    expect(info.uid).toBe(os.userInfo().uid);
    const [socket] = await readdir(socketDir);
    expect(socket).toBe('.s.PGSQL.5432');
    expect((await stat(path.join(socketDir, socket ?? ''))).isSocket()).toBe(true);

    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(handle.db);
    expect(rows).toEqual([{ one: 1 }]);

    // Another open gets a directory of its own.
    const other = await open({});
    expect(socketDirOf(other)).not.toBe(socketDir);

    await close(handle);
    await expect(stat(socketDir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  // Only root can become another user to try; elsewhere the mode check above stands alone.
  it.runIf(process.getuid?.() === 0)('refuses another user who tries to connect to the socket', async () => {
    const handle = await open({});
    const socketPath = path.join(socketDirOf(handle), '.s.PGSQL.5432');
    // As root, connecting works: the socket is live, so the refusal below is the permission.
    const script = `require('node:net').connect(${JSON.stringify(socketPath)})
      .on('connect', () => { console.log('connected'); process.exit(0); })
      .on('error', (e) => { console.log(e.code); process.exit(0); });`;
    expect(await runAs(0, 0, script)).toBe('connected');
    expect(await runAs(65534, 65534, script)).toBe('EACCES');
  });

  it('keeps a file-backed database across close and reopen, and migrates it once', async () => {
    const dir = path.join(await tempDir(), 'pgdata');
    const first = await open({ pgliteDir: dir });
    const applied = await migrateToLatest(first.db);
    expect(applied.applied.length).toBeGreaterThan(0);
    expect(applied.applied[0]).toBe('0001_foundation');
    const id = randomUUID();
    await first.db.insertInto('clients').values({ id, name: 'Kept across restarts' }).execute();
    await close(first);

    const second = await open({ pgliteDir: dir });
    const client = await second.db.selectFrom('clients').select('name').where('id', '=', id).executeTakeFirst();
    expect(client?.name).toBe('Kept across restarts');
    expect(await migrateToLatest(second.db)).toEqual({ applied: [] });
    const { rows } = await sql<{ name: string; n: number }>`
      select name, count(*)::int as n from kysely_migration group by name order by name`.execute(second.db);
    expect(rows.map((r) => r.name)).toEqual(applied.applied);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it('refuses to open a data folder that is already open, and names the folder', async () => {
    const dir = path.join(await tempDir(), 'pgdata');
    const first = await open({ pgliteDir: dir });
    await sql`create table kept (x int)`.execute(first.db);
    await sql`insert into kept values (1)`.execute(first.db);

    await expect(open({ pgliteDir: dir })).rejects.toThrow(new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*already open`));

    // The first is unharmed and keeps its writes; once it is closed, the folder opens again.
    await sql`insert into kept values (2)`.execute(first.db);
    await close(first);
    const again = await open({ pgliteDir: dir });
    const { rows } = await sql<{ x: number }>`select x from kept order by x`.execute(again.db);
    expect(rows).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('refuses another process that opens the same data folder (e.g. `hark seed` beside `hark serve`)', async () => {
    const dir = path.join(await tempDir(), 'pgdata');
    const first = await open({ pgliteDir: dir });
    const script = path.join(await tempDir(), 'open-again.mts');
    await writeFile(
      script,
      `import { openDatabase } from ${JSON.stringify(path.join(import.meta.dirname, 'connect.ts'))};
       try { const h = await openDatabase({ pgliteDir: ${JSON.stringify(dir)} }); await h.close(); console.log('opened'); }
       catch (error) { console.log(error instanceof Error ? error.message : String(error)); }`,
    );
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: path.join(import.meta.dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', () => resolve(out.trim()));
    });
    expect(output).toContain(`The embedded database in ${dir} is already open in another process (pid ${process.pid})`);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(first.db);
    expect(rows).toEqual([{ one: 1 }]);
  });

  it('takes over the lock of a process that died without closing', async () => {
    const dir = path.join(await tempDir(), 'pgdata');
    const first = await open({ pgliteDir: dir });
    await close(first);
    // A process id that is not running: the largest pid Linux hands out is 2^22.
    await writeFile(`${dir}.lock`, `${2 ** 22 + 1}\n`);
    const again = await open({ pgliteDir: dir });
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(again.db);
    expect(rows).toEqual([{ one: 1 }]);
  });
});

describe(`many concurrent queries through the pool (${testDatabaseKind})`, () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = await openDatabase({ databaseUrl: database.url });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('all succeed, and each transaction sees only its own settings', async () => {
    class Rollback extends Error {}
    const work = Array.from({ length: 60 }, (_, i) => {
      if (i % 3 === 0) {
        return sql<{ n: number }>`select ${i}::int as n`.execute(handle.db).then((r) => r.rows[0]?.n);
      }
      const mine = randomUUID();
      return handle.db
        .transaction()
        .execute(async (trx) => {
          await sql`select set_config('hark.client_id', ${mine}, true)`.execute(trx);
          await sql`select pg_sleep(0.002)`.execute(trx);
          const { rows } = await sql<{ seen: string }>`select current_setting('hark.client_id', true) as seen`.execute(trx);
          if (i % 3 === 2) throw new Rollback(rows[0]?.seen);
          return rows[0]?.seen === mine ? i : `transaction ${i} saw ${rows[0]?.seen}`;
        })
        .catch((error: unknown) => (error instanceof Rollback && error.message === mine ? i : String(error)));
    });
    const results = await Promise.all(work);
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i));

    // Nothing leaks out of the transactions into the connection afterwards.
    const { rows } = await sql<{ seen: string | null }>`select nullif(current_setting('hark.client_id', true), '') as seen`.execute(handle.db);
    expect(rows[0]?.seen ?? null).toBeNull();
  });

  it('survives a failing statement inside a transaction without poisoning the connection', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        handle.db.transaction().execute(async (trx) => {
          if (i % 2) await sql`select 1 / 0`.execute(trx);
          return i;
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(outcomes.filter((o) => o.status === 'rejected').every((o) => o.status === 'rejected' && /division by zero/.test(String(o.reason)))).toBe(
      true,
    );
    const { rows } = await sql<{ ok: boolean }>`select true as ok`.execute(handle.db);
    expect(rows).toEqual([{ ok: true }]);
  });
});
