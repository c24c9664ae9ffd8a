/**
 * Reminders to operator staff when an open request has been waiting 10 and 15 working days
 * (of its 20). Each reminder is claimed by one UPDATE … WHERE reminder_…_sent_at IS NULL,
 * so any number of worker processes send it once.
 */
import { appendAudit } from '../../../audit/index.ts';
import type { Services } from '../../../context.ts';
import { nzDay, workingDaysBetween } from '../../working-days.ts';
import { openStates } from '../states.ts';

const marks = [
  { days: 10, column: 'reminder_10_sent_at' },
  { days: 15, column: 'reminder_15_sent_at' },
] as const;

/** Sends the reminders due today; returns how many requests were reminded. */
export async function sendPrivacyRequestReminders(services: Services, today = nzDay()): Promise<number> {
  const open = await services.db
    .selectFrom('privacy_requests')
    .select(['id', 'kind', 'received_on', 'due_on', 'reminder_10_sent_at', 'reminder_15_sent_at'])
    .where('state', 'in', [...openStates])
    .where((eb) => eb.or([eb('reminder_10_sent_at', 'is', null), eb('reminder_15_sent_at', 'is', null)]))
    .execute();
  let sent = 0;
  for (const request of open) {
    const waited = workingDaysBetween(request.received_on, today);
    // The latest mark passed is the one to send; an earlier one missed is not sent late.
    const due = [...marks].reverse().find((m) => waited >= m.days && request[m.column] === null);
    if (!due) continue;
    const claimed = await services.db
      .updateTable('privacy_requests')
      .set({ [due.column]: new Date(), ...(due.days === 15 && request.reminder_10_sent_at === null ? { reminder_10_sent_at: new Date() } : {}) })
      .where('id', '=', request.id)
      .where(due.column, 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!claimed) continue;
    const operators = await services.db.selectFrom('users').select(['email', 'name']).where('kind', '=', 'operator').where('disabled_at', 'is', null).execute();
    const left = workingDaysBetween(today, request.due_on);
    for (const operator of operators) {
      await services.mailer.send({
        to: operator.email,
        subject: `Privacy request: ${due.days} working days gone, ${left} left`,
        text: [
          `Hello ${operator.name},`,
          '',
          `A privacy ${request.kind} request received ${request.received_on} has waited ${waited} working days. It is due on ${request.due_on} (${left} working days left).`,
          '',
          `Open it in the operator console: ${services.publicUrl}/portal/operator/privacy-requests/${request.id}`,
        ].join('\n'),
        messageKey: `privacy-reminder-${due.days}-${request.id}-${operator.email}`,
      });
    }
    await appendAudit(services.db, {
      clientId: null,
      actorKind: 'system',
      action: 'privacy.request_reminder_sent',
      subjectKind: 'privacy_request',
      subjectId: request.id,
      details: { workingDays: due.days, operators: operators.length },
    });
    sent += 1;
  }
  return sent;
}

/** Runs the reminders every few minutes in a worker process. */
export function scheduleReminders(services: Services): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    running ??= sendPrivacyRequestReminders(services)
      .catch((error: unknown) => process.emitWarning(`privacy reminders: ${error instanceof Error ? error.message : String(error)}`))
      .finally(() => (running = null));
  };
  const timer = setInterval(tick, services.config.privacy.reminderPollSeconds * 1000);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
