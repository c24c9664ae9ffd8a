/**
 * The one way to delete audit entries: audit_erase_chain, for a whole chain of a client that
 * no longer exists, by the owner only, after it has written the chain's final hash into the
 * operator chain. The deletion plan covers every tenant table, children first.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { createTestClient } from '../../test/helpers/factories.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { appendAudit, verifyAuditChain } from '../audit/index.ts';
import { asClientId, withClient } from '../db/tenancy.ts';
import { planClientDeletion } from './deletion-plan.ts';

describe(`audit_erase_chain and the deletion plan (${testDatabaseKind})`, () => {
  let hark: TestHark;
  beforeAll(async () => {
    hark = await startTestHark();
  });
  afterAll(() => hark?.close());

  const erase = (id: string) => sql`select * from audit_erase_chain(${id}::uuid, 'operator', 'test')`.execute(hark.services.db);
  const chainLength = async (id: string) => (await hark.services.db.selectFrom('audit_log').select('seq').where('chain_id', '=', id).execute()).length;

  it('refuses the operator chain, a client that still exists, and the application role', async () => {
    const client = await createTestClient(hark.services);
    const before = await chainLength(client.clientId);
    expect(before).toBeGreaterThan(0);
    await expect(erase('00000000-0000-0000-0000-000000000000')).rejects.toThrow(/operator chain is never erased/);
    await expect(erase(client.clientId)).rejects.toThrow(/still exists/);
    await expect(withClient(hark.services.db, client.clientId, (trx) => sql`select * from audit_erase_chain(${client.clientId}::uuid, 'operator', 'x')`.execute(trx))).rejects.toThrow(
      /permission denied/,
    );
    // Direct deletes stay refused, for the owner too.
    await expect(sql`delete from audit_log where chain_id = ${client.clientId}`.execute(hark.services.db)).rejects.toThrow(/append-only/);
    await expect(
      hark.services.db.transaction().execute(async (trx) => {
        await sql`select set_config('hark.audit_erase_chain', '00000000-0000-0000-0000-000000000000', true)`.execute(trx);
        await sql`delete from audit_log where chain_id = '00000000-0000-0000-0000-000000000000'`.execute(trx);
      }),
    ).rejects.toThrow(/append-only/);
    expect(await chainLength(client.clientId)).toBe(before);
  });

  it("erases a gone client's chain whole and records its final hash in the operator chain", async () => {
    const gone = asClientId(randomUUID());
    await hark.services.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++) await appendAudit(trx, { clientId: gone, actorKind: 'system', action: 'test.entry' });
    });
    const head = await hark.services.db.selectFrom('audit_log').select(['seq', 'hash']).where('chain_id', '=', gone).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    const { rows } = await erase(gone);
    expect(rows[0]).toMatchObject({ entries: 3, final_seq: 3 });
    expect(await chainLength(gone)).toBe(0);
    const recorded = await hark.services.db
      .selectFrom('audit_log')
      .select('details')
      .where('chain_id', '=', '00000000-0000-0000-0000-000000000000')
      .where('action', '=', 'client.audit_chain_erased')
      .where('subject_id', '=', gone)
      .executeTakeFirstOrThrow();
    expect(recorded.details).toEqual({ entries: 3, final_seq: 3, final_hash: head.hash.toString('hex') });
    expect((await verifyAuditChain(hark.services.db, null)).brokenAt).toBeNull();
  });

  it('plans every table with a client_id, children before parents, clients last, cycles broken by clearing', async () => {
    const plan = await planClientDeletion(hark.services.db);
    const order = (t: string) => plan.tables.indexOf(t);
    expect(plan.tables.at(-1)).toBe('clients');
    for (const table of ['feedback', 'end_customers', 'locations', 'programmes', 'client_keys', 'consents', 'receipt_codes']) expect(order(table), table).toBeGreaterThanOrEqual(0);
    expect(order('consents')).toBeLessThan(order('feedback'));
    expect(order('feedback')).toBeLessThan(order('locations'));
    expect(order('locations')).toBeLessThan(order('programmes'));
    expect(plan.tables).not.toContain('client_terminations');
    expect(plan.clears).toEqual(expect.arrayContaining([{ table: 'locations', columns: ['parent_id'] }]));
  });
});
