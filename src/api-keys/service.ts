/** Making, listing and revoking a client's API keys (admins, in settings). */
import type { Selectable } from 'kysely';
import { expandLocationScope, withAccess, type Access } from '../accounts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { generateApiKey } from './key-format.ts';
import type { ApiKeyView } from './schemas.ts';
import type { ApiKeyScope, ApiKeysTable } from './tables.ts';

export type ApiKeyChange<T> = { ok: true; value: T } | { ok: false; reason: 'not_found' | 'unknown_location' | 'already_revoked' };

function present(row: Selectable<ApiKeysTable>, names: ReadonlyMap<string, string>): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    locationIds: row.location_scope,
    createdAt: row.created_at.toISOString(),
    createdBy: names.get(row.created_by) ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

/** People's names, read as the owning role (the application role may not read accounts). */
async function namesOf(services: Services, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await services.db.selectFrom('users').select(['id', 'name']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function listApiKeys(services: Services, access: Access): Promise<ApiKeyView[]> {
  const rows = await withAccess(services.db, { ...access, locationIds: null }, (trx) =>
    trx.selectFrom('api_keys').selectAll().where('client_id', '=', access.clientId).orderBy('revoked_at', (ob) => ob.desc().nullsFirst()).orderBy('created_at', 'desc').execute(),
  );
  const names = await namesOf(services, rows.map((r) => r.created_by));
  return rows.map((r) => present(r, names));
}

export interface NewApiKey {
  name: string;
  scopes: ApiKeyScope[];
  locationIds: string[] | null;
}

/** Makes a key; the key itself is in the answer only, never stored. */
export async function createApiKey(services: Services, access: Access, input: NewApiKey): Promise<ApiKeyChange<{ apiKey: ApiKeyView; key: string }>> {
  const secret = generateApiKey();
  const scopes = [...new Set(input.scopes)];
  const result = await withAccess(services.db, { ...access, locationIds: null }, async (trx) => {
    if (input.locationIds !== null) {
      const known = await expandLocationScope(trx, access.clientId, input.locationIds);
      if (input.locationIds.some((id) => !known.includes(id))) return null;
    }
    const row = await trx
      .insertInto('api_keys')
      .values({
        client_id: access.clientId,
        name: input.name,
        prefix: secret.prefix,
        key_hash: secret.hash,
        scopes,
        location_scope: input.locationIds === null ? null : [...new Set(input.locationIds)],
        created_by: access.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(trx, {
      clientId: access.clientId,
      actorKind: 'user',
      actorId: access.userId,
      action: 'api_key.created',
      subjectKind: 'api_key',
      subjectId: row.id,
      details: { prefix: row.prefix, scopes: scopes.join(','), locations: row.location_scope?.length ?? null },
    });
    return row;
  });
  if (!result) return { ok: false, reason: 'unknown_location' };
  return { ok: true, value: { apiKey: present(result, await namesOf(services, [result.created_by])), key: secret.key } };
}

export async function revokeApiKey(services: Services, access: Access, apiKeyId: string): Promise<ApiKeyChange<ApiKeyView>> {
  const outcome = await withAccess(services.db, { ...access, locationIds: null }, async (trx) => {
    const current = await trx.selectFrom('api_keys').select(['id', 'revoked_at']).where('client_id', '=', access.clientId).where('id', '=', apiKeyId).forUpdate().executeTakeFirst();
    if (!current) return 'not_found' as const;
    if (current.revoked_at) return 'already_revoked' as const;
    const row = await trx
      .updateTable('api_keys')
      .set({ revoked_at: new Date(), revoked_by: access.userId })
      .where('client_id', '=', access.clientId)
      .where('id', '=', apiKeyId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'api_key.revoked', subjectKind: 'api_key', subjectId: apiKeyId, details: { prefix: row.prefix } });
    return row;
  });
  if (typeof outcome === 'string') return { ok: false, reason: outcome };
  return { ok: true, value: present(outcome, await namesOf(services, [outcome.created_by])) };
}
