/**
 * Contact details at rest: what a customer types into the feedback form is stored only as
 * AES-256-GCM envelopes under the client's data key, found again by keyed blind indexes
 * (whatever the case, spacing or phone-number format), unreadable to other clients and
 * refused, not misread, when a stored byte changes.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from '../../test/helpers/factories.ts';
import { giveFeedback, openForm, postForm } from '../../test/helpers/form.ts';
import { startTestHark, type TestHark } from '../../test/helpers/hark.ts';
import { testDatabaseKind } from '../../test/helpers/database.ts';
import type { Db } from '../db/connect.ts';
import { withClient, type ClientId } from '../db/tenancy.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { findEndCustomersByEmail, normaliseEmail, normaliseMobile, readContactDetails } from './index.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/** What the customer types, deliberately untidy, and what Hark should make of it. */
const typed = { name: '  Āroha Te Whatu ', email: ' Aroha.TeWhatu@Example.COM ', mobile: '021 123 4567' };
const stored = { name: 'Āroha Te Whatu', email: 'aroha.tewhatu@example.com', mobile: '+64211234567' };

/** Every form of the contact details that must never be found in the database. */
const secrets = [
  typed.name.trim(),
  typed.email.trim(),
  stored.email,
  'aroha.tewhatu',
  'Te Whatu',
  stored.mobile,
  '0211234567',
  '211234567',
  typed.mobile,
];

/** Each secret as the byte patterns it could be stored as: UTF-8, UTF-16 and hex of either. */
function storedForms(secret: string): string[] {
  const forms = [secret, secret.toLowerCase()];
  return forms.flatMap((s) => [s, Buffer.from(s, 'utf8').toString('hex'), Buffer.from(s, 'utf16le').toString('hex')]);
}

/** The text of every row of every table Hark and its job queue own, one line per row. */
async function everyStoredRow(db: Db): Promise<string[]> {
  const { rows: tables } = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE'`.execute(db);
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['end_customers', 'feedback', 'audit_log', 'consents']));
  const lines: string[] = [];
  for (const table of tables) {
    const { rows } = await sql<{ line: string }>`select t::text as line from ${sql.table(`${table.schema}.${table.name}`)} t`.execute(db);
    for (const row of rows) lines.push(`${table.schema}.${table.name}: ${row.line}`);
  }
  return lines;
}

interface EndCustomerBytes {
  id: string;
  name_enc: Buffer | null;
  email_enc: Buffer | null;
  mobile_enc: Buffer | null;
  email_index: Buffer | null;
  mobile_index: Buffer | null;
}

