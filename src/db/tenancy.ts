/**
 * Tenant transactions. Every read or write of a client's data runs inside `withClient`, which
 * switches to the application role `hark_app` and sets `hark.client_id` for this transaction
 * only, so PostgreSQL's row-level security refuses other clients' rows even if a query
 * forgets its `client_id` filter.
 */
import { sql, type Transaction } from 'kysely';
import type { Db } from './connect.ts';
import { pipelinedTransaction } from './pipelined-transaction.ts';
import type { Database } from './schema.ts';

export type Trx = Transaction<Database>;

export type ClientId = string & { readonly __brand: 'ClientId' };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function asClientId(value: string): ClientId {
  if (!uuidPattern.test(value)) throw new TypeError('client id must be a uuid');
  return value as ClientId;
}

export function withClient<T>(db: Db, clientId: ClientId, work: (trx: Trx) => Promise<T>): Promise<T> {
  return tenantTransaction(db, clientId, 'read write', work);
}

/**
 * A transaction with the tenant settings made. `begin` and the settings go to PostgreSQL as
 * one message, a simple query of two statements, where Kysely's transaction would send
 * `begin` alone first: a round trip fewer for every tenant transaction, which on the feedback
 * path is one in twelve. The client id is written into that text, so it is checked again
 * here as a uuid whatever its type says.
 */
async function tenantTransaction<T>(db: Db, clientId: ClientId, mode: 'read write' | 'read only', work: (trx: Trx) => Promise<T>): Promise<T> {
  const id = asClientId(clientId);
  const begin = `begin ${mode}; select set_config('role', 'hark_app', true), set_config('hark.client_id', '${id}', true)`;
  // Statements `work` issues together share round trips (pipelined-transaction.ts).
  return pipelinedTransaction(db, begin, (trx) => work(trx as unknown as Trx));
}

/**
 * Limits the transaction's rows to these locations (row-level security on
 * `hark.location_scope`); null leaves every location of the client. An empty scope is
 * written as the nil uuid so that it matches nothing (an empty setting would mean "no limit").
 */
export async function setLocationScope(trx: Trx, locationIds: readonly string[] | null): Promise<void> {
  if (locationIds === null) return;
  const ids = locationIds.length ? locationIds : ['00000000-0000-0000-0000-000000000000'];
  await sql`select set_config('hark.location_scope', ${`{${ids.join(',')}}`}, true)`.execute(trx);
}

/**
 * A read-only tenant transaction, for reads that may be served by the read replica
 * (`services.readDb`): the same row-level-security settings as `withClient`, and PostgreSQL
 * refuses any write in it, on the primary as on the replica. Anything that must write (an
 * audit entry, a job) runs in a transaction of its own on `services.db`.
 */
export function withClientRead<T>(db: Db, clientId: ClientId, work: (trx: Trx) => Promise<T>): Promise<T> {
  return tenantTransaction(db, clientId, 'read only', work);
}

/** Who reads, for `withAccessRead`: a client and a location scope (an `Access` is one). */
export interface ReadScope {
  clientId: ClientId;
  /** Location ids the reader may see, or null for every location of the client. */
  locationIds: readonly string[] | null;
}

/** `withAccess` (src/accounts), read-only: client and location scope set for the transaction. */
export function withAccessRead<T>(db: Db, scope: ReadScope, work: (trx: Trx) => Promise<T>): Promise<T> {
  return withClientRead(db, scope.clientId, async (trx) => {
    await setLocationScope(trx, scope.locationIds);
    return work(trx);
  });
}
