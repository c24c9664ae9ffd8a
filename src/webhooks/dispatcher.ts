/**
 * The webhook dispatcher, one per worker process. Every few seconds it claims due
 * deliveries of enabled endpoints, across clients, and sends them:
 *
 *   claim   UPDATE … SET status 'sending', lease, attempts + 1 WHERE … FOR UPDATE SKIP LOCKED
 *   send    add contact details if the endpoint is allowed them (contact.ts), sign and POST
 *           (send-delivery.ts)
 *   settle  log the attempt (webhook_delivery_attempts); then 'succeeded'; or 'pending' again
 *           after an exponential delay; or 'failed' once the retry period is over. The
 *           endpoint's run of failures is counted, and an endpoint failing for long enough is
 *           disabled and its admins told by email. Each attempt is counted for /metrics.
 *
 * Once a minute it also forgets expired idempotency keys, and attempts and finished
 * deliveries older than DELIVERY_LOG_DAYS.
 *
 * As with alerts (src/alerts/dispatcher.ts), a worker that dies after claiming leaves its
 * rows to be claimed again once the lease runs out; a receiver may then see a message twice,
 * with the same webhook-id, which the Standard Webhooks spec asks receivers to deduplicate.
 */
import { sql, type Selectable } from 'kysely';
import { purgeExpiredIdempotencyKeys } from '../api-keys/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import { countWebhookAttempt } from '../counters.ts';
import type { Db } from '../db/connect.ts';
import { asClientId, withClient, type ClientId } from '../db/tenancy.ts';
import { payloadWithContact, readDeliveryContact } from './contact.ts';
import { contactEvents } from './events.ts';
import { openWebhookSecret } from './secrets.ts';
import { sendDelivery, type AttemptOutcome } from './send-delivery.ts';
import type { WebhookDeliveriesTable } from './tables.ts';

type DeliveryRow = Selectable<WebhookDeliveriesTable>;

const CLAIM_BATCH = 20;
const MAX_DELAY_SECONDS = 3600;
const PURGE_EVERY_MS = 60_000;
/** Attempts, and finished deliveries, are kept this long (replay reaches back as far). */
export const DELIVERY_LOG_DAYS = 30;

export class WebhookDispatcher {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #stopped = false;
  #lastPurge = 0;

  constructor(private readonly services: Services) {}

