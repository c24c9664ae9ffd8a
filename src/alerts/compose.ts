/**
 * What an alert says. It links straight to the feedback in the portal and offers the
 * business's reply templates for that score, and it carries the score, place and comment
 * only: never the customer's name, email or number, whoever receives it.
 */
import type { Selectable } from 'kysely';
import type { Services } from '../context.ts';
import type { AlertsTable, Channel, Scale } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { scaleOf, scoreBandOf } from '../programmes/index.ts';
import { fillTemplate } from '../responses/index.ts';

type AlertRow = Selectable<AlertsTable>;

export interface AlertItem {
  alert: AlertRow;
  feedback: {
    id: string;
    scale: Scale;
    score: number;
    comment: string;
    channel: Channel;
    locationName: string;
    subMeasureName: string | null;
    submittedAt: Date;
    contactRequested: boolean;
  };
  caseDueAt: Date | null;
  templates: { id: string; name: string; body: string }[];
}

export interface AlertContext {
  clientName: string;
  timezone: string;
  publicUrl: string;
  recipientEmail: string | null;
  recipientName: string | null;
  items: AlertItem[];
}

/**
 * Everything an alert message needs, read in the client's transaction. `account` is the
 * recipient's account when the alert is for a member, read before the transaction (accounts
 * are not a client's rows).
 */
export async function loadAlertContext(
  services: Services,
  trx: Trx,
  clientId: ClientId,
  alerts: AlertRow[],
  account: RecipientAccount | null,
): Promise<AlertContext> {
  const client = await trx.selectFrom('clients').select(['name', 'timezone']).where('id', '=', clientId).executeTakeFirstOrThrow();
  const first = alerts[0] as AlertRow;
  const recipient = first.recipient_user_id ? await activeMember(trx, clientId, first.recipient_user_id, account) : null;
  const rows = await trx
    .selectFrom('feedback as f')
    .innerJoin('locations as l', (j) => j.onRef('l.client_id', '=', 'f.client_id').onRef('l.id', '=', 'f.location_id'))
    .leftJoin('sub_measures as s', (j) => j.onRef('s.client_id', '=', 'f.client_id').onRef('s.id', '=', 'f.sub_measure_id'))
    .leftJoin('cases as c', (j) => j.onRef('c.client_id', '=', 'f.client_id').onRef('c.feedback_id', '=', 'f.id'))
    .select(['f.id', 'f.scale', 'f.score', 'f.comment', 'f.channel', 'f.submitted_at', 'f.contact_requested', 'l.name as location_name', 's.name as sub_measure_name', 'c.due_at'])
    .where('f.client_id', '=', clientId)
    .where('f.id', 'in', alerts.map((a) => a.feedback_id))
    .execute();
  const templates = await trx
    .selectFrom('response_templates')
    .select(['id', 'name', 'body', 'score_band'])
    .where('client_id', '=', clientId)
    .where('archived_at', 'is', null)
    .orderBy('name')
    .execute();
  const items = alerts.flatMap((alert) => {
    const f = rows.find((r) => r.id === alert.feedback_id);
    if (!f) return [];
    const band = scoreBandOf(f.scale, f.score);
    const fill = { customer_name: 'there', business: client.name, location: f.location_name, staff_member: f.sub_measure_name ?? 'the team' };
    return [
      {
        alert,
        feedback: {
          id: f.id,
          scale: f.scale,
          score: f.score,
          comment: f.comment,
          channel: f.channel,
          locationName: f.location_name,
          subMeasureName: f.sub_measure_name,
          submittedAt: f.submitted_at,
          contactRequested: f.contact_requested,
        },
        caseDueAt: f.due_at,
        templates: templates.filter((t) => t.score_band === band || t.score_band === 'any').map((t) => ({ id: t.id, name: t.name, body: fillTemplate(t.body, fill) })),
      },
    ];
  });
  return {
    clientName: client.name,
    timezone: client.timezone,
    publicUrl: services.publicUrl,
    recipientEmail: recipient?.email ?? (first.channel === 'email' ? first.recipient_address : null),
    recipientName: recipient?.name ?? null,
    items,
  };
}

