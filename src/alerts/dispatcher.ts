/**
 * The alert dispatcher, one per worker process. Every few seconds it claims due alerts from
 * the outbox, across clients, and sends them:
 *
 *   claim   UPDATE … SET status 'sending', lease … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
 *   send    email through the mailer (Message-ID alert-<id>), or a text queued in the SMS outbox
 *   settle  'sent' (or back to 'pending' with a delay, or 'failed' after MAX_ATTEMPTS)
 *
 * Two dispatchers never claim the same row: SKIP LOCKED hands each row to one of them, and a
 * claimed row is not due again until its lease runs out; a dispatcher renews the lease
 * while its mail server is slow. A dispatcher killed after claiming stops renewing, and its
 * rows are claimed again once the lease runs out, so no alert is lost. (One killed in the
 * instant between the mail server accepting a message and settling its row would have that
 * one message sent again, with the same Message-ID.)
 *
 * Why not pg-boss: a job whose worker died is retried only after pg-boss's expiry and
 * maintenance run, minutes later; digests must gather every due alert of one recipient;
 * and deferred alerts need their due time queried. An outbox table does all three.
 *
 * The claim runs as the owning role (it reads every client's due rows, nothing else); each
 * alert is then read and settled inside its own client's transaction.
 */
import { sql } from 'kysely';
import type { Services } from '../context.ts';
import type { Selectable } from 'kysely';
import type { AlertsTable } from '../db/schema.ts';
import { asClientId, withClient, type ClientId } from '../db/tenancy.ts';
import { retryWhileDatabaseUnavailable } from '../db/unavailable.ts';
import { escalateOverdueCases } from '../cases/escalation.ts';
import { composeAlertEmail, composeAlertText, composeDigestEmail, findRecipientAccount, loadAlertContext } from './compose.ts';
import { queueStaffText } from '../sms/index.ts';

type AlertRow = Selectable<AlertsTable>;

export const MAX_ATTEMPTS = 8;
const CLAIM_BATCH = 20;

export interface DispatcherOptions {
  pollMs: number;
  leaseSeconds: number;
}

export class AlertDispatcher {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #stopped = false;

  constructor(
    private readonly services: Services,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.#schedule(0);
  }

  /** Stops polling and waits for the round in hand to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .catch((error: unknown) => process.emitWarning(`alert dispatcher: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.#running = null;
          this.#schedule(this.options.pollMs);
        });
    }, delayMs);
  }

  /** One round: escalate what is overdue, then send what is due. Returns the alerts it settled. */
  async runOnce(): Promise<number> {
    await escalateOverdueCases(this.services);
    let settled = 0;
    for (;;) {
      const claimed = await this.#claim();
      if (claimed.length === 0) return settled;
      for (const group of groupForSending(claimed)) {
        await this.#deliver(group);
        settled += group.length;
      }
      if (this.#stopped) return settled;
    }
  }

  async #claim(): Promise<AlertRow[]> {
    const lease = `${this.options.leaseSeconds} seconds`;
    const { rows } = await sql<AlertRow>`
      UPDATE alerts SET status = 'sending', lease_until = now() + ${lease}::interval, attempts = attempts + 1
      WHERE (client_id, id) IN (
        SELECT client_id, id FROM alerts
        WHERE (status = 'pending' AND send_after <= now()) OR (status = 'sending' AND lease_until < now())
        ORDER BY send_after
        LIMIT ${CLAIM_BATCH}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING *`.execute(this.services.db);
    return rows;
  }