describe(`contact details at rest (${testDatabaseKind})`, () => {
  let hark: TestHark;
  let a: TestClient;
  let b: TestClient;

  function keyringOf(clientId: ClientId): Promise<ClientKeyring> {
    return withClient(hark.services.db, clientId, (trx) => hark.services.keyrings.keyringFor(trx, clientId));
  }

  /** Gives feedback over HTTP and returns the end customer it was recorded against. */
  async function feedbackFrom(client: TestClient, answers: Record<string, string>): Promise<string | null> {
    const comment = `note ${randomBytes(6).toString('hex')}`;
    const response = await giveFeedback(hark, `/f/${client.location.code}`, { score: '4', comment, ...answers });
    expect(response.status, response.html).toBe(200);
    const row = await hark.services.db
      .selectFrom('feedback')
      .select('end_customer_id')
      .where('client_id', '=', client.clientId)
      .where('comment', '=', comment)
      .executeTakeFirstOrThrow();
    return row.end_customer_id;
  }

  /** The stored row, read as the owning role: exactly the bytes a backup or a database dump would hold. */
  function storedRow(clientId: ClientId, id: string): Promise<EndCustomerBytes> {
    return hark.services.db
      .selectFrom('end_customers')
      .select(['id', 'name_enc', 'email_enc', 'mobile_enc', 'email_index', 'mobile_index'])
      .where('client_id', '=', clientId)
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  let arohaAtA: string;
  let arohaAtB: string;

  beforeAll(async () => {
    hark = await startTestHark();
    a = await createTestClient(hark.services, { name: 'Client A' });
    b = await createTestClient(hark.services, { name: 'Client B' });
    const contact = { ...typed, contact_requested: 'yes' };
    arohaAtA = (await feedbackFrom(a, contact)) ?? '';
    arohaAtB = (await feedbackFrom(b, contact)) ?? '';
    expect(arohaAtA).not.toBe('');
    expect(arohaAtB).not.toBe('');
  });
  afterAll(() => hark?.close());

  it('stores name, email and mobile as envelopes that hold no trace of the plaintext', async () => {
    const row = await storedRow(a.clientId, arohaAtA);
    for (const [field, value] of [
      ['name', stored.name],
      ['email', stored.email],
      ['mobile', stored.mobile],
    ] as const) {
      const envelope = row[`${field}_enc`];
      expect(envelope, field).toBeInstanceOf(Buffer);
      if (!envelope) continue;
      // Envelope v1: version byte, 12-byte nonce, 16-byte tag, then exactly the UTF-8 length of the value.
      expect(envelope[0], `${field} envelope version`).toBe(1);
      expect(envelope.length, `${field} envelope length`).toBe(HEADER_BYTES + Buffer.byteLength(value, 'utf8'));
      for (const secret of secrets) {
        for (const encoding of ['utf8', 'utf16le', 'latin1'] as const) {
          expect(envelope.includes(Buffer.from(secret, encoding)), `${field} holds "${secret}" (${encoding})`).toBe(false);
          expect(envelope.includes(Buffer.from(secret.toLowerCase(), encoding)), `${field} holds "${secret}" lower-cased (${encoding})`).toBe(false);
        }
      }
    }
    // The blind indexes are 32-byte HMACs, not the values.
    expect(row.email_index?.length).toBe(32);
    expect(row.mobile_index?.length).toBe(32);
    for (const index of [row.email_index, row.mobile_index]) {
      for (const secret of secrets) expect(index?.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    }
  });

  it('encrypts each value under a fresh nonce: both clients’ envelopes of the same email differ', async () => {
    const atA = await storedRow(a.clientId, arohaAtA);
    const atB = await storedRow(b.clientId, arohaAtB);
    expect(atA.email_enc?.subarray(1, 1 + IV_BYTES).equals(atB.email_enc?.subarray(1, 1 + IV_BYTES) ?? Buffer.alloc(0))).toBe(false);
    expect(atA.email_enc?.equals(atB.email_enc ?? Buffer.alloc(0))).toBe(false);
  });

  it('keeps the plaintext out of every row of every table, jobs included', async () => {
    const lines = await everyStoredRow(hark.services.db);
    expect(lines.length).toBeGreaterThan(10);
    for (const secret of secrets) {
      for (const form of storedForms(secret)) {
        const found = lines.find((line) => line.toLowerCase().includes(form.toLowerCase()));
        expect(found, `"${secret}" stored as "${form}"`).toBeUndefined();
      }
    }
  });

  it('decrypts back to the tidied values through the module’s functions', async () => {
    const keyring = await keyringOf(a.clientId);
    const details = await withClient(hark.services.db, a.clientId, (trx) => readContactDetails(trx, keyring, arohaAtA));
    expect(details).toEqual(stored);
  });

  it('finds the customer by email whatever the case and spacing, through the blind index', async () => {
    const keyring = await keyringOf(a.clientId);
    for (const email of [typed.email, stored.email, 'AROHA.TEWHATU@EXAMPLE.COM', '\taroha.tewhatu@example.com  ']) {
      const found = await withClient(hark.services.db, a.clientId, (trx) => findEndCustomersByEmail(trx, keyring, normaliseEmail(email)));
      expect(found, email).toEqual([arohaAtA]);
    }
    const row = await storedRow(a.clientId, arohaAtA);
    expect(row.email_index?.equals(keyring.blindIndex('email', normaliseEmail(typed.email)))).toBe(true);
    for (const other of ['aroha.tewhatu@example.co', 'aroha.te.whatu@example.com', 'someone@example.com']) {
      const found = await withClient(hark.services.db, a.clientId, (trx) => findEndCustomersByEmail(trx, keyring, normaliseEmail(other)));
      expect(found, other).toEqual([]);
    }
  });

  it('normalises a mobile number to E.164 in the client’s country, so every way of writing it gives one index', async () => {
    const keyring = await keyringOf(a.clientId);
    const forms = ['021 123 4567', '0211234567', '+64211234567', '+64 21 123 4567', '(021) 123-4567', ' 021-123-4567 '];
    for (const form of forms) expect(normaliseMobile(form, 'NZ'), form).toBe(stored.mobile);
    expect(normaliseMobile('021 123 4567', 'AU')).not.toBe(stored.mobile);
    expect(normaliseMobile('12', 'NZ')).toBeNull();
    const row = await storedRow(a.clientId, arohaAtA);
    expect(row.mobile_index?.equals(keyring.blindIndex('mobile', stored.mobile))).toBe(true);
  });

  it('recognises the same customer when they come back with only their mobile, written another way', async () => {
    const again = await feedbackFrom(a, { mobile: '+64 21 123 4567' });
    expect(again).toBe(arohaAtA);
    // What was known is kept: the email given the first time is still there.
    const keyring = await keyringOf(a.clientId);
    const details = await withClient(hark.services.db, a.clientId, (trx) => readContactDetails(trx, keyring, arohaAtA));
    expect(details).toEqual(stored);
  });

  it('recognises the same customer when they come back with only their email, in other capitals', async () => {
    const again = await feedbackFrom(a, { email: '  AROHA.TEWHATU@example.com' });
    expect(again).toBe(arohaAtA);
  });

  it('records one end customer when the same new person sends several forms at once', async () => {
    const email = `together.${randomBytes(3).toString('hex')}@example.com`;
    const mobile = '027 555 0199';
    // Open every form first, then send them all at the same moment.
    const pathname = `/f/${a.location.code}`;
    const forms = await Promise.all(Array.from({ length: 10 }, () => openForm(hark, pathname)));
    const comments = forms.map(() => `together ${randomBytes(6).toString('hex')}`);
    const answers = await Promise.all(
      forms.map((form, i) =>
        postForm(hark, pathname, { token: form.token, score: '3', comment: comments[i] ?? '', ...(i % 2 ? { email } : { email: email.toUpperCase(), mobile }) }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    const rows = await hark.services.db
      .selectFrom('feedback')
      .select('end_customer_id')
      .where('client_id', '=', a.clientId)
      .where('comment', 'in', comments)
      .execute();
    const sent = rows.map((r) => r.end_customer_id);
    expect(sent).toHaveLength(10);
    expect(new Set(sent).size, 'end customers recorded for one person').toBe(1);
    const keyring = await keyringOf(a.clientId);
    const found = await withClient(hark.services.db, a.clientId, (trx) => findEndCustomersByEmail(trx, keyring, email));
    expect(found).toEqual([sent[0]]);
  });

  it('does not merge different people who give only the same name', async () => {
    const first = await feedbackFrom(a, { name: 'Sam' });
    const second = await feedbackFrom(a, { name: 'Sam' });
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(first).not.toBe(second);
    expect(first).not.toBe(arohaAtA);
  });

  it('keys blind indexes per client: the same email gives unrelated index values in two clients', async () => {
    const atA = await storedRow(a.clientId, arohaAtA);
    const atB = await storedRow(b.clientId, arohaAtB);
    expect(atA.email_index?.equals(atB.email_index ?? Buffer.alloc(0))).toBe(false);
    expect(atA.mobile_index?.equals(atB.mobile_index ?? Buffer.alloc(0))).toBe(false);
    // B's own keyring finds B's customer; A's finds only A's.
    const keyringA = await keyringOf(a.clientId);
    const keyringB = await keyringOf(b.clientId);
    expect(await withClient(hark.services.db, b.clientId, (trx) => findEndCustomersByEmail(trx, keyringB, stored.email))).toEqual([arohaAtB]);
    expect(await withClient(hark.services.db, a.clientId, (trx) => findEndCustomersByEmail(trx, keyringA, stored.email))).toEqual([arohaAtA]);
    // And A's data key cannot read B's ciphertext.
    expect(() => keyringA.decrypt('email', atB.email_enc ?? Buffer.alloc(0))).toThrow();
  });

  describe('a stored envelope that was changed', () => {
    let victim: string;
    let keyring: ClientKeyring;

    beforeAll(async () => {
      victim = (await feedbackFrom(a, { name: 'Mere Kingi', email: 'mere@example.com', mobile: '022 765 4321' })) ?? '';
      keyring = await keyringOf(a.clientId);
      expect(await withClient(hark.services.db, a.clientId, (trx) => readContactDetails(trx, keyring, victim))).toEqual({
        name: 'Mere Kingi',
        email: 'mere@example.com',
        mobile: '+64227654321',
      });
    });

    async function expectUnreadable(): Promise<void> {
      await expect(withClient(hark.services.db, a.clientId, (trx) => readContactDetails(trx, keyring, victim))).rejects.toThrow(
        /unable to authenticate|not a sealed envelope/i,
      );
    }

    it('fails to decrypt when one ciphertext bit is flipped (GCM authentication)', async () => {
      const before = await storedRow(a.clientId, victim);
      await sql`update end_customers set email_enc = set_byte(email_enc, ${HEADER_BYTES + 2}, get_byte(email_enc, ${HEADER_BYTES + 2}) # 1)
        where client_id = ${a.clientId} and id = ${victim}`.execute(hark.services.db);
      await expectUnreadable();
      await sql`update end_customers set email_enc = ${before.email_enc} where client_id = ${a.clientId} and id = ${victim}`.execute(hark.services.db);
    });

    it('fails to decrypt when one tag bit is flipped', async () => {
      const before = await storedRow(a.clientId, victim);
      await sql`update end_customers set mobile_enc = set_byte(mobile_enc, ${1 + IV_BYTES}, get_byte(mobile_enc, ${1 + IV_BYTES}) # 128)
        where client_id = ${a.clientId} and id = ${victim}`.execute(hark.services.db);
      await expectUnreadable();
      await sql`update end_customers set mobile_enc = ${before.mobile_enc} where client_id = ${a.clientId} and id = ${victim}`.execute(hark.services.db);
    });

    it('fails to decrypt an envelope moved into another field or copied from another client', async () => {
      const before = await storedRow(a.clientId, victim);
      const fromB = await storedRow(b.clientId, arohaAtB);
      // The email envelope pasted into the name column: the field is bound into the ciphertext.
      await sql`update end_customers set name_enc = email_enc where client_id = ${a.clientId} and id = ${victim}`.execute(hark.services.db);
      await expectUnreadable();
      await sql`update end_customers set name_enc = ${before.name_enc} where client_id = ${a.clientId} and id = ${victim}`.execute(hark.services.db);
      // Client B's name envelope pasted into client A's row: the client is bound in too.
      await sql`update end_customers set name_enc = ${fromB.name_enc} where client_id = ${a.clientId} and id = ${victim}`.execute(hark.services.db);
      await expectUnreadable();
      await sql`update end_customers set name_enc = ${before.name_enc} where client_id = ${a.clientId} and id = ${victim}`.execute(hark.services.db);
      // Restored, it reads again: the failures above were the changes, not the row.
      expect((await withClient(hark.services.db, a.clientId, (trx) => readContactDetails(trx, keyring, victim)))?.name).toBe('Mere Kingi');
    });
  });
});
