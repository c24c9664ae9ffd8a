import { randomUUID } from 'node:crypto';
import { createDefaultAlertRule } from '../alerts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Db } from '../db/connect.ts';
import type { ClientRow } from '../db/schema.ts';
import { asClientId, withClient, type ClientId } from '../db/tenancy.ts';
import { createWrappedClientKeys } from '../keys/index.ts';
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
export async function createClient(db: Db, masterKey: Buffer, input: NewClient): Promise<ClientRow> {
  const id = asClientId(randomUUID());
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
    await trx.insertInto('client_keys').values({ client_id: id, ...createWrappedClientKeys(masterKey, id) }).execute();
    await createDefaultTemplates(trx, id);
    await createDefaultAlertRule(trx, id);
    await appendAudit(trx, { clientId: id, actorKind: 'system', action: 'client.created', subjectKind: 'client', subjectId: id });
    return client;
  });
}

export function findClient(db: Db, clientId: ClientId): Promise<ClientRow | undefined> {
  return withClient(db, clientId, (trx) => trx.selectFrom('clients').selectAll().where('id', '=', clientId).executeTakeFirst());
}
