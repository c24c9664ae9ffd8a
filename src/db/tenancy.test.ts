/**
 * Row-level security: inside `withClient`, queries that forget their client_id filter still
 * see and write only the current client's rows, on every tenant table.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../audit/index.ts';
import { createTestClient, type TestClient } from '../../test/helpers/factories.ts';
import { giveFeedback } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { waitFor } from '../../test/helpers/wait.ts';
import type { Db } from './connect.ts';
import { asClientId, withAccessRead, withClient, withClientRead, type ClientId } from './tenancy.ts';

/** Every tenant table and the column that names its client. */
const tenantTables = [
  ['feedback', 'client_id'],
  ['end_customers', 'client_id'],
  ['locations', 'client_id'],
  ['programmes', 'client_id'],
  ['sub_measures', 'client_id'],
  ['receipt_codes', 'client_id'],
  ['consents', 'client_id'],
  ['prize_entries', 'client_id'],
  ['feedback_daily_rollups', 'client_id'],
  ['clients', 'id'],
  ['client_keys', 'client_id'],
  ['audit_log', 'chain_id'],
] as const;

type TenantTable = (typeof tenantTables)[number][0];

/** The client column of every row of a table, read with no filter at all. */
async function clientColumn(db: Db, table: TenantTable, column: string): Promise<string[]> {
  const { rows } = await sql<{ owner: string }>`select ${sql.ref(column)}::text as owner from ${sql.table(table)}`.execute(db);
  return rows.map((r) => r.owner);
}

class RollbackSentinel extends Error {}

