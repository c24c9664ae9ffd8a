/**
 * Migrations and the schema's standing rules. Migrating twice, or from two processes at
 * once, applies each migration exactly once. The application role is a plain role that
 * row-level security always applies to, and every tenant table (every table with a
 * client_id column, now and in future migrations) refuses other clients' rows to it, keeps
 * client_id first in its primary key and in every foreign key to another tenant table.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../../test/helpers/database.ts';
import { openDatabase, type DatabaseHandle, type Db } from './connect.ts';
import { migrateToLatest, pendingMigrations } from './migrate.ts';

/** Tenant tables whose client column is not called client_id. */
const otherTenantColumns: Record<string, string> = { clients: 'id', audit_log: 'chain_id' };

async function migrationFiles(): Promise<string[]> {
  const files = await readdir(path.join(import.meta.dirname, 'migrations'));
  return files
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
}

/** Everything a migration could change, as text: tables, columns, constraints, indexes, policies, triggers, functions. */
async function schemaFingerprint(db: Db): Promise<string> {
  const { rows } = await sql<{ line: string }>`
    select format('column %s.%s %s %s %s', table_name, column_name, data_type, is_nullable, column_default) as line
      from information_schema.columns where table_schema = 'public'
    union all select format('constraint %s %s', conrelid::regclass, pg_get_constraintdef(oid))
      from pg_constraint where connamespace = 'public'::regnamespace
    union all select format('index %s', indexdef) from pg_indexes where schemaname = 'public'
    union all select format('policy %s.%s %s %s %s %s', tablename, policyname, permissive, roles, qual, with_check)
      from pg_policies where schemaname = 'public'
    union all select format('trigger %s %s', tgrelid::regclass, pg_get_triggerdef(oid))
      from pg_trigger where not tgisinternal
    union all select format('function %s %s', p.oid::regprocedure, md5(p.prosrc))
      from pg_proc p where p.pronamespace = 'public'::regnamespace
    union all select format('rls %s %s %s', relname, relrowsecurity, relforcerowsecurity)
      from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')
    order by 1`.execute(db);
  return rows.map((r) => r.line).join('\n');
}