export interface RecipientAccount {
  email: string;
  name: string;
  mobile: string | null;
  disabled_at: Date | null;
}

export async function findRecipientAccount(services: Services, userId: string | null): Promise<RecipientAccount | null> {
  if (!userId) return null;
  return (await services.db.selectFrom('users').select(['email', 'name', 'mobile', 'disabled_at']).where('id', '=', userId).executeTakeFirst()) ?? null;
}

/** The member's address, if they still belong to the business and their account is active. */
async function activeMember(trx: Trx, clientId: ClientId, userId: string, account: RecipientAccount | null): Promise<{ email: string; name: string } | null> {
  const membership = await trx.selectFrom('memberships').select('user_id').where('client_id', '=', clientId).where('user_id', '=', userId).executeTakeFirst();
  return membership && account && !account.disabled_at ? { email: account.email, name: account.name } : null;
}

function scoreText(item: AlertItem): string {
  return `${item.feedback.score}/${scaleOf(item.feedback.scale).max}`;
}

function when(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-NZ', { timeZone: timezone, dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

function link(context: AlertContext, item: AlertItem, templateId?: string): string {
  return `${context.publicUrl}/portal/feedback/${item.feedback.id}${templateId ? `?template=${templateId}` : ''}`;
}

function describe(context: AlertContext, item: AlertItem): string[] {
  const f = item.feedback;
  const place = f.subMeasureName ? `${f.locationName} (${f.subMeasureName})` : f.locationName;
  return [
    `Score: ${scoreText(item)}`,
    `Where: ${place}`,
    `When: ${when(f.submittedAt, context.timezone)}`,
    `Comment: ${f.comment ? `"${f.comment}"` : '(none)'}`,
    ...(f.contactRequested ? ['The customer asked to be contacted.'] : []),
    ...(item.caseDueAt ? [`A case is open, due ${when(item.caseDueAt, context.timezone)}.`] : []),
  ];
}

export function composeAlertEmail(context: AlertContext): { to: string; subject: string; text: string } {
  const item = context.items[0] as AlertItem;
  const overdue = item.alert.kind === 'case_overdue';
  const subject = overdue
    ? `Overdue case at ${item.feedback.locationName}: ${scoreText(item)}`
    : `${scoreText(item)} at ${item.feedback.locationName}${item.feedback.comment ? `: "${truncate(item.feedback.comment, 60)}"` : ''}`;
  const lines = [
    context.recipientName ? `Kia ora ${context.recipientName},` : 'Kia ora,',
    '',
    overdue ? `A case at ${context.clientName} is past its due time and still open.` : `New feedback at ${context.clientName} needs a look.`,
    '',
    ...describe(context, item),
    '',
    `Open it in Hark: ${link(context, item)}`,
    ...(item.templates.length
      ? ['', 'Reply with a template:', ...item.templates.map((t) => `- ${t.name}: ${link(context, item, t.id)}\n  "${truncate(t.body, 160)}"`)]
      : []),
    '',
    'You receive this because of an alert rule of your business in Hark.',
  ];
  return { to: context.recipientEmail as string, subject, text: lines.join('\n') };
}

export function composeDigestEmail(context: AlertContext): { to: string; subject: string; text: string } {
  const lines = [
    context.recipientName ? `Kia ora ${context.recipientName},` : 'Kia ora,',
    '',
    `${context.items.length} feedback at ${context.clientName} matched your alert rules:`,
    ...context.items.flatMap((item) => ['', ...describe(context, item), `Open: ${link(context, item)}`]),
    '',
    'You receive this daily summary because of an alert rule of your business in Hark.',
  ];
  return { to: context.recipientEmail as string, subject: `${context.items.length} feedback to look at, ${context.clientName}`, text: lines.join('\n') };
}

export function composeAlertText(context: AlertContext, item: AlertItem): string {
  const comment = item.feedback.comment ? ` "${truncate(item.feedback.comment, 80)}"` : '';
  const lead = item.alert.kind === 'case_overdue' ? 'Overdue case' : 'Feedback';
  return `${context.clientName}: ${lead} ${scoreText(item)} at ${item.feedback.locationName}.${comment} ${link(context, item)}`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
