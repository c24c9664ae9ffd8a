/**
 * Events a client's endpoints may subscribe to, and how one becomes deliveries: a row in the
 * outbox for every endpoint that wants it, written in the caller's transaction, so an event
 * is delivered if and only if what it reports was committed.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ClientId, Trx } from '../db/tenancy.ts';
import type { WebhookEvent } from './tables.ts';

export const webhookEvents = [
  'feedback.created',
  'feedback.updated',
  'case.opened',
  'case.resolved',
  'response.sent',
  'optout.created',
] as const satisfies readonly WebhookEvent[];

/** Events that carry the customer's contact details to an endpoint allowed them (`include_contact`). */
export const contactEvents: ReadonlySet<WebhookEvent> = new Set(['feedback.created', 'feedback.updated', 'optout.created']);

/** Whose contact details the event is about: a feedback's end customer, or an opted-out number. */
export interface ContactSubject {
  endCustomerId?: string | null | undefined;
  mobileIndex?: Buffer | null | undefined;
}

/**
 * The client's endpoints, read once per transaction: a batch of feedback enqueues events of
 * several types (feedback.created, case.opened), mostly for clients with no endpoint at all.
 * No transaction both changes endpoints and enqueues events, so the first read holds.
 */
const endpointsByTransaction = new WeakMap<Trx, Promise<{ id: string; include_contact: boolean; events: WebhookEvent[] }[]>>();

function endpointsOf(trx: Trx, clientId: ClientId) {
  let endpoints = endpointsByTransaction.get(trx);
  if (!endpoints) {
    endpoints = trx.selectFrom('webhook_endpoints').select(['id', 'include_contact', 'events']).where('client_id', '=', clientId).execute();
    // Read ahead (`prepareWebhookEvents`), it may fail with its transaction before anyone
    // asks for it; whoever does still gets the failure.
    endpoints.catch(() => {});
    endpointsByTransaction.set(trx, endpoints);
  }
  return endpoints;
}

/**
 * Starts reading the client's endpoints for the events this transaction will enqueue, so that
 * the read shares a round trip with the caller's next statements (pipelined-transaction.ts).
 */
export function prepareWebhookEvents(trx: Trx, clientId: ClientId): void {
  void endpointsOf(trx, clientId);
}

/**
 * Queues `type` for every endpoint of the client subscribed to it (disabled ones too: they
 * catch up once re-enabled). Payloads carry ids and figures, never contact details: for an
 * endpoint allowed them, the delivery notes whose they are (`contact`), and the dispatcher
 * reads them as it sends.
 */
export async function enqueueWebhookEvent(trx: Trx, clientId: ClientId, type: WebhookEvent, data: Record<string, unknown>, contact: ContactSubject = {}): Promise<number> {
  return enqueueWebhookEvents(trx, clientId, type, [{ data, contact }]);
}

/** `enqueueWebhookEvent` for many events of one type: one look-up of the endpoints, one insert. */
export async function enqueueWebhookEvents(
  trx: Trx,
  clientId: ClientId,
  type: WebhookEvent,
  events: readonly { data: Record<string, unknown>; contact?: ContactSubject }[],
): Promise<number> {
  if (events.length === 0) return 0;
  const wanted = (await endpointsOf(trx, clientId)).filter((e) => e.events.includes(type));
  if (wanted.length === 0) return 0;
  const timestamp = new Date().toISOString();
  const carriesContact = contactEvents.has(type);
  const rows = events.flatMap(({ data, contact = {} }) => {
    const payload = JSON.stringify({ type, timestamp, data });
    return wanted.map((e) => ({
      client_id: clientId,
      endpoint_id: e.id,
      event_type: type,
      message_id: `msg_${randomUUID().replaceAll('-', '')}`,
      payload,
      next_attempt_at: sql<Date>`now()`,
      end_customer_id: carriesContact && e.include_contact ? (contact.endCustomerId ?? null) : null,
      mobile_index: carriesContact && e.include_contact ? (contact.mobileIndex ?? null) : null,
    }));
  });
  await trx.insertInto('webhook_deliveries').values(rows).execute();
  return rows.length;
}
