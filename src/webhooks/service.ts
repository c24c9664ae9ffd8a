/** A client's webhook endpoints and their deliveries, managed by admins (or keys with settings:manage). */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { can, withAccess, type Access } from '../accounts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { Trx } from '../db/tenancy.ts';
import type { AttemptView, DeliveryView, EndpointView } from './schemas.ts';
import { generateWebhookSecret, sealWebhookSecret } from './secrets.ts';
import type { WebhookDeliveriesTable, WebhookDeliveryAttemptsTable, WebhookEndpointsTable, WebhookEvent } from './tables.ts';
import { checkEndpointUrl, type UrlRefusal } from './url-safety.ts';

export type WebhookRefusal = 'not_found' | 'delivery_in_flight' | 'contact_not_allowed' | UrlRefusal;
export type WebhookResult<T> = { ok: true; value: T } | { ok: false; reason: WebhookRefusal };

function presentEndpoint(row: Selectable<WebhookEndpointsTable>): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabledAt: row.disabled_at?.toISOString() ?? null,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    includeContact: row.include_contact,
    createdAt: row.created_at.toISOString(),
  };
}

function presentDelivery(row: Selectable<WebhookDeliveriesTable>): DeliveryView {
  return {
    id: row.id,
    eventType: row.event_type,
    messageId: row.message_id,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    lastDurationMs: row.last_duration_ms,
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    payload: row.payload,
  };
}

function presentAttempt(row: Selectable<WebhookDeliveryAttemptsTable>): AttemptView {
  return {
    attempt: row.attempt,
    startedAt: row.started_at.toISOString(),
    durationMs: row.duration_ms,
    outcome: row.outcome,
    statusCode: row.status_code,
    error: row.error,
    responseExcerpt: row.response_excerpt,
  };
}

/** Settings are the whole client's, whatever the caller's location scope. */
function asClient(access: Access): Access {
  return { ...access, locationIds: null };
}

function actorOf(access: Access) {
  return access.apiKey ? { actorKind: 'api_key' as const, actorId: access.apiKey.id } : { actorKind: 'user' as const, actorId: access.userId };
}

function audit(trx: Trx, access: Access, action: string, endpointId: string, details: Record<string, string | number | boolean | null> = {}) {
  return appendAudit(trx, { clientId: access.clientId, ...actorOf(access), action, subjectKind: 'webhook_endpoint', subjectId: endpointId, details });
}

/** Who sends customers' contact details out of Hark, and when, is on the record. */
function auditContactSetting(trx: Trx, access: Access, endpointId: string, host: string, included: boolean) {
  return audit(trx, access, included ? 'webhook_endpoint.contact_included' : 'webhook_endpoint.contact_excluded', endpointId, { host });
}

export async function listEndpoints(services: Services, access: Access): Promise<EndpointView[]> {
  const rows = await withAccess(services.db, asClient(access), (trx) =>
    trx.selectFrom('webhook_endpoints').selectAll().where('client_id', '=', access.clientId).orderBy('created_at').execute(),
  );
  return rows.map(presentEndpoint);
}

