/**
 * The search behind a request: every client, each by its own blind indexes, then the job
 * queue. Each client where something was found gets an audit entry in its own chain, and
 * the whole search one in the operator chain. What was found is remembered per client
 * (privacy_request_subjects), so retention leaves those rows alone while the request is open.
 */
import { sql } from 'kysely';
import { appendAudit } from '../../audit/index.ts';
import type { Services } from '../../context.ts';
import { asClientId, withClient } from '../../db/tenancy.ts';
import { countRows, findPersonInClient, idsOf, type Identifier, type PersonInClient } from './find-person.ts';
import { listSearchableClients } from './queries.ts';

export interface ClientFindings {
  clientId: string;
  clientName: string;
  endCustomers: string[];
  counts: Record<string, number>;
}

export interface SearchResult {
  searchedAt: string;
  clientsSearched: number;
  clients: ClientFindings[];
  queuedJobs: Array<{ id: string; name: string; state: string }>;
}

/** Visits every client with the person's rows found there (read-only; no audit). */
export async function forEachClientWithPerson(
  services: Services,
  identifiers: readonly Identifier[],
  visit: (client: { id: string; name: string }, found: PersonInClient) => Promise<void>,
): Promise<number> {
  const clients = await listSearchableClients(services);
  for (const client of clients) {
    const clientId = asClientId(client.id);
    const found = await withClient(services.db, clientId, async (trx) => {
      const keyring = await services.keyrings.keyringFor(trx, clientId);
      return findPersonInClient(trx, keyring, identifiers);
    });
    const any = Object.values(countRows(found)).some((n) => n > 0);
    if (any) await visit(client, found);
  }
  return clients.length;
}

export async function searchForRequest(services: Services, requestId: string, operatorId: string, identifiers: readonly Identifier[]): Promise<SearchResult> {
  const findings: ClientFindings[] = [];
  const allIds: string[] = [];
  const clients = await listSearchableClients(services);
  for (const client of clients) {
    const clientId = asClientId(client.id);
    await withClient(services.db, clientId, async (trx) => {
      const keyring = await services.keyrings.keyringFor(trx, clientId);
      const found = await findPersonInClient(trx, keyring, identifiers);
      const counts = countRows(found);
      // The hold is replaced by what this search found.
      await trx.deleteFrom('privacy_request_subjects').where('client_id', '=', clientId).where('request_id', '=', requestId).execute();
      if (!Object.values(counts).some((n) => n > 0)) return;
      const customerIds = found.endCustomers.map((c) => c.id);
      const numbers = [...new Map(found.smsRecipients.map((r) => [r.mobile_index.toString('hex'), r.mobile_index])).values()];
      const subjects = [
        ...customerIds.map((id) => ({ client_id: clientId, request_id: requestId, end_customer_id: id, mobile_index: null })),
        ...numbers.map((index) => ({ client_id: clientId, request_id: requestId, end_customer_id: null, mobile_index: index })),
      ];
      if (subjects.length) await trx.insertInto('privacy_request_subjects').values(subjects).execute();
      await appendAudit(trx, {
        clientId,
        actorKind: 'operator',
        actorId: operatorId,
        action: 'privacy.request_searched',
        subjectKind: 'privacy_request',
        subjectId: requestId,
        details: counts,
      });
      findings.push({ clientId, clientName: client.name, endCustomers: customerIds, counts });
      allIds.push(...idsOf(found));
    });
  }
  const queuedJobs = await findQueuedJobs(services, allIds);
  const searchedAt = new Date();
  await services.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('privacy_requests')
      .set({ last_searched_at: searchedAt, updated_at: searchedAt })
      .where('id', '=', requestId)
      .execute();
    await appendAudit(trx, {
      clientId: null,
      actorKind: 'operator',
      actorId: operatorId,
      action: 'privacy.request_searched',
      subjectKind: 'privacy_request',
      subjectId: requestId,
      details: { clientsSearched: clients.length, clientsWithMatches: findings.length, queuedJobs: queuedJobs.length },
    });
  });
  return { searchedAt: searchedAt.toISOString(), clientsSearched: clients.length, clients: findings, queuedJobs };
}

/**
 * Jobs still waiting or running whose payload names one of the person's rows (payloads hold
 * ids, never contact details; the job then reads the contact details when it runs).
 */
export async function findQueuedJobs(services: Services, ids: readonly string[]): Promise<Array<{ id: string; name: string; state: string }>> {
  if (ids.length === 0) return [];
  const { rows } = await sql<{ id: string; name: string; state: string }>`
    select j.id::text as id, j.name, j.state::text as state from pgboss.job j
    where j.state in ('created', 'retry', 'active')
      and exists (select 1 from unnest(${[...ids]}::text[]) as t(v) where strpos(j.data::text, t.v) > 0)
    order by j.created_on`.execute(services.db);
  return rows;
}
