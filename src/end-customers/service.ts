import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Trx } from '../db/tenancy.ts';
import type { ClientKeyring } from '../keys/index.ts';

export interface ContactDetails {
  name: string | null;
  /** Normalised (lower-case) email. */
  email: string | null;
  /** E.164 mobile number. */
  mobile: string | null;
}

/**
 * Finds the end customer with this email or mobile (by blind index) or creates one, and
 * stores what they gave this time. Returns the end customer's id.
 */
export async function recordEndCustomer(trx: Trx, keyring: ClientKeyring, contact: ContactDetails): Promise<string> {
  const { ids } = await recordEndCustomers(trx, keyring, [contact]);
  return ids[0]!;
}

type EncryptedContact = {
  name_enc: Buffer | null;
  email_enc: Buffer | null;
  mobile_enc: Buffer | null;
  email_index: Buffer | null;
  mobile_index: Buffer | null;
};

/**
 * `recordEndCustomer` for many contacts in one transaction, in order: a contact matches the
 * earliest end customer with its email or mobile, stored before or earlier in `contacts`.
 * Costs at most four statements in two round trips. Returns each contact's end customer, and
 * which of them are new (so that a caller whose feedback turns out to be a repeat can take
 * them back).
 */
export async function recordEndCustomers(trx: Trx, keyring: ClientKeyring, contacts: readonly ContactDetails[]): Promise<{ ids: string[]; created: ReadonlySet<string> }> {
  const match = await matchEndCustomers(trx, keyring, contacts);
  await match.store();
  return match;
}

export interface EndCustomerMatch {
  /** Each contact's end customer, in order. */
  ids: string[];
  /** The end customers `store` creates. */
  created: ReadonlySet<string>;
  /**
   * Writes the new end customers and what returning ones gave this time. Until it resolves,
   * `ids` name rows that may not exist yet: a caller with rows that refer to them issues its
   * statements after calling it, and they share the round trip (pipelined-transaction.ts).
   */
  store(): Promise<void>;
}