export async function createEndpoint(
  services: Services,
  access: Access,
  input: { url: string; events: WebhookEvent[]; description: string; includeContact: boolean },
): Promise<WebhookResult<{ endpoint: EndpointView; secret: string }>> {
  const checked = checkEndpointUrl(input.url, services.config.integrations.webhooks.allowPrivate);
  if (!checked.ok) return checked;
  if (input.includeContact && !can(access, 'contact.read')) return { ok: false, reason: 'contact_not_allowed' };
  const id = randomUUID();
  const secret = generateWebhookSecret();
  const row = await withAccess(services.db, asClient(access), async (trx) => {
    const inserted = await trx
      .insertInto('webhook_endpoints')
      .values({
        client_id: access.clientId,
        id,
        url: checked.url.toString(),
        description: input.description,
        events: [...new Set(input.events)],
        secret_enc: sealWebhookSecret(services.secrets.webhookSecrets, id, secret),
        include_contact: input.includeContact,
        created_by: access.apiKey ? null : access.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, access, 'webhook_endpoint.created', id, { host: checked.url.host, events: inserted.events.join(','), include_contact: inserted.include_contact });
    if (inserted.include_contact) await auditContactSetting(trx, access, id, checked.url.host, true);
    return inserted;
  });
  return { ok: true, value: { endpoint: presentEndpoint(row), secret } };
}

export async function updateEndpoint(
  services: Services,
  access: Access,
  endpointId: string,
  change: { url?: string | undefined; events?: WebhookEvent[] | undefined; description?: string | undefined; includeContact?: boolean | undefined; enabled?: true | undefined },
): Promise<WebhookResult<EndpointView>> {
  if (change.includeContact && !can(access, 'contact.read')) return { ok: false, reason: 'contact_not_allowed' };
  let url: string | undefined;
  if (change.url !== undefined) {
    const checked = checkEndpointUrl(change.url, services.config.integrations.webhooks.allowPrivate);
    if (!checked.ok) return checked;
    url = checked.url.toString();
  }
  const row = await withAccess(services.db, asClient(access), async (trx) => {
    const before = await trx
      .selectFrom('webhook_endpoints')
      .select('include_contact')
      .where('client_id', '=', access.clientId)
      .where('id', '=', endpointId)
      .forUpdate()
      .executeTakeFirst();
    if (!before) return null;
    const updated = await trx
      .updateTable('webhook_endpoints')
      .set({
        ...(url !== undefined ? { url } : {}),
        ...(change.events ? { events: [...new Set(change.events)] } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        ...(change.includeContact !== undefined ? { include_contact: change.includeContact } : {}),
        ...(change.enabled ? { enabled: true, disabled_at: null, disabled_reason: null, consecutive_failures: 0, failing_since: null } : {}),
      })
      .where('client_id', '=', access.clientId)
      .where('id', '=', endpointId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, access, change.enabled ? 'webhook_endpoint.enabled' : 'webhook_endpoint.changed', endpointId, { fields: Object.keys(change).sort().join(',') });
    if (updated.include_contact !== before.include_contact) await auditContactSetting(trx, access, endpointId, new URL(updated.url).host, updated.include_contact);
    return updated;
  });
  return row ? { ok: true, value: presentEndpoint(row) } : { ok: false, reason: 'not_found' };
}

export async function deleteEndpoint(services: Services, access: Access, endpointId: string): Promise<boolean> {
  return withAccess(services.db, asClient(access), async (trx) => {
    const deleted = await trx.deleteFrom('webhook_endpoints').where('client_id', '=', access.clientId).where('id', '=', endpointId).returning('url').executeTakeFirst();
    if (deleted) await audit(trx, access, 'webhook_endpoint.deleted', endpointId, { host: new URL(deleted.url).host });
    return Boolean(deleted);
  });
}

export async function listDeliveries(services: Services, access: Access, endpointId: string, limit: number): Promise<DeliveryView[] | null> {
  return withAccess(services.db, asClient(access), async (trx) => {
    const endpoint = await trx.selectFrom('webhook_endpoints').select('id').where('client_id', '=', access.clientId).where('id', '=', endpointId).executeTakeFirst();
    if (!endpoint) return null;
    const rows = await trx
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('client_id', '=', access.clientId)
      .where('endpoint_id', '=', endpointId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(presentDelivery);
  });
}

/** A delivery's attempts, first to last (null when the endpoint or delivery is not the client's). */
export async function listAttempts(services: Services, access: Access, endpointId: string, deliveryId: string): Promise<AttemptView[] | null> {
  return withAccess(services.db, asClient(access), async (trx) => {
    const delivery = await trx
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('client_id', '=', access.clientId)
      .where('endpoint_id', '=', endpointId)
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    if (!delivery) return null;
    const rows = await trx
      .selectFrom('webhook_delivery_attempts')
      .selectAll()
      .where('client_id', '=', access.clientId)
      .where('delivery_id', '=', deliveryId)
      .orderBy('attempt')
      .execute();
    return rows.map(presentAttempt);
  });
}

/** Sends a past delivery again: the same payload and webhook-id, as a new attempt, now. */
export async function replayDelivery(services: Services, access: Access, endpointId: string, deliveryId: string): Promise<WebhookResult<DeliveryView>> {
  return withAccess(services.db, asClient(access), async (trx) => {
    const current = await trx
      .selectFrom('webhook_deliveries')
      .select('status')
      .where('client_id', '=', access.clientId)
      .where('endpoint_id', '=', endpointId)
      .where('id', '=', deliveryId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) return { ok: false, reason: 'not_found' } as const;
    if (current.status === 'sending') return { ok: false, reason: 'delivery_in_flight' } as const;
    const row = await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: new Date(), lease_until: null })
      .where('client_id', '=', access.clientId)
      .where('id', '=', deliveryId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await audit(trx, access, 'webhook_delivery.replayed', endpointId, { delivery_id: deliveryId });
    return { ok: true, value: presentDelivery(row) } as const;
  });
}
