/**
 * Tenant transactions. Every read or write of a client's data runs inside `withClient`, which
 * switches to the application role `hark_app` and sets `hark.client_id` for this transaction
 * only, so PostgreSQL's row-level security refuses other clients' rows even if a query
 * forgets its `client_id` filter.
 */
import { sql, type Transaction } from 'kysely';
import type { Db } from './connect.ts';
import type { Database } from './schema.ts';

export type Trx = Transaction<Database>;

export type ClientId = string & { readonly __brand: 'ClientId' };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function asClientId(value: string): ClientId {
  if (!uuidPattern.test(value)) throw new TypeError('client id must be a uuid');
  return value as ClientId;
}

export async function setTenant(trx: Trx, clientId: ClientId): Promise<void> {
  await sql`select set_config('role', 'hark_app', true), set_config('hark.client_id', ${clientId}, true)`.execute(trx);
}

export function withClient<T>(db: Db, clientId: ClientId, work: (trx: Trx) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await setTenant(trx, clientId);
    return work(trx);
  });
}