  start(): void {
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .catch((error: unknown) => process.emitWarning(`webhook dispatcher: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.#running = null;
          this.#schedule(this.services.config.integrations.webhooks.pollSeconds * 1000);
        });
    }, delayMs);
  }

  /** One round: send what is due. Returns the attempts made. */
  async runOnce(): Promise<number> {
    if (Date.now() - this.#lastPurge > PURGE_EVERY_MS) {
      this.#lastPurge = Date.now();
      await purgeExpiredIdempotencyKeys(this.services.db);
      await pruneDeliveryLog(this.services.db);
    }
    let attempted = 0;
    for (;;) {
      const claimed = await this.#claim();
      if (claimed.length === 0) return attempted;
      await Promise.all(claimed.map((delivery) => this.#attempt(delivery)));
      attempted += claimed.length;
      if (this.#stopped) return attempted;
    }
  }

  async #claim(): Promise<DeliveryRow[]> {
    const lease = `${this.services.config.integrations.webhooks.timeoutSeconds * 2 + 30} seconds`;
    const { rows } = await sql<DeliveryRow>`
      UPDATE webhook_deliveries SET status = 'sending', lease_until = now() + ${lease}::interval, attempts = attempts + 1, last_attempt_at = now()
      WHERE (client_id, id) IN (
        SELECT d.client_id, d.id FROM webhook_deliveries d
        JOIN webhook_endpoints e ON e.client_id = d.client_id AND e.id = d.endpoint_id
        WHERE e.enabled AND ((d.status = 'pending' AND d.next_attempt_at <= now()) OR (d.status = 'sending' AND d.lease_until < now()))
        ORDER BY d.next_attempt_at
        LIMIT ${CLAIM_BATCH}
        FOR UPDATE OF d SKIP LOCKED
      )
      RETURNING *`.execute(this.services.db);
    return rows;
  }

  async #attempt(delivery: DeliveryRow): Promise<void> {
    const clientId = asClientId(delivery.client_id);
    const settings = this.services.config.integrations.webhooks;
    const prepared = await withClient(this.services.db, clientId, async (trx) => {
      const endpoint = await trx
        .selectFrom('webhook_endpoints')
        .select(['id', 'url', 'secret_enc', 'include_contact'])
        .where('client_id', '=', clientId)
        .where('id', '=', delivery.endpoint_id)
        .executeTakeFirst();
      if (!endpoint) return null;
      // Contact details are read now, for this attempt only, and only while the endpoint is allowed them.
      const withContact = endpoint.include_contact && contactEvents.has(delivery.event_type);
      const payload = withContact ? payloadWithContact(delivery.payload, await readDeliveryContact(this.services, trx, clientId, delivery)) : delivery.payload;
      return { endpoint, payload };
    });
    if (!prepared) return;
    const { endpoint, payload } = prepared;
    const startedAt = new Date();
    let outcome: AttemptOutcome;
    try {
      outcome = await sendDelivery({
        url: endpoint.url,
        secret: openWebhookSecret(this.services.secrets.webhookSecrets, endpoint.id, endpoint.secret_enc),
        messageId: delivery.message_id,
        payload,
        timeoutMs: settings.timeoutSeconds * 1000,
        allowPrivate: settings.allowPrivate,
      });
    } catch (error) {
      outcome = { statusCode: null, succeeded: false, kind: 'other', error: error instanceof Error ? error.message : String(error), responseExcerpt: null, durationMs: 0 };
    }
    const settled = await settleAttempt(this.services, clientId, delivery, startedAt, outcome);
    countWebhookAttempt(delivery.event_type, outcome.succeeded ? 'delivered' : settled.givenUp ? 'gave_up' : 'failed_attempt', outcome.durationMs);
    if (settled.disabled) await tellAdminsOfDisabledEndpoint(this.services, clientId, endpoint.id, endpoint.url).catch(() => {});
  }
}

/**
 * Logs the attempt and moves the delivery on: succeeded, or pending again after its backoff,
 * or failed once the retry period is over. Says whether it gave up, and whether the
 * endpoint's run of failures disabled it.
 */
async function settleAttempt(
  services: Services,
  clientId: ClientId,
  delivery: DeliveryRow,
  startedAt: Date,
  outcome: AttemptOutcome,
): Promise<{ givenUp: boolean; disabled: boolean }> {
  const settings = services.config.integrations.webhooks;
  const now = new Date();
  return withClient(services.db, clientId, async (trx) => {
    // Gone (its endpoint was deleted while the attempt ran): nothing left to record.
    const exists = await trx.selectFrom('webhook_deliveries').select('id').where('client_id', '=', clientId).where('id', '=', delivery.id).executeTakeFirst();
    if (!exists) return { givenUp: false, disabled: false };
    await trx
      .insertInto('webhook_delivery_attempts')
      .values({
        client_id: clientId,
        delivery_id: delivery.id,
        attempt: delivery.attempts,
        started_at: startedAt,
        duration_ms: outcome.durationMs,
        outcome: outcome.kind,
        status_code: outcome.statusCode,
        error: outcome.error?.slice(0, 500) ?? null,
        response_excerpt: outcome.responseExcerpt,
      })
      .onConflict((oc) => oc.columns(['client_id', 'delivery_id', 'attempt']).doNothing())
      .execute();
    const last = { last_status_code: outcome.statusCode, last_error: outcome.error?.slice(0, 500) ?? null, last_duration_ms: outcome.durationMs, lease_until: null };
    const mine = (q: ReturnType<typeof trx.updateTable<'webhook_deliveries'>>) =>
      q.where('client_id', '=', clientId).where('id', '=', delivery.id).where('status', '=', 'sending').where('attempts', '=', delivery.attempts);
    if (outcome.succeeded) {
      await mine(trx.updateTable('webhook_deliveries').set({ ...last, status: 'succeeded', delivered_at: now })).execute();
      await trx
        .updateTable('webhook_endpoints')
        .set({ consecutive_failures: 0, failing_since: null })
        .where('client_id', '=', clientId)
        .where('id', '=', delivery.endpoint_id)
        .where('consecutive_failures', '>', 0)
        .execute();
      return { givenUp: false, disabled: false };
    }
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, settings.retryBaseSeconds * 2 ** Math.max(0, delivery.attempts - 1));
    const next = new Date(now.getTime() + delaySeconds * 1000);
    const givenUp = next.getTime() > delivery.created_at.getTime() + settings.retryHours * 3600_000;
    await mine(trx.updateTable('webhook_deliveries').set({ ...last, status: givenUp ? 'failed' : 'pending', next_attempt_at: next })).execute();
    const endpoint = await trx
      .updateTable('webhook_endpoints')
      .set({ consecutive_failures: sql`consecutive_failures + 1`, failing_since: sql`coalesce(failing_since, now())` })
      .where('client_id', '=', clientId)
      .where('id', '=', delivery.endpoint_id)
      .returning(['consecutive_failures', 'failing_since', 'enabled'])
      .executeTakeFirst();
    if (!endpoint?.enabled || !endpoint.failing_since) return { givenUp, disabled: false };
    const failingMinutes = (now.getTime() - endpoint.failing_since.getTime()) / 60_000;
    if (endpoint.consecutive_failures < settings.disableAfterFailures || failingMinutes < settings.disableAfterMinutes) return { givenUp, disabled: false };
    await trx
      .updateTable('webhook_endpoints')
      .set({ enabled: false, disabled_at: now, disabled_reason: `${endpoint.consecutive_failures} failed attempts in a row since ${endpoint.failing_since.toISOString()}` })
      .where('client_id', '=', clientId)
      .where('id', '=', delivery.endpoint_id)
      .execute();
    await appendAudit(trx, { clientId, actorKind: 'system', action: 'webhook_endpoint.disabled', subjectKind: 'webhook_endpoint', subjectId: delivery.endpoint_id, details: { failures: endpoint.consecutive_failures } });
    return { givenUp, disabled: true };
  });
}

/** Forgets attempts, and finished deliveries, older than DELIVERY_LOG_DAYS (over every client, as the owning role). */
export async function pruneDeliveryLog(db: Db): Promise<{ attempts: number; deliveries: number }> {
  const cutoff = new Date(Date.now() - DELIVERY_LOG_DAYS * 86_400_000);
  const attempts = await db.deleteFrom('webhook_delivery_attempts').where('started_at', '<', cutoff).executeTakeFirst();
  const deliveries = await db
    .deleteFrom('webhook_deliveries')
    .where('status', 'in', ['succeeded', 'failed'])
    .where('created_at', '<', cutoff)
    .where((eb) => eb.or([eb('last_attempt_at', 'is', null), eb('last_attempt_at', '<', cutoff)]))
    .executeTakeFirst();
  return { attempts: Number(attempts.numDeletedRows), deliveries: Number(deliveries.numDeletedRows) };
}

/** The business's owners and admins hear that an endpoint was switched off, and where to switch it back on. */
async function tellAdminsOfDisabledEndpoint(services: Services, clientId: ClientId, endpointId: string, url: string): Promise<void> {
  // Read as the owning role: the application role may not read accounts.
  const admins = await services.db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.email'])
    .where('m.client_id', '=', clientId)
    .where('m.role', 'in', ['owner', 'admin'])
    .where('u.disabled_at', 'is', null)
    .execute();
  const host = new URL(url).host;
  for (const admin of admins) {
    await services.mailer.send({
      to: admin.email,
      subject: 'Hark has disabled a webhook endpoint',
      text: [
        `Hark could not deliver events to your webhook endpoint at ${host} for some time, so it has stopped sending to it.`,
        '',
        'Events since then are kept. Once the endpoint answers again, enable it in Settings → Webhooks and they will be sent:',
        `${services.publicUrl}/portal/settings/webhooks`,
      ].join('\n'),
      messageKey: `webhook-disabled-${endpointId}-${Date.now()}`,
    });
  }
}
