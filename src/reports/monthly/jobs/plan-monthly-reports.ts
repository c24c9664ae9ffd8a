/**
 * Hourly: for every client whose local day is the first working day of a month, queue last
 * month's report for each subscribed member. A row in monthly_report_sends, inserted in the
 * transaction that enqueues the send, makes this idempotent per client, month and
 * recipient: later runs that day (or a second process) find the row and queue nothing.
 */
import type { Services } from '../../../context.ts';
import { asClientId, withClient } from '../../../db/tenancy.ts';
import { localDay } from '../../local-day.ts';
import { addMonths, firstWorkingDayOf, monthOfDay } from '../calendar.ts';
import { firstReportMonth } from '../gather-report.ts';
import { listSubscribers } from '../subscriptions.ts';

export const PLAN_MONTHLY_REPORTS_QUEUE = 'plan-monthly-reports';
export const SEND_MONTHLY_REPORT_QUEUE = 'send-monthly-report';
/** Every hour, so each client's first working day is caught soon after it starts in its own timezone. */
export const PLAN_MONTHLY_REPORTS_CRON = '17 * * * *';

export interface SendMonthlyReport {
  clientId: string;
  /** YYYY-MM */
  month: string;
  userId: string;
}

/** Queues the sends due at `now`; returns how many were queued. */
export async function planMonthlyReports(services: Services, now: Date): Promise<number> {
  // Every client's timezone, across clients, as the owning role (like the other schedules).
  const clients = await services.db.selectFrom('clients').select(['id', 'timezone', 'created_at']).orderBy('id').execute();
  let queued = 0;
  for (const client of clients) {
    const today = localDay(now, client.timezone);
    const thisMonth = monthOfDay(today);
    if (today !== firstWorkingDayOf(thisMonth)) continue;
    const month = addMonths(thisMonth, -1);
    const clientId = asClientId(client.id);
    queued += await withClient(services.db, clientId, async (trx) => {
      if (month < (await firstReportMonth(trx, clientId, client.timezone, client.created_at))) return 0;
      let count = 0;
      for (const subscriber of await listSubscribers(trx, clientId)) {
        const claimed = await trx
          .insertInto('monthly_report_sends')
          .values({ client_id: clientId, month: `${month}-01`, user_id: subscriber.userId })
          .onConflict((oc) => oc.doNothing())
          .returning('user_id')
          .executeTakeFirst();
        if (!claimed) continue;
        const job: SendMonthlyReport = { clientId, month, userId: subscriber.userId };
        await services.jobs.sendInTransaction(trx, SEND_MONTHLY_REPORT_QUEUE, job);
        count += 1;
      }
      return count;
    });
  }
  return queued;
}

export async function planMonthlyReportsJob(services: Services): Promise<void> {
  await planMonthlyReports(services, new Date());
}
