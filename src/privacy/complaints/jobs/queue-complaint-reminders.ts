/**
 * Finds complaints due a reminder (7 days before the due date, and on it) and queues one
 * email job per complaint and reminder. The reminder's row is the idempotency key: it is
 * inserted with the job in one transaction, so however often this runs, on however many
 * workers, each reminder is queued once.
 */
import type { Services } from '../../../context.ts';
import { reminderCutoff, reminderDue } from '../due-dates.ts';
import { COMPLAINT_REMINDER_QUEUE } from './send-complaint-reminder.ts';

/** Returns how many reminders it queued. `now` is a parameter so tests can pin it. */
export async function queueComplaintReminders(services: Services, now: Date = new Date()): Promise<number> {
  const candidates = await services.db
    .selectFrom('privacy_complaints as c')
    .leftJoin('privacy_complaint_reminders as r', (j) => j.onRef('r.complaint_id', '=', 'c.id').on('r.kind', '=', 'due_date'))
    .select(['c.id', 'c.status', 'c.received_at'])
    .where('c.status', 'in', ['received', 'investigating'])
    .where('c.received_at', '<', reminderCutoff(now))
    .where('r.complaint_id', 'is', null)
    .orderBy('c.received_at')
    .limit(500)
    .execute();
  let queued = 0;
  for (const c of candidates) {
    const kind = reminderDue({ receivedAt: c.received_at, status: c.status }, now);
    if (!kind) continue;
    const added = await services.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('privacy_complaint_reminders')
        .values({ complaint_id: c.id, kind })
        .onConflict((oc) => oc.columns(['complaint_id', 'kind']).doNothing())
        .returning('kind')
        .executeTakeFirst();
      if (!row) return false;
      await services.jobs.sendInTransaction(trx, COMPLAINT_REMINDER_QUEUE, { complaintId: c.id, kind });
      return true;
    });
    if (added) queued += 1;
  }
  return queued;
}

/** Runs `queueComplaintReminders` every `pollSeconds` in a worker process, until stopped. */
export class ComplaintReminderPoller {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;
  #stopped = false;

  constructor(
    private readonly services: Services,
    private readonly pollSeconds: number,
  ) {}

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
      this.#running = queueComplaintReminders(this.services)
        .catch((error: unknown) => process.emitWarning(`complaint reminders: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.#running = null;
          this.#schedule(this.pollSeconds * 1000);
        });
    }, delayMs);
  }
}
