/**
 * Turns `Authorization: Bearer <key>` into the Access a key holds: its client, its scopes as
 * permissions, and its location scope. Every refusal is a 401 that says what is wrong.
 */
import { sql } from 'kysely';
import { expandLocationScope, withAccess, type Access } from '../accounts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { asClientId } from '../db/tenancy.ts';
import { HttpError } from '../http/errors.ts';
import { hashApiKey, prefixOfApiKey } from './key-format.ts';
import { permissionsOfScopes } from './scopes.ts';

export interface ApiKeyCaller {
  access: Access;
  prefix: string;
}

/** Whether a request carries an Authorization header at all (then it is a key request, never a session one). */
export function hasAuthorization(header: string | undefined): header is string {
  return typeof header === 'string' && header.length > 0;
}

export async function authenticateApiKey(services: Services, header: string): Promise<ApiKeyCaller> {
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (!match) throw new HttpError('unauthenticated', 'Send the API key as "Authorization: Bearer <key>".');
  const key = match[1] as string;
  const prefix = prefixOfApiKey(key);
  if (!prefix) throw new HttpError('unauthenticated', 'That is not a Hark API key: keys look like hk_xxxxxxxx_ followed by 43 characters.');
  // Found by hash as the owning role: the key names its client, not the other way round.
  const row = await services.db
    .selectFrom('api_keys')
    .select(['client_id', 'id', 'scopes', 'location_scope', 'created_by', 'revoked_at', 'last_used_at'])
    .where('key_hash', '=', hashApiKey(key))
    .executeTakeFirst();
  if (!row) throw new HttpError('unauthenticated', 'This API key is not known. Check it, or make a new one in Settings → API keys.');
  if (row.revoked_at) throw new HttpError('unauthenticated', 'This API key was revoked. Make a new one in Settings → API keys.');
  const clientId = asClientId(row.client_id);
  const base: Access = {
    clientId,
    userId: row.created_by,
    role: 'viewer',
    locationIds: null,
    apiKey: { id: row.id, permissions: permissionsOfScopes(row.scopes) },
  };
  const scope = row.location_scope;
  const locationIds = scope === null ? null : await withAccess(services.db, base, (trx) => expandLocationScope(trx, clientId, scope));
  // Last use, at most once a minute per key, so a busy integration costs no write per call.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await sql`update api_keys set last_used_at = now() where client_id = ${clientId} and id = ${row.id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`.execute(services.db);
  }
  return { access: { ...base, locationIds }, prefix };
}

/** Every state-changing call of a key, whatever its outcome, is attributed to the key in the audit log. */
export async function auditApiKeyWrite(services: Services, access: Access, request: { method: string; route: string; statusCode: number }): Promise<void> {
  if (!access.apiKey) return;
  const apiKeyId = access.apiKey.id;
  await withAccess(services.db, { ...access, locationIds: null }, (trx) =>
    appendAudit(trx, {
      clientId: access.clientId,
      actorKind: 'api_key',
      actorId: apiKeyId,
      action: 'api_key.used',
      subjectKind: 'api_key',
      subjectId: apiKeyId,
      details: { method: request.method, route: request.route, status: request.statusCode },
    }),
  );
}
