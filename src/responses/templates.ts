/**
 * Response templates: the replies an admin prepares per score band, offered when answering
 * a feedback. Placeholders are filled when a template is chosen: {customer_name},
 * {business}, {location}, {staff_member}.
 */
import { appendAudit } from '../audit/index.ts';
import type { Access } from '../accounts/index.ts';
import { withAccess } from '../accounts/index.ts';
import type { Services } from '../context.ts';
import type { ScoreBand } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';

export const defaultTemplates: ReadonlyArray<{ name: string; score_band: ScoreBand; subject: string; body: string }> = [
  {
    name: 'Sorry, we will put it right',
    score_band: 'low',
    subject: 'About your visit to {location}',
    body: 'Kia ora {customer_name},\n\nThank you for telling us about your visit to {location}, and I am sorry it fell short. I would like to put it right: could you reply with a good time to call you, or tell me a little more about what happened?\n\nNgā mihi,\n{business}',
  },
  {
    name: 'Thanks, tell us more',
    score_band: 'middle',
    subject: 'Thank you for your feedback',
    body: 'Kia ora {customer_name},\n\nThank you for your feedback on {location}. What one thing would have made your visit better? Just reply to this email: it comes straight to us.\n\nNgā mihi,\n{business}',
  },
  {
    name: 'Thank you!',
    score_band: 'high',
    subject: 'Thank you for the kind words',
    body: 'Kia ora {customer_name},\n\nThank you so much for your kind feedback on {location}. I have passed it on to the team, and we look forward to seeing you again.\n\nNgā mihi,\n{business}',
  },
];

/** Gives a new client the default templates, so replying works from day one. */
export async function createDefaultTemplates(trx: Trx, clientId: ClientId): Promise<void> {
  await trx
    .insertInto('response_templates')
    .values(defaultTemplates.map((t) => ({ client_id: clientId, ...t })))
    .execute();
}

export interface TemplateInput {
  name: string;
  scoreBand: ScoreBand;
  subject: string;
  body: string;
}

function presentTemplate(row: { id: string; name: string; score_band: ScoreBand; subject: string; body: string; updated_at: Date }) {
  return { id: row.id, name: row.name, scoreBand: row.score_band, subject: row.subject, body: row.body, updatedAt: row.updated_at.toISOString() };
}

export async function listTemplates(services: Services, access: Access) {
  const rows = await withAccess(services.db, access, (trx) =>
    trx
      .selectFrom('response_templates')
      .select(['id', 'name', 'score_band', 'subject', 'body', 'updated_at'])
      .where('client_id', '=', access.clientId)
      .where('archived_at', 'is', null)
      .orderBy('score_band')
      .orderBy('name')
      .execute(),
  );
  return rows.map(presentTemplate);
}

export async function createTemplate(services: Services, access: Access, input: TemplateInput) {
  return withAccess(services.db, access, async (trx) => {
    const row = await trx
      .insertInto('response_templates')
      .values({ client_id: access.clientId, name: input.name, score_band: input.scoreBand, subject: input.subject, body: input.body })
      .returning(['id', 'name', 'score_band', 'subject', 'body', 'updated_at'])
      .executeTakeFirstOrThrow();
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'response_template.created', subjectKind: 'response_template', subjectId: row.id });
    return presentTemplate(row);
  });
}

export async function updateTemplate(services: Services, access: Access, id: string, input: Partial<TemplateInput>) {
  return withAccess(services.db, access, async (trx) => {
    const row = await trx
      .updateTable('response_templates')
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.scoreBand !== undefined ? { score_band: input.scoreBand } : {}),
        ...(input.subject !== undefined ? { subject: input.subject } : {}),
        ...(input.body !== undefined ? { body: input.body } : {}),
        updated_at: new Date(),
      })
      .where('client_id', '=', access.clientId)
      .where('id', '=', id)
      .where('archived_at', 'is', null)
      .returning(['id', 'name', 'score_band', 'subject', 'body', 'updated_at'])
      .executeTakeFirst();
    if (!row) return null;
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'response_template.updated', subjectKind: 'response_template', subjectId: id, details: { fields: Object.keys(input).join(',') } });
    return presentTemplate(row);
  });
}

export async function archiveTemplate(services: Services, access: Access, id: string): Promise<boolean> {
  return withAccess(services.db, access, async (trx) => {
    const row = await trx
      .updateTable('response_templates')
      .set({ archived_at: new Date() })
      .where('client_id', '=', access.clientId)
      .where('id', '=', id)
      .where('archived_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (row) await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'response_template.archived', subjectKind: 'response_template', subjectId: id });
    return Boolean(row);
  });
}

export function fillTemplate(text: string, values: Record<'customer_name' | 'business' | 'location' | 'staff_member', string>): string {
  return text.replace(/\{(customer_name|business|location|staff_member)\}/g, (_, key: keyof typeof values) => values[key]);
}