describe(`migrations (${testDatabaseKind})`, () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let firstRun: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    handle = await openDatabase({ databaseUrl: database.url });
    firstRun = (await migrateToLatest(handle.db)).applied;
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('applies every migration file on an empty database, in order', async () => {
    expect(firstRun).toEqual(await migrationFiles());
    expect(await pendingMigrations(handle.db)).toEqual([]);
  });

  it('does nothing on a database that is already migrated', async () => {
    const before = await schemaFingerprint(handle.db);
    const { rows: recorded } = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration order by name`.execute(handle.db);
    expect(await migrateToLatest(handle.db)).toEqual({ applied: [] });
    expect(await migrateToLatest(handle.db)).toEqual({ applied: [] });
    expect(await schemaFingerprint(handle.db)).toBe(before);
    const { rows: after } = await sql<{ name: string; timestamp: string }>`select name, timestamp from kysely_migration order by name`.execute(handle.db);
    expect(after).toEqual(recorded);
    expect(after.map((r) => r.name)).toEqual(firstRun);
  });

  it('applies each migration once when several processes start on an empty database at the same time', async () => {
    const fresh = await createTestDatabase();
    // PostgreSQL: four pools, as four processes would have. PGlite: one database, four callers.
    const handles = testDatabaseKind === 'postgres' ? await Promise.all([0, 1, 2, 3].map(() => openDatabase({ databaseUrl: fresh.url }))) : [await openDatabase({})];
    try {
      const runs = await Promise.all([0, 1, 2, 3].map((i) => migrateToLatest((handles[i % handles.length] as DatabaseHandle).db)));
      expect(runs.flatMap((r) => r.applied).sort()).toEqual(await migrationFiles());
      const db = (handles[0] as DatabaseHandle).db;
      const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
      expect(rows.map((r) => r.name)).toEqual(await migrationFiles());
      expect(await schemaFingerprint(db)).toBe(await schemaFingerprint(handle.db));
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await fresh.drop();
    }
  });

  it('makes hark_app a plain role: no login, not superuser, no BYPASSRLS, owner of nothing', async () => {
    const { rows } = await sql<{
      rolcanlogin: boolean;
      rolsuper: boolean;
      rolbypassrls: boolean;
      rolcreaterole: boolean;
      rolcreatedb: boolean;
      rolinherit: boolean;
    }>`select rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolinherit from pg_roles where rolname = 'hark_app'`.execute(handle.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rolcanlogin: false, rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false });

    // Row-level security is not forced on the tables (the owning role creates clients and
    // serves public pages across clients), so it holds only because hark_app owns nothing
    // and is a member of no role that does.
    const { rows: owned } = await sql<{ name: string }>`
      select c.relname as name from pg_class c
      where c.relnamespace = 'public'::regnamespace and pg_has_role('hark_app', c.relowner, 'USAGE')`.execute(handle.db);
    expect(owned).toEqual([]);
  });

  it('enables row-level security, keyed on the current client, on every table with a client column', async () => {
    const { rows: tables } = await sql<{ name: string; column: string; rls: boolean }>`
      select c.relname as name, a.attname as column, c.relrowsecurity as rls
      from pg_class c join pg_attribute a on a.attrelid = c.oid and not a.attisdropped
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
        and (a.attname = 'client_id' or (c.relname, a.attname) in (('clients', 'id'), ('audit_log', 'chain_id')))
      order by 1`.execute(handle.db);
    const names = tables.map((t) => t.name);
    // The check covers what it should: the foundation's tenant tables are all in it.
    expect(names).toEqual(
      expect.arrayContaining(['clients', 'client_keys', 'programmes', 'locations', 'sub_measures', 'receipt_codes', 'end_customers', 'feedback']),
    );
    expect(names).toEqual(expect.arrayContaining(['consents', 'prize_entries', 'feedback_daily_rollups', 'audit_log']));

    const { rows: policies } = await sql<{ table: string; permissive: string; roles: string[]; qual: string | null; with_check: string | null; cmd: string }>`
      select tablename as table, permissive, roles::text[] as roles, qual, with_check, cmd from pg_policies where schemaname = 'public'`.execute(
      handle.db,
    );
    for (const table of tables) {
      expect(table.rls, `${table.name}: row-level security enabled`).toBe(true);
      const column = otherTenantColumns[table.name] ?? 'client_id';
      const forApp = policies.filter((p) => p.table === table.name && (p.roles.includes('hark_app') || p.roles.includes('public')));
      const permissive = forApp.filter((p) => p.permissive === 'PERMISSIVE');
      expect(permissive.length, `${table.name}: a policy for hark_app`).toBeGreaterThan(0);
      // Permissive policies are OR-ed: every one of them must tie rows to the current client.
      for (const policy of permissive) {
        const tied = new RegExp(`\\b${column}\\s*=\\s*hark_current_client\\(\\)`);
        expect(policy.qual ?? '', `${table.name}: USING of a ${policy.cmd} policy`).toMatch(tied);
        if (policy.cmd !== 'SELECT' && policy.cmd !== 'DELETE') {
          expect(policy.with_check ?? policy.qual ?? '', `${table.name}: WITH CHECK of a ${policy.cmd} policy`).toMatch(tied);
        }
      }
    }
  });

  it('keeps client_id first in the primary key of every table that has one', async () => {
    const { rows } = await sql<{ table: string; first: string }>`
      select c.relname as table, a.attname as first
      from pg_constraint k join pg_class c on c.oid = k.conrelid
      join pg_attribute a on a.attrelid = c.oid and a.attnum = k.conkey[1]
      where k.contype = 'p' and c.relnamespace = 'public'::regnamespace
        and exists (select 1 from pg_attribute x where x.attrelid = c.oid and x.attname = 'client_id' and not x.attisdropped)`.execute(handle.db);
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.first, row.table).toBe('client_id');
  });

  it('includes client_id in every foreign key between tenant tables', async () => {
    const { rows } = await sql<{ name: string; definition: string; has_client: boolean }>`
      select k.conname as name, format('%s: %s', k.conrelid::regclass, pg_get_constraintdef(k.oid)) as definition,
        exists (select 1 from unnest(k.conkey) n join pg_attribute a on a.attrelid = k.conrelid and a.attnum = n where a.attname = 'client_id') as has_client
      from pg_constraint k
      where k.contype = 'f' and k.connamespace = 'public'::regnamespace
        and exists (select 1 from pg_attribute a where a.attrelid = k.conrelid and a.attname = 'client_id' and not a.attisdropped)
        and exists (select 1 from pg_attribute a where a.attrelid = k.confrelid and a.attname = 'client_id' and not a.attisdropped)`.execute(handle.db);
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.has_client, row.definition).toBe(true);
  });
});
