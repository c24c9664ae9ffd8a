/** Reading privacy requests (operator tables: run as the owning role, outside any tenant). */
import type { Selectable } from 'kysely';
import type { Services } from '../../context.ts';
import type { PrivacyRequestsTable } from '../../db/schema.ts';
import type { Identifier } from './find-person.ts';
import { requestSecrets } from './secrets.ts';

export type PrivacyRequestRow = Selectable<PrivacyRequestsTable>;

export interface LoadedRequest {
  row: PrivacyRequestRow;
  name: string;
  details: string | null;
  identifiers: Array<Identifier & { verified: boolean }>;
}

export async function loadRequest(services: Services, requestId: string): Promise<LoadedRequest | null> {
  const row = await services.db.selectFrom('privacy_requests').selectAll().where('id', '=', requestId).executeTakeFirst();
  if (!row) return null;
  const secrets = requestSecrets(services);
  const identifiers = await services.db
    .selectFrom('privacy_request_identifiers')
    .select(['kind', 'value_enc', 'verified_at'])
    .where('request_id', '=', requestId)
    .orderBy('kind')
    .execute();
  return {
    row,
    name: secrets.open(`request-name:${row.id}`, row.name_enc),
    details: row.details_enc ? secrets.open(`request-details:${row.id}`, row.details_enc) : null,
    identifiers: identifiers.map((i) => ({ kind: i.kind, value: secrets.open(`request-${i.kind}:${row.id}`, i.value_enc), verified: i.verified_at !== null })),
  };
}

export function verifiedIdentifiers(request: LoadedRequest): Identifier[] {
  return request.identifiers.filter((i) => i.verified).map(({ kind, value }) => ({ kind, value }));
}

/** Clients with keys, in name order: every one is searched. */
export function listSearchableClients(services: Services) {
  return services.db
    .selectFrom('clients as c')
    .innerJoin('client_keys as k', 'k.client_id', 'c.id')
    .select(['c.id', 'c.name'])
    .orderBy('c.name')
    .orderBy('c.id')
    .execute();
}
