import { randomUUID } from 'node:crypto';
import { createDefaultAlertRule } from '../alerts/index.ts';
import { createDefaultThemes } from '../comments/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/connect.ts';
import type { ClientRow } from '../db/schema.ts';
import { asClientId, withClient, type ClientId } from '../db/tenancy.ts';
import type { KeyringCache } from '../keys/index.ts';
import { createDefaultTemplates } from '../responses/index.ts';

export interface NewClient {
  name: string;
  country?: string;
  timezone?: string;
  privacyPolicyUrl?: string | null;
}

/**
 * Creates a client with its keys. Runs as the owning role: a tenant does not exist yet to
 * scope the transaction to. Recorded in the new client's audit chain.
 */
export async function createClient(db: Db, keyrings: KeyringCache, input: NewClient): Promise<ClientRow> {
  const id = asClientId(randomUUID());
  let keyId: string | undefined;
  // The key reaches the key store before the transaction commits; if it then rolls back,
  // the key is removed again, so no key outlives a client that never was.
  return db.transaction().execute(async (trx) => {
    const client = await trx
      .insertInto('clients')
      .values({
        id,
        name: input.name,
        country: input.country ?? 'NZ',
        timezone: input.timezone ?? 'Pacific/Auckland',
        privacy_policy_url: input.privacyPolicyUrl ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    keyId = await keyrings.createClientKeys(trx, id);
    await createDefaultTemplates(trx, id);
    await createDefaultAlertRule(trx, id);
    await createDefaultThemes(trx, id);
    await appendAudit(trx, { clientId: id, actorKind: 'system', action: 'client.created', subjectKind: 'client', subjectId: id });
    return client;
  }).catch(async (error: unknown) => {
    if (keyId) await keyrings.discardKey(keyId).catch(() => {});
    throw error;
  });
}

export function findClient(db: Db, clientId: ClientId): Promise<ClientRow | undefined> {
  return withClient(db, clientId, (trx) => trx.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirst());
}
