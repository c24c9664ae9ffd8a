/**
 * Sends one person their monthly report: the PDF of their own scope, attached to an email.
 * Retried sends carry the same Message-ID; a send already recorded is not repeated.
 */
import { expandLocationScope, withAccess, type Access } from '../../../accounts/index.ts';
import type { Services } from '../../../context.ts';
import { asClientId, withClient } from '../../../db/tenancy.ts';
import { gatherMonthlyReport } from '../gather-report.ts';
import { renderMonthlyReportBuffer } from '../render-pdf.ts';
import { slugOf } from '../routes.ts';
import type { SendMonthlyReport } from './plan-monthly-reports.ts';

export async function sendMonthlyReportJob(services: Services, job: SendMonthlyReport): Promise<void> {
  const clientId = asClientId(job.clientId);
  const monthStart = `${job.month}-01`;
  const state = await withClient(services.db, clientId, async (trx) => {
    const send = await trx
      .selectFrom('monthly_report_sends')
      .select('sent_at')
      .where('client_id', '=', clientId)
      .where('month', '=', monthStart)
      .where('user_id', '=', job.userId)
      .executeTakeFirst();
    const membership = await trx
      .selectFrom('memberships')
      .select(['role', 'location_scope'])
      .where('client_id', '=', clientId)
      .where('user_id', '=', job.userId)
      .executeTakeFirst();
    return { send, membership };
  });
  if (!state.send || state.send.sent_at || !state.membership) return; // sent, or no longer a member
  // Personnel accounts are not tenant rows: read as the owning role.
  const user = await services.db.selectFrom('users').select(['email', 'name', 'disabled_at']).where('id', '=', job.userId).executeTakeFirst();
  if (!user || user.disabled_at) return;

  const base = { clientId, userId: job.userId, role: state.membership.role };
  const scope = state.membership.location_scope;
  const locationIds = scope === null ? null : await withAccess(services.db, { ...base, locationIds: null }, (trx) => expandLocationScope(trx, clientId, scope));
  const access: Access = { ...base, locationIds };
  const gathered = await gatherMonthlyReport(services, access, { month: job.month });
  if (!gathered.ok) return;
  const { report } = gathered;
  const pdf = await renderMonthlyReportBuffer(report);
  const portal = new URL('/portal/reports', services.publicUrl).toString();
  await services.mailer.send({
    to: user.email,
    subject: `${report.clientName}: monthly report for ${report.monthLabel}`,
    text: [
      `Kia ora ${user.name},`,
      '',
      `Attached is the feedback report of ${report.clientName} for ${report.monthLabel} (${report.scopeLabel.toLowerCase()}): ${report.dashboard.responses} responses.`,
      '',
      `Reports of other months are in the portal: ${portal}`,
      'To stop these emails, turn off "Email me the monthly report" in your account in the portal.',
    ].join('\n'),
    messageKey: `monthly-report-${clientId}-${job.month}-${job.userId}`,
    attachments: [{ filename: `hark-monthly-report-${job.month}-${slugOf(report.clientName)}.pdf`, content: pdf, contentType: 'application/pdf' }],
  });
  await withClient(services.db, clientId, (trx) =>
    trx
      .updateTable('monthly_report_sends')
      .set({ sent_at: new Date() })
      .where('client_id', '=', clientId)
      .where('month', '=', monthStart)
      .where('user_id', '=', job.userId)
      .execute(),
  );
}