/** The first half of `recordEndCustomers`: who each contact is, and the statements that record them. */
export async function matchEndCustomers(trx: Trx, keyring: ClientKeyring, contacts: readonly ContactDetails[]): Promise<EndCustomerMatch> {
  const clientId = keyring.clientId;
  const given: EncryptedContact[] = contacts.map((contact) => ({
    name_enc: contact.name ? keyring.encrypt('name', contact.name) : null,
    email_enc: contact.email ? keyring.encrypt('email', contact.email) : null,
    mobile_enc: contact.mobile ? keyring.encrypt('mobile', contact.mobile) : null,
    email_index: contact.email ? keyring.blindIndex('email', contact.email) : null,
    mobile_index: contact.mobile ? keyring.blindIndex('mobile', contact.mobile) : null,
  }));
  const emailIndexes = given.flatMap((g) => (g.email_index ? [g.email_index] : []));
  const mobileIndexes = given.flatMap((g) => (g.mobile_index ? [g.mobile_index] : []));
  const anyIndex = emailIndexes.length + mobileIndexes.length > 0;

  // Two forms from the same new person at once would each find no one and each insert.
  // Lock the blind index values until commit first, in one fixed order, so that two
  // transactions sharing some of them cannot deadlock. The look-up is a statement of its
  // own, sent with the lock but run after it, with a snapshot taken once the lock is held.
  const lockKeys = [...new Set([...emailIndexes, ...mobileIndexes].map((index) => `end-customer:${clientId}:${index.toString('hex')}`))].sort();
  const locked = anyIndex ? sql`select pg_advisory_xact_lock(hashtextextended(k, 0)) from (select k from unnest(${lockKeys}::text[]) as k order by k) as ordered`.execute(trx) : null;

  // A name alone finds no one: it becomes a new end customer.
  const lookUp = !anyIndex ? [] : trx
    .selectFrom('end_customers')
    .select(['id', 'email_index', 'mobile_index'])
    .where('client_id', '=', clientId)
    .where((eb) =>
      eb.or([
        ...(emailIndexes.length > 0 ? [eb('email_index', 'in', emailIndexes)] : []),
        ...(mobileIndexes.length > 0 ? [eb('mobile_index', 'in', mobileIndexes)] : []),
      ]),
    )
    .orderBy('created_at')
    .execute();
  const [, found] = await Promise.all([locked, lookUp]);
  // Earliest first: the first match of each index wins, as before and after this batch.
  const byIndex = new Map<string, string>();
  const remember = (kind: 'email' | 'mobile', index: Buffer | null, id: string) => {
    const key = index ? `${kind}:${index.toString('hex')}` : null;
    if (key && !byIndex.has(key)) byIndex.set(key, id);
  };
  for (const row of found) {
    remember('email', row.email_index, row.id);
    remember('mobile', row.mobile_index, row.id);
  }
  const matchOf = (g: EncryptedContact) =>
    (g.email_index && byIndex.get(`email:${g.email_index.toString('hex')}`)) || (g.mobile_index && byIndex.get(`mobile:${g.mobile_index.toString('hex')}`)) || null;

  // Keep what was known and add what is new: a customer who gives only a mobile this time
  // keeps the email given before.
  const created = new Map<string, EncryptedContact>();
  const updated = new Map<string, Partial<EncryptedContact>>();
  const ids = given.map((g) => {
    const known = Object.fromEntries(Object.entries(g).filter(([, value]) => value !== null)) as Partial<EncryptedContact>;
    const id = matchOf(g);
    if (id) {
      const row = created.get(id);
      if (row) Object.assign(row, known);
      else updated.set(id, { ...updated.get(id), ...known });
      remember('email', g.email_index, id);
      remember('mobile', g.mobile_index, id);
      return id;
    }
    const newId = randomUUID();
    created.set(newId, { ...g });
    remember('email', g.email_index, newId);
    remember('mobile', g.mobile_index, newId);
    return newId;
  });

  const store = async () => {
    const writes: Promise<unknown>[] = [];
    if (created.size > 0) {
      writes.push(
        trx
          .insertInto('end_customers')
          .values([...created].map(([id, row]) => ({ client_id: clientId, id, ...row })))
          .execute(),
      );
    }
    if (updated.size > 0) {
      // What a returning customer gave this time replaces what was known; what they left out stays.
      const changes = [...updated];
      const column = (name: keyof EncryptedContact) => changes.map(([, change]) => change[name] ?? null);
      writes.push(sql`
        update end_customers e set
          name_enc = coalesce(v.name_enc, e.name_enc), email_enc = coalesce(v.email_enc, e.email_enc),
          mobile_enc = coalesce(v.mobile_enc, e.mobile_enc), email_index = coalesce(v.email_index, e.email_index),
          mobile_index = coalesce(v.mobile_index, e.mobile_index)
        from unnest(${changes.map(([id]) => id)}::uuid[], ${column('name_enc')}::bytea[], ${column('email_enc')}::bytea[],
          ${column('mobile_enc')}::bytea[], ${column('email_index')}::bytea[], ${column('mobile_index')}::bytea[])
          as v(id, name_enc, email_enc, mobile_enc, email_index, mobile_index)
        where e.client_id = ${clientId} and e.id = v.id`.execute(trx));
    }
    await Promise.all(writes);
  };
  return { ids, created: new Set(created.keys()), store };
}

export async function findEndCustomersByEmail(trx: Trx, keyring: ClientKeyring, normalisedEmail: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('end_customers')
    .select('id')
    .where('client_id', '=', keyring.clientId)
    .where('email_index', '=', keyring.blindIndex('email', normalisedEmail))
    .execute();
  return rows.map((r) => r.id);
}

export async function readContactDetails(trx: Trx, keyring: ClientKeyring, endCustomerId: string): Promise<ContactDetails | null> {
  const row = await trx
    .selectFrom('end_customers')
    .select(['name_enc', 'email_enc', 'mobile_enc'])
    .where('client_id', '=', keyring.clientId)
    .where('id', '=', endCustomerId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    name: row.name_enc ? keyring.decrypt('name', row.name_enc) : null,
    email: row.email_enc ? keyring.decrypt('email', row.email_enc) : null,
    mobile: row.mobile_enc ? keyring.decrypt('mobile', row.mobile_enc) : null,
  };
}
