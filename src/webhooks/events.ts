/**
 * Events a client's endpoints may subscribe to, and how one becomes deliveries: a row in the
 * outbox for every endpoint that wants it, written in the caller's transaction, so an event
 * is delivered if and only if what it reports was committed.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { ClientId, Trx } from '../db/tenancy.ts';
import type { WebhookEvent } from './tables.ts';

export const webhookEvents = ['feedback.created', 'case.opened', 'case.resolved'] as const satisfies readonly WebhookEvent[];

/**
 * Queues `type` for every endpoint of the client subscribed to it (disabled ones too: they
 * catch up once re-enabled). Payloads carry ids and figures, never contact details.
 */
export async function enqueueWebhookEvent(trx: Trx, clientId: ClientId, type: WebhookEvent, data: Record<string, unknown>): Promise<number> {
  const wanted = await trx
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('client_id', '=', clientId)
    .where(sql<boolean>`${type} = any(events)`)
    .execute();
  if (wanted.length === 0) return 0;
  const timestamp = new Date();
  const payload = JSON.stringify({ type, timestamp: timestamp.toISOString(), data });
  await trx
    .insertInto('webhook_deliveries')
    .values(wanted.map((e) => ({ client_id: clientId, endpoint_id: e.id, event_type: type, message_id: `msg_${randomUUID().replaceAll('-', '')}`, payload, next_attempt_at: sql<Date>`now()` })))
    .execute();
  return wanted.length;
}