describe(`row-level security (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let a: TestClient;
  let b: TestClient;
  /** Rows per table and client, counted as the owning role (which RLS does not restrict). */
  const ownerCounts = new Map<TenantTable, { a: number; b: number }>();

  beforeAll(async () => {
    hark = await startTestHark();
    a = await createTestClient(hark.services, { prizeDraw: true, name: 'Client A' });
    b = await createTestClient(hark.services, { prizeDraw: true, name: 'Client B' });
    // Feedback over HTTP that touches every tenant table: a receipt code, contact details
    // (end customer), consents, a prize entry, a sub-measure, and (through the job) rollups.
    for (const [client, who] of [
      [a, 'aroha'],
      [b, 'bruce'],
    ] as const) {
      const full = await giveFeedback(hark, `/f/${client.location.code}`, {
        score: '5',
        comment: `great, from ${who}`,
        receipt_code: client.receiptCodes[0] as string,
        name: who,
        email: `${who}@example.com`,
        mobile: '021 123 4567',
        contact_requested: 'yes',
        prize_draw: 'yes',
        accept_terms: 'yes',
        accept_privacy: 'yes',
      });
      expect(full.status, full.html).toBe(200);
      const staff = await giveFeedback(hark, `/f/${client.location.code}/${client.subMeasure.code}`, { score: '3' });
      expect(staff.status, staff.html).toBe(200);
    }
    // The rollup job runs in the test Hark's worker; wait until it has written both clients' rows.
    await waitFor(
      async () => {
        const owners = await clientColumn(hark.services.db, 'feedback_daily_rollups', 'client_id');
        return owners.includes(a.clientId) && owners.includes(b.clientId) ? true : undefined;
      },
      { what: 'daily rollups of both clients' },
    );
    await hark.services.jobs.drained('update-daily-rollups', 15_000);

    for (const [table, column] of tenantTables) {
      const owners = await clientColumn(hark.services.db, table, column);
      ownerCounts.set(table, { a: owners.filter((o) => o === a.clientId).length, b: owners.filter((o) => o === b.clientId).length });
    }
  });
  afterAll(() => hark?.close());

  it('has rows of both clients in every tenant table (so the isolation below means something)', () => {
    for (const [table] of tenantTables) {
      const counts = ownerCounts.get(table);
      expect(counts?.a, `${table} rows of client A`).toBeGreaterThan(0);
      expect(counts?.b, `${table} rows of client B`).toBeGreaterThan(0);
    }
  });

  it('shows only the current client’s rows to queries without a client_id filter', async () => {
    for (const [table, column] of tenantTables) {
      const seenByA = await withClient(hark.services.db, a.clientId, (trx) => clientColumn(trx, table, column));
      expect(new Set(seenByA), table).toEqual(new Set([a.clientId]));
      expect(seenByA.length, `${table}: all of client A's rows`).toBe(ownerCounts.get(table)?.a);

      const seenByB = await withClient(hark.services.db, b.clientId, (trx) => clientColumn(trx, table, column));
      expect(new Set(seenByB), table).toEqual(new Set([b.clientId]));
      expect(seenByB.length, `${table}: all of client B's rows`).toBe(ownerCounts.get(table)?.b);
    }
  });

  it('runs tenant work as hark_app, and only for the length of the transaction', async () => {
    await hark.services.db.connection().execute(async (connection) => {
      const inside = await withClient(connection, a.clientId, async (trx) => {
        const { rows } = await sql<{ user: string; client: string | null }>`
          select current_user as user, hark_current_client()::text as client`.execute(trx);
        return rows[0];
      });
      expect(inside).toEqual({ user: 'hark_app', client: a.clientId });
      // The same connection afterwards: back to the owning role, no client set.
      const { rows } = await sql<{ user: string; client: string | null }>`
        select current_user as user, hark_current_client()::text as client`.execute(connection);
      expect(rows[0]?.user).not.toBe('hark_app');
      expect(rows[0]?.client).toBeNull();
    });
  });

  it('shows no rows to hark_app when no client is set, even on a connection a tenant just used', async () => {
    await hark.services.db.connection().execute(async (connection) => {
      await withClient(connection, a.clientId, (trx) => clientColumn(trx, 'feedback', 'client_id'));
      await connection.transaction().execute(async (trx) => {
        await sql`select set_config('role', 'hark_app', true)`.execute(trx);
        for (const [table, column] of tenantTables) {
          expect(await clientColumn(trx, table, column), table).toEqual([]);
        }
      });
    });
  });

  it('does not let one client change or delete another client’s rows', async () => {
    const changed = await withClient(hark.services.db, a.clientId, async (trx) => {
      const updated = await trx.updateTable('feedback').set({ comment: 'overwritten by A' }).where('client_id', '=', b.clientId).executeTakeFirst();
      const renamed = await trx.updateTable('clients').set({ name: 'renamed by A' }).where('id', '=', b.clientId).executeTakeFirst();
      const deleted = await trx.deleteFrom('end_customers').where('client_id', '=', b.clientId).executeTakeFirst();
      return [updated.numUpdatedRows, renamed.numUpdatedRows, deleted.numDeletedRows].map(Number);
    });
    expect(changed).toEqual([0, 0, 0]);
    const bFeedback = await hark.services.db.selectFrom('feedback').select('comment').where('client_id', '=', b.clientId).execute();
    expect(bFeedback.map((f) => f.comment)).not.toContain('overwritten by A');
    const bClient = await hark.services.db.selectFrom('clients').select('name').where('id', '=', b.clientId).executeTakeFirstOrThrow();
    expect(bClient.name).toBe('Client B');
    const bCustomers = await hark.services.db.selectFrom('end_customers').select('id').where('client_id', '=', b.clientId).execute();
    expect(bCustomers.length).toBe(ownerCounts.get('end_customers')?.b);
  });

  /** An end customer of each client, read as the owning role before any tenant transaction (for planters that need one). */
  const customerOf = new Map<string, string>();
  beforeAll(async () => {
    const rows = await hark.services.db.selectFrom('end_customers').select(['client_id', 'id']).execute();
    for (const row of rows) customerOf.set(row.client_id, row.id);
  });

  /** Inserts rows for `owner` from inside `actor`'s transaction; each would be valid for `owner`. */
  const inserts: Record<string, (trx: Db, owner: TestClient, id: string) => Promise<unknown>> = {
    feedback: (trx, owner, id) =>
      trx
        .insertInto('feedback')
        .values({ client_id: owner.clientId, id, programme_id: owner.programmeId, location_id: owner.location.id, channel: 'web', scale: 'recommend_5', score: 1, comment: 'planted' })
        .execute(),
    end_customers: (trx, owner, id) => trx.insertInto('end_customers').values({ client_id: owner.clientId, id }).execute(),
    locations: (trx, owner, id) =>
      trx.insertInto('locations').values({ client_id: owner.clientId, id, programme_id: owner.programmeId, name: 'Planted', code: `planted-${id.slice(0, 8)}` }).execute(),
    sub_measures: (trx, owner, id) =>
      trx.insertInto('sub_measures').values({ client_id: owner.clientId, id, location_id: owner.location.id, name: 'Planted', code: `p-${id.slice(0, 8)}` }).execute(),
    feedback_daily_rollups: (trx, owner, id) =>
      trx
        .insertInto('feedback_daily_rollups')
        .values({
          client_id: owner.clientId,
          location_id: owner.location.id,
          sub_measure_key: id,
          day: '2020-01-01',
          channel: 'web',
          responses: 1,
          score_sum: 1,
          score_histogram: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
          with_comment: 0,
          contact_requested: 0,
        })
        .execute(),
    audit_log: (trx, owner, id) => appendAudit(trx, { clientId: owner.clientId, actorKind: 'system', action: 'test.planted', subjectId: id }),
    privacy_request_subjects: async (trx, owner, id) => {
      await trx.insertInto('privacy_request_subjects').values({ client_id: owner.clientId, id, request_id: id, end_customer_id: customerOf.get(owner.clientId) ?? null }).execute();
    },
    privacy_correction_statements: async (trx, owner, id) => {
      await trx.insertInto('privacy_correction_statements').values({ client_id: owner.clientId, id, request_id: id, end_customer_id: customerOf.get(owner.clientId) ?? '', statement_enc: Buffer.from('planted') }).execute();
    },
    comment_themes: (trx, owner, id) => trx.insertInto('comment_themes').values({ client_id: owner.clientId, id, name: `Planted ${id}`, keywords: ['planted'], term_keys: ['plant'] }).execute(),
    comment_term_daily: (trx, owner, id) =>
      trx
        .insertInto('comment_term_daily')
        .values({ client_id: owner.clientId, day: '2020-01-01', location_id: owner.location.id, term: id, label: 'planted', comments: 1, sentiment_milli_sum: 0, rating_percent_sum: 0 })
        .execute(),
  };

  async function storedAnywhere(table: string, id: string): Promise<boolean> {
    const db = hark.services.db;
    if (table === 'feedback_daily_rollups') {
      return Boolean(await db.selectFrom('feedback_daily_rollups').select('day').where('sub_measure_key', '=', id).executeTakeFirst());
    }
    if (table === 'audit_log') return Boolean(await db.selectFrom('audit_log').select('seq').where('subject_id', '=', id).executeTakeFirst());
    if (table === 'comment_term_daily') return Boolean(await db.selectFrom('comment_term_daily').select('day').where('term', '=', id).executeTakeFirst());
    const { rows } = await sql`select 1 from ${sql.table(table)} where id = ${id}::uuid`.execute(db);
    return rows.length > 0;
  }

  for (const table of Object.keys(inserts)) {
    it(`refuses to insert a ${table} row of another client and stores nothing`, async () => {
      const insert = inserts[table]!;
      const id = randomUUID();
      await expect(withClient(hark.services.db, a.clientId, (trx) => insert(trx, b, id))).rejects.toThrow(/row-level security|may not write to the audit chain/);
      expect(await storedAnywhere(table, id)).toBe(false);

      // The same row for the client's own id is accepted: the refusal above was the policy.
      const ownId = randomUUID();
      await expect(
        withClient(hark.services.db, a.clientId, async (trx) => {
          await insert(trx, a, ownId);
          throw new RollbackSentinel();
        }),
      ).rejects.toBeInstanceOf(RollbackSentinel);
      expect(await storedAnywhere(table, ownId)).toBe(false);
    });
  }

  it('refuses to move a row to another client', async () => {
    const own = await withClient(hark.services.db, a.clientId, (trx) =>
      trx.selectFrom('feedback').select('id').where('client_id', '=', a.clientId).limit(1).executeTakeFirstOrThrow(),
    );
    await expect(
      withClient(hark.services.db, a.clientId, (trx) =>
        trx.updateTable('programmes').set({ client_id: b.clientId }).where('client_id', '=', a.clientId).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    const still = await hark.services.db.selectFrom('feedback').select('client_id').where('id', '=', own.id).executeTakeFirstOrThrow();
    expect(still.client_id).toBe(a.clientId);
    const programmes = await hark.services.db.selectFrom('programmes').select('client_id').where('id', '=', a.programmeId).executeTakeFirstOrThrow();
    expect(programmes.client_id).toBe(a.clientId);
  });

  it('read-only transactions (for the read replica) see only their client’s rows, and refuse every write', async () => {
    for (const [table, column] of tenantTables) {
      const seen = await withClientRead(hark.services.readDb, a.clientId, (trx) => clientColumn(trx, table, column));
      expect(new Set(seen), table).toEqual(new Set([a.clientId]));
      expect(seen.length, `${table}: all of client A's rows`).toBe(ownerCounts.get(table)?.a);
    }
    const before = ownerCounts.get('feedback')?.a;
    await expect(
      withClientRead(hark.services.readDb, a.clientId, (trx) => trx.updateTable('feedback').set({ comment: 'changed' }).where('client_id', '=', a.clientId).execute()),
    ).rejects.toThrow(/read-only transaction/);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from feedback where client_id = ${a.clientId} and comment = 'changed'`.execute(hark.services.db);
    expect(rows[0]?.n).toBe(0);
    expect(before).toBeGreaterThan(0);
  });

  it('a read-only transaction with a location scope sees only those locations', async () => {
    const scoped = await withAccessRead(hark.services.readDb, { clientId: a.clientId, locationIds: [a.location.id] }, (trx) =>
      trx.selectFrom('feedback').select('location_id').execute(),
    );
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from feedback where client_id = ${a.clientId} and location_id = ${a.location.id}`.execute(hark.services.db);
    expect(scoped.length).toBe(rows[0]?.n);
    expect(scoped.length).toBeGreaterThan(0);
    expect(new Set(scoped.map((r) => r.location_id))).toEqual(new Set([a.location.id]));
    const elsewhere = await withAccessRead(hark.services.readDb, { clientId: a.clientId, locationIds: [a.otherLocation.id] }, (trx) =>
      trx.selectFrom('feedback').select('location_id').where('location_id', '=', a.location.id).execute(),
    );
    expect(elsewhere).toEqual([]);
    const whole = await withAccessRead(hark.services.readDb, { clientId: a.clientId, locationIds: null }, (trx) => trx.selectFrom('feedback').select('location_id').execute());
    expect(whole.length).toBe(ownerCounts.get('feedback')?.a);
    const none = await withAccessRead(hark.services.readDb, { clientId: a.clientId, locationIds: [] }, (trx) => trx.selectFrom('locations').select('id').execute());
    expect(none).toEqual([]);
  });

  it('rejects a client id that is not a uuid before it reaches SQL', () => {
    expect(() => asClientId("x' or true --")).toThrow(TypeError);
    const id: ClientId = asClientId(a.clientId);
    expect(id).toBe(a.clientId);
  });

  it('refuses a transaction for a client id that is not a uuid, whatever its type says, before any work', async () => {
    // withClient writes the id into its begin message: a forged id must not get there.
    const forged = "00000000-0000-0000-0000-000000000000', true); drop table feedback; --" as ClientId;
    let ran = false;
    for (const open of [withClient, withClientRead]) {
      await expect(open(hark.services.db, forged, async () => void (ran = true))).rejects.toThrow(TypeError);
    }
    expect(ran).toBe(false);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from feedback`.execute(hark.services.db);
    expect(rows[0]!.n).toBeGreaterThan(0);
  });
});
