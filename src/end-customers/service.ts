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
  const clientId = keyring.clientId;
  const emailIndex = contact.email ? keyring.blindIndex('email', contact.email) : null;
  const mobileIndex = contact.mobile ? keyring.blindIndex('mobile', contact.mobile) : null;
  const encrypted = {
    name_enc: contact.name ? keyring.encrypt('name', contact.name) : null,
    email_enc: contact.email ? keyring.encrypt('email', contact.email) : null,
    mobile_enc: contact.mobile ? keyring.encrypt('mobile', contact.mobile) : null,
    email_index: emailIndex,
    mobile_index: mobileIndex,
  };
  // Two forms from the same new person at once would each find no one and each insert.
  // Lock the blind index values until commit first, in a fixed order so that two people's
  // transactions sharing one of them cannot deadlock.
  const lockKeys = [emailIndex, mobileIndex]
    .filter((index): index is Buffer => index !== null)
    .map((index) => `end-customer:${clientId}:${index.toString('hex')}`)
    .sort();
  for (const key of lockKeys) {
    await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
  }
  const existing = await trx
    .selectFrom('end_customers')
    .select('id')
    .where('client_id', '=', clientId)
    .where((eb) =>
      eb.or([
        ...(emailIndex ? [eb('email_index', '=', emailIndex)] : []),
        ...(mobileIndex ? [eb('mobile_index', '=', mobileIndex)] : []),
      ]),
    )
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  if (!existing) {
    const row = await trx
      .insertInto('end_customers')
      .values({ client_id: clientId, ...encrypted })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }
  // Keep what was known and add what is new: a customer who gives only a mobile this time
  // keeps the email given before.
  const update = Object.fromEntries(Object.entries(encrypted).filter(([, value]) => value !== null));
  await trx.updateTable('end_customers').set(update).where('client_id', '=', clientId).where('id', '=', existing.id).execute();
  return existing.id;
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