  async #deliver(group: AlertRow[]): Promise<void> {
    const first = group[0] as AlertRow;
    const clientId = asClientId(first.client_id);
    try {
      if (first.channel === 'sms') await this.#text(clientId, first);
      else await this.#email(clientId, group);
    } catch (error) {
      await settleFailure(this.services, clientId, group, error instanceof Error ? error.message : String(error));
    }
  }

  /** A text is queued in the SMS outbox and the alert settled in one transaction: exactly once. */
  async #text(clientId: ClientId, alert: AlertRow): Promise<void> {
    const account = await findRecipientAccount(this.services, alert.recipient_user_id);
    await withClient(this.services.db, clientId, async (trx) => {
      if (!(await stillMine(trx, clientId, [alert]))) return;
      const context = await loadAlertContext(this.services, trx, clientId, [alert], account);
      const item = context.items[0];
      const mobile = alert.recipient_user_id ? (context.recipientName ? account?.mobile : null) : alert.recipient_address;
      if (!item || !mobile) {
        await settleAs(trx, clientId, [alert.id], 'failed', 'The recipient has no active account with a mobile.');
        return;
      }
      await queueStaffText(this.services, trx, clientId, mobile, composeAlertText(context, item), alert.location_id);
      await settleSent(trx, clientId, [alert]);
    });
  }

  async #email(clientId: ClientId, group: AlertRow[]): Promise<void> {
    const account = await findRecipientAccount(this.services, (group[0] as AlertRow).recipient_user_id);
    const message = await withClient(this.services.db, clientId, async (trx) => {
      if (!(await stillMine(trx, clientId, group))) return null;
      const context = await loadAlertContext(this.services, trx, clientId, group, account);
      if (!context.recipientEmail) {
        await settleAs(trx, clientId, group.map((a) => a.id), 'failed', 'The recipient has no active account or address.');
        return null;
      }
      return group.length > 1 || (group[0] as AlertRow).digest ? composeDigestEmail(context) : composeAlertEmail(context);
    });
    if (!message) return;
    await this.#holdingLease(group, () => this.services.mailer.send({ ...message, messageKey: `alert-${(group[0] as AlertRow).id}` }));
    // The mail is out: a database that is restarting just now is waited for (well within the
    // lease), or the lease would run out and the alert be sent a second time.
    await retryWhileDatabaseUnavailable(() => withClient(this.services.db, clientId, (trx) => settleSent(trx, clientId, group)), {
      patienceMs: (this.options.leaseSeconds * 1000) / 2,
    });
  }

  /**
   * Renews the group's lease while `work` runs, so a slow mail server cannot make another
   * worker think this one died and send the alert again. Only a worker that is alive renews:
   * one that was killed stops renewing, and its lease runs out.
   */
  async #holdingLease<T>(group: AlertRow[], work: () => Promise<T>): Promise<T> {
    const renewEveryMs = Math.max(200, (this.options.leaseSeconds * 1000) / 3);
    const renew = setInterval(() => {
      void sql`
        UPDATE alerts SET lease_until = now() + ${`${this.options.leaseSeconds} seconds`}::interval
        WHERE status = 'sending' AND (client_id, id, attempts) IN (${sql.join(group.map((a) => sql`(${a.client_id}::uuid, ${a.id}::uuid, ${a.attempts}::int)`))})`
        .execute(this.services.db)
        .catch(() => {});
    }, renewEveryMs);
    try {
      return await work();
    } finally {
      clearInterval(renew);
    }
  }
}

/** Digest alerts of one recipient and channel go as one message; every other alert on its own. */
function groupForSending(alerts: AlertRow[]): AlertRow[][] {
  const groups = new Map<string, AlertRow[]>();
  for (const alert of alerts) {
    const key = alert.digest ? `${alert.client_id}:${alert.channel}:${alert.recipient_user_id ?? alert.recipient_address}` : alert.id;
    groups.set(key, [...(groups.get(key) ?? []), alert]);
  }
  return [...groups.values()];
}

/** Still claimed by this round (not re-claimed by another after a lease ran out); locks the rows. */
async function stillMine(trx: Parameters<typeof settleSent>[0], clientId: ClientId, group: AlertRow[]): Promise<boolean> {
  const rows = await trx
    .selectFrom('alerts')
    .select(['id', 'attempts', 'status'])
    .where('client_id', '=', clientId)
    .where('id', 'in', group.map((a) => a.id))
    .forUpdate()
    .execute();
  return rows.length === group.length && rows.every((r) => r.status === 'sending' && r.attempts === group.find((a) => a.id === r.id)?.attempts);
}

/** Settles only rows still held by this claim (same attempt), so the record stays true. */
async function settleSent(trx: Parameters<typeof settleAs>[0], clientId: ClientId, group: AlertRow[]): Promise<void> {
  for (const alert of group) {
    await trx
      .updateTable('alerts')
      .set({ status: 'sent', sent_at: new Date(), lease_until: null, error: null })
      .where('client_id', '=', clientId)
      .where('id', '=', alert.id)
      .where('status', '=', 'sending')
      .where('attempts', '=', alert.attempts)
      .execute();
  }
}

async function settleAs(trx: import('../db/tenancy.ts').Trx, clientId: ClientId, ids: string[], status: 'failed', error: string): Promise<void> {
  await trx.updateTable('alerts').set({ status, error, lease_until: null }).where('client_id', '=', clientId).where('id', 'in', ids).execute();
}

/** A failed send is tried again later, with a growing delay, up to MAX_ATTEMPTS. */
async function settleFailure(services: Services, clientId: ClientId, group: AlertRow[], error: string): Promise<void> {
  const attempts = Math.max(...group.map((a) => a.attempts));
  const delaySeconds = Math.min(3600, 5 * 2 ** attempts);
  await withClient(services.db, clientId, async (trx) => {
    for (const alert of group) {
      await trx
        .updateTable('alerts')
        .set({
          status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
          send_after: new Date(Date.now() + delaySeconds * 1000),
          lease_until: null,
          error: error.slice(0, 500),
        })
        .where('client_id', '=', clientId)
        .where('id', '=', alert.id)
        .where('status', '=', 'sending')
        .where('attempts', '=', alert.attempts)
        .execute();
    }
  });
}
