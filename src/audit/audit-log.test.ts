/**
 * The audit log: one gapless, hash-chained sequence per client; nothing in it can be changed
 * or removed through ordinary SQL, and a change made by going around that (disabling the
 * trigger as the owner) is found by verification, at the entry that was changed.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../clients/index.ts';
import type { Db } from '../db/connect.ts';
import { withClient, type ClientId, asClientId } from '../db/tenancy.ts';
import { createTestClient } from '../../test/helpers/factories.ts';
import { giveFeedback } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import { appendAudit, listAuditEntries, verifyAuditChain } from './index.ts';

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

interface StoredEntry {
  seq: number;
  at_utc: string;
  actor_kind: string;
  actor_id: string | null;
  action: string;
  subject_kind: string | null;
  subject_id: string | null;
  details: Record<string, unknown>;
  prev_hash: Buffer;
  hash: Buffer;
}

/** A chain as stored, read as the owning role, oldest first. */
async function readChain(db: Db, chainId: string): Promise<StoredEntry[]> {
  const { rows } = await sql<StoredEntry>`
    select seq, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at_utc, actor_kind, actor_id, action,
      subject_kind, subject_id, details, prev_hash, hash
    from audit_log where chain_id = ${chainId}::uuid order by seq`.execute(db);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** PostgreSQL's text form of a jsonb value: ", " and ": " separators, object keys by length then bytes. */
function jsonbText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(
      (x, y) => Buffer.byteLength(x) - Buffer.byteLength(y) || Buffer.compare(Buffer.from(x), Buffer.from(y)),
    );
    return `{${keys.map((k) => `${JSON.stringify(k)}: ${jsonbText((value as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/**
 * An entry's hash computed outside the database, from the documented rule: sha256 over the
 * previous hash and the canonical text of the entry. An auditor with an export can do this.
 */
function expectedHash(chainId: string, entry: StoredEntry, prev: Buffer): Buffer {
  const canonical = jsonbText([
    chainId,
    entry.seq,
    entry.at_utc,
    entry.actor_kind,
    entry.actor_id,
    entry.action,
    entry.subject_kind,
    entry.subject_id,
    entry.details,
  ]);
  return createHash('sha256').update(prev).update(Buffer.from(canonical, 'utf8')).digest();
}

/** Runs `change` as the owner with the append-only trigger switched off, as only a superuser or owner could. */
async function tamper(db: Db, change: (trx: Db) => Promise<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(trx);
    await change(trx);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(trx);
  });
}

describe(`audit log (${testDatabaseKind})`, () => {
  let hark: TestHark;

  /** A new client: its chain starts with `client.created` at seq 1. */
  async function newClient(): Promise<ClientId> {
    const client = await createClient(hark.services.db, hark.services.keyrings, { name: `Audit ${randomBytes(3).toString('hex')}` });
    return asClientId(client.id);
  }

  /** Appends `count` entries to a client's chain, each in a tenant transaction of its own. */
  async function appendSome(clientId: ClientId, count: number): Promise<number[]> {
    const seqs: number[] = [];
    for (let i = 0; i < count; i++) {
      seqs.push(
        await withClient(hark.services.db, clientId, (trx) =>
          appendAudit(trx, {
            clientId,
            actorKind: 'user',
            actorId: `user-${i}`,
            action: 'feedback.viewed',
            subjectKind: 'feedback',
            subjectId: randomUUID(),
            details: { count: i, reason: `look "${i}"\n`, exported: i % 2 === 0, note: null },
          }),
        ),
      );
    }
    return seqs;
  }

  beforeAll(async () => {
    hark = await startTestHark();
  });
  afterAll(() => hark?.close());

  it('numbers each client’s chain 1, 2, 3 … on its own', async () => {
    const a = await newClient();
    const b = await newClient();
    expect(await appendSome(a, 4)).toEqual([2, 3, 4, 5]);
    expect(await appendSome(b, 2)).toEqual([2, 3]);
    expect((await readChain(hark.services.db, a)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect((await readChain(hark.services.db, b)).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect((await readChain(hark.services.db, a))[0]?.action).toBe('client.created');
  });

  it('links every entry to the one before by a sha256 an auditor can recompute outside the database', async () => {
    const a = await newClient();
    await appendSome(a, 5);
    const chain = await readChain(hark.services.db, a);
    expect(chain).toHaveLength(6);
    let prev: Buffer = Buffer.alloc(0);
    for (const entry of chain) {
      expect(entry.prev_hash.equals(prev), `prev_hash of ${entry.seq}`).toBe(true);
      expect(entry.hash.toString('hex'), `hash of ${entry.seq}`).toBe(expectedHash(a, entry, prev).toString('hex'));
      prev = entry.hash;
    }
    expect(await verifyAuditChain(hark.services.db, a)).toEqual({ entries: 6, brokenAt: null });
  });

  it('verifies the same inside a tenant transaction, seeing only that client’s chain', async () => {
    const a = await newClient();
    await appendSome(a, 3);
    expect(await withClient(hark.services.db, a, (trx) => verifyAuditChain(trx, a))).toEqual({ entries: 4, brokenAt: null });
    const listed = await withClient(hark.services.db, a, (trx) => listAuditEntries(trx, a));
    expect(listed.map((e) => e.seq)).toEqual([4, 3, 2, 1]);
  });

  it('keeps operator events in a chain of their own', async () => {
    const before = (await readChain(hark.services.db, NIL_UUID)).length;
    const seq = await hark.services.db.transaction().execute((trx) =>
      appendAudit(trx, { clientId: null, actorKind: 'operator', actorId: 'op-1', action: 'backup.made' }),
    );
    expect(seq).toBe(before + 1);
    expect(await verifyAuditChain(hark.services.db, null)).toEqual({ entries: before + 1, brokenAt: null });
    // A tenant transaction cannot write into it.
    const a = await newClient();
    await expect(
      withClient(hark.services.db, a, (trx) => appendAudit(trx, { clientId: null, actorKind: 'operator', action: 'backup.made' })),
    ).rejects.toThrow(/may not write to the audit chain/);
    const b = await newClient();
    const chainOfB = (await readChain(hark.services.db, b)).length;
    await expect(withClient(hark.services.db, a, (trx) => appendAudit(trx, { clientId: b, actorKind: 'user', action: 'feedback.read' }))).rejects.toThrow(
      /may not write to the audit chain/,
    );
    expect(await readChain(hark.services.db, b)).toHaveLength(chainOfB);
  });

  describe('tampering', () => {
    it('finds an entry whose details were edited', async () => {
      const a = await newClient();
      await appendSome(a, 5);
      await tamper(hark.services.db, (trx) =>
        sql`update audit_log set details = details || '{"count": 99}' where chain_id = ${a} and seq = 3`.execute(trx),
      );
      expect(await verifyAuditChain(hark.services.db, a)).toEqual({ entries: 6, brokenAt: 3 });
    });

    it('finds an entry whose actor or time was edited', async () => {
      const a = await newClient();
      await appendSome(a, 4);
      await tamper(hark.services.db, (trx) => sql`update audit_log set actor_id = 'someone-else' where chain_id = ${a} and seq = 4`.execute(trx));
      expect((await verifyAuditChain(hark.services.db, a)).brokenAt).toBe(4);

      const b = await newClient();
      await appendSome(b, 4);
      await tamper(hark.services.db, (trx) => sql`update audit_log set at = at - interval '1 day' where chain_id = ${b} and seq = 2`.execute(trx));
      expect((await verifyAuditChain(hark.services.db, b)).brokenAt).toBe(2);
    });

    it('finds an edit whose own hash was recomputed, at the next entry’s link', async () => {
      const a = await newClient();
      await appendSome(a, 5);
      await tamper(hark.services.db, (trx) =>
        sql`update audit_log set actor_id = 'forged',
              hash = audit_entry_hash(prev_hash, chain_id, seq, at, actor_kind, 'forged', action, subject_kind, subject_id, details)
            where chain_id = ${a} and seq = 3`.execute(trx),
      );
      expect(await verifyAuditChain(hark.services.db, a)).toEqual({ entries: 6, brokenAt: 4 });
    });

    it('finds a deleted entry', async () => {
      const a = await newClient();
      await appendSome(a, 5);
      await tamper(hark.services.db, (trx) => sql`delete from audit_log where chain_id = ${a} and seq = 3`.execute(trx));
      expect(await verifyAuditChain(hark.services.db, a)).toEqual({ entries: 5, brokenAt: 4 });
    });

    it('refuses a tenant who writes an entry directly, around audit_append (it could backdate one)', async () => {
      const a = await newClient();
      await appendSome(a, 2);
      const last = (await readChain(hark.services.db, a)).at(-1);
      await expect(
        withClient(hark.services.db, a, (trx) =>
          sql`insert into audit_log (chain_id, seq, at, actor_kind, action, prev_hash, hash)
              values (${a}, 4, '2020-01-01', 'user', 'feedback.deleted', ${last?.hash}, ${randomBytes(32)})`.execute(trx),
        ),
      ).rejects.toThrow(/permission denied/);
      expect(await verifyAuditChain(hark.services.db, a)).toEqual({ entries: 3, brokenAt: null });
    });

    it('finds an entry inserted directly by the owning role with a made-up hash', async () => {
      const a = await newClient();
      await appendSome(a, 2);
      const last = (await readChain(hark.services.db, a)).at(-1);
      await sql`insert into audit_log (chain_id, seq, actor_kind, action, prev_hash, hash)
          values (${a}, 4, 'user', 'feedback.deleted', ${last?.hash}, ${randomBytes(32)})`.execute(hark.services.db);
      expect(await verifyAuditChain(hark.services.db, a)).toEqual({ entries: 4, brokenAt: 4 });
    });
  });

  describe('append-only', () => {
    let a: ClientId;
    let before: StoredEntry[];

    beforeAll(async () => {
      a = await newClient();
      await appendSome(a, 3);
      before = await readChain(hark.services.db, a);
    });

    const changes = {
      update: (db: Db, chain: string) => sql`update audit_log set action = 'nothing.happened' where chain_id = ${chain}::uuid and seq = 2`.execute(db),
      delete: (db: Db, chain: string) => sql`delete from audit_log where chain_id = ${chain}::uuid and seq = 2`.execute(db),
      'delete all': (db: Db, chain: string) => sql`delete from audit_log where chain_id = ${chain}::uuid`.execute(db),
      truncate: (db: Db) => sql`truncate audit_log`.execute(db),
    };

    for (const [what, change] of Object.entries(changes)) {
      it(`refuses ${what} by the owning role`, async () => {
        await expect(hark.services.db.transaction().execute((trx) => change(trx, a))).rejects.toThrow(/audit_log is append-only/);
        expect(await readChain(hark.services.db, a)).toEqual(before);
      });

      it(`refuses ${what} by the application role`, async () => {
        await expect(withClient(hark.services.db, a, (trx) => change(trx, a))).rejects.toThrow(
          /audit_log is append-only|permission denied/,
        );
        expect(await readChain(hark.services.db, a)).toEqual(before);
      });
    }

    it('still verifies after every refused change', async () => {
      expect(await verifyAuditChain(hark.services.db, a)).toEqual({ entries: before.length, brokenAt: null });
    });
  });

  describe('concurrent appends', () => {
    it('give gapless sequences and a valid chain per client, committed or rolled back', async () => {
      const a = await newClient();
      const b = await newClient();
      class Rollback extends Error {}
      // 40 transactions at once over two chains; every fifth rolls back after appending.
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) => {
          const clientId = i % 2 === 0 ? a : b;
          return withClient(hark.services.db, clientId, async (trx) => {
            const seq = await appendAudit(trx, { clientId, actorKind: 'system', action: 'test.concurrent', details: { i } });
            // Keep the transaction open a little after appending, as real work would.
            await sql`select pg_sleep(0.01)`.execute(trx);
            if (i % 5 === 4) throw new Rollback();
            return seq;
          });
        }),
      );
      const rolledBack = outcomes.filter((o) => o.status === 'rejected');
      expect(rolledBack.every((o) => o.status === 'rejected' && o.reason instanceof Rollback)).toBe(true);
      expect(rolledBack).toHaveLength(8);

      for (const clientId of [a, b]) {
        const chain = await readChain(hark.services.db, clientId);
        // client.created plus 16 committed appends, numbered without gaps.
        expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
        expect(await verifyAuditChain(hark.services.db, clientId)).toEqual({ entries: 17, brokenAt: null });
        const committed = chain.filter((e) => e.action === 'test.concurrent').map((e) => Number(e.details.i));
        expect(committed.every((i) => i % 5 !== 4)).toBe(true);
      }
    });
  });

  describe('feedback with contact details', () => {
    it('puts no contact detail into the client’s audit chain', async () => {
      const client = await createTestClient(hark.services, { prizeDraw: true });
      const response = await giveFeedback(hark, `/f/${client.location.code}`, {
        score: '2',
        comment: 'the coffee was cold',
        name: 'Hēmi Parata',
        email: 'Hemi.Parata@Example.com',
        mobile: '021 987 6543',
        contact_requested: 'yes',
        prize_draw: 'yes',
        accept_terms: 'yes',
        accept_privacy: 'yes',
      });
      expect(response.status, response.html).toBe(200);
      const { rows } = await sql<{ line: string }>`select a::text as line from audit_log a where chain_id = ${client.clientId}`.execute(
        hark.services.db,
      );
      expect(rows.length).toBeGreaterThan(0);
      const text = rows.map((r) => r.line).join('\n').toLowerCase();
      for (const secret of ['hēmi', 'parata', 'hemi.parata@example.com', '+64219876543', '0219876543', '219876543', 'coffee was cold']) {
        expect(text, secret).not.toContain(secret);
        expect(text, `${secret} in hex`).not.toContain(Buffer.from(secret, 'utf8').toString('hex'));
      }
      expect(await verifyAuditChain(hark.services.db, client.clientId)).toMatchObject({ brokenAt: null });
    });
  });
});
