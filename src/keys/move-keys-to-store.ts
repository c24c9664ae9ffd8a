/**
 * A one-off step for installations from before the key store: client keys that still sit
 * wrapped in `client_keys` move to the key store, and their columns are cleared, so no
 * later database dump holds them. Runs on every start and does nothing once done.
 *
 * Safe to interrupt and to run in many processes at once: a row first gets its key id (in
 * the database), then its key is written under that id (the same bytes, whoever writes
 * them), and only then are its columns cleared; a rerun picks up where one stopped.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { asClientId } from '../db/tenancy.ts';
import type { KeyStore } from './key-store.ts';
import { unwrapClientKeyring } from './keyring.ts';

/** Returns how many clients' keys were moved. */
export async function moveClientKeysToStore(db: Db, masterKey: Buffer, store: KeyStore): Promise<number> {
  // Cheap on every start: nothing to do once every row has been moved.
  const waiting = await db.selectFrom('client_keys').select('client_id').where('wrapped_data_key', 'is not', null).limit(1).execute();
  if (waiting.length === 0) return 0;
  await sql`update client_keys set key_id = gen_random_uuid() where key_id is null`.execute(db);
  const rows = await db
    .selectFrom('client_keys')
    .select(['client_id', 'key_id', 'wrapped_data_key', 'wrapped_index_key', 'created_at'])
    .where('wrapped_data_key', 'is not', null)
    .execute();
  let moved = 0;
  for (const row of rows) {
    if (!row.key_id || !row.wrapped_data_key || !row.wrapped_index_key) continue;
    const clientId = asClientId(row.client_id);
    const wrapped = { wrapped_data_key: row.wrapped_data_key, wrapped_index_key: row.wrapped_index_key };
    // Never clear a key that does not open: that would lose the client's data for good.
    unwrapClientKeyring(masterKey, clientId, wrapped);
    await store.put({
      keyId: row.key_id,
      clientId,
      createdAt: row.created_at.toISOString(),
      wrappedDataKey: row.wrapped_data_key,
      wrappedIndexKey: row.wrapped_index_key,
    });
    const stored = await store.get(row.key_id);
    if (!stored?.wrappedDataKey.equals(row.wrapped_data_key)) throw new Error(`key ${row.key_id} did not read back from ${store.description}`);
    await db
      .updateTable('client_keys')
      .set({ wrapped_data_key: null, wrapped_index_key: null })
      .where('client_id', '=', clientId)
      .where('key_id', '=', row.key_id)
      .execute();
    moved++;
  }
  return moved;
}
