/** Admins' management of alert rules: list, add, replace, delete; each change audited. */
import { withAccess, type Access } from '../accounts/index.ts';
import { appendAudit } from '../audit/index.ts';
import type { Services } from '../context.ts';
import type { Trx } from '../db/tenancy.ts';
import { forgetRules, toAlertRule, type AlertRule } from './rules.ts';
import type { AlertRuleBody } from './schemas.ts';

export type RuleChange = { ok: true; rule: AlertRule } | { ok: false; reason: 'not_found' | 'unknown_location' | 'unknown_assignee' };

export async function listRules(services: Services, access: Access): Promise<AlertRule[]> {
  const rows = await withAccess(services.db, access, (trx) => trx.selectFrom('alert_rules').selectAll().where('client_id', '=', access.clientId).orderBy('created_at').execute());
  return rows.map(toAlertRule);
}

function columns(access: Access, body: AlertRuleBody) {
  return {
    name: body.name,
    enabled: body.enabled,
    match: body.match,
    low_band: body.conditions.lowBand,
    score_at_most: body.conditions.scoreAtMost,
    complaint: body.conditions.complaint,
    contact_requested: body.conditions.contactRequested,
    keywords: [...new Set(body.conditions.keywords)],
    location_ids: body.locationIds,
    recipient_roles: [...new Set(body.recipients.roles)],
    extra_emails: [...new Set(body.recipients.emails)],
    extra_mobiles: [...new Set(body.recipients.mobiles)],
    channels: [...new Set(body.channels)],
    delivery: body.delivery,
    digest_hour: body.digestHour,
    defer_weekends: body.deferWeekends,
    defer_outside_hours: body.deferOutsideHours,
    opens_case: body.opensCase,
    case_assignee_user_id: body.caseAssigneeUserId,
    client_id: access.clientId,
  };
}

async function check(trx: Trx, access: Access, body: AlertRuleBody): Promise<RuleChange | null> {
  if (body.locationIds) {
    const found = await trx.selectFrom('locations').select('id').where('client_id', '=', access.clientId).where('id', 'in', body.locationIds).execute();
    if (found.length !== new Set(body.locationIds).size) return { ok: false, reason: 'unknown_location' };
  }
  if (body.caseAssigneeUserId) {
    const member = await trx.selectFrom('memberships').select('role').where('client_id', '=', access.clientId).where('user_id', '=', body.caseAssigneeUserId).executeTakeFirst();
    if (!member || member.role === 'viewer') return { ok: false, reason: 'unknown_assignee' };
  }
  return null;
}

export async function createRule(services: Services, access: Access, body: AlertRuleBody): Promise<RuleChange> {
  const result = await withAccess(services.db, access, async (trx): Promise<RuleChange> => {
    const refused = await check(trx, access, body);
    if (refused) return refused;
    const row = await trx.insertInto('alert_rules').values(columns(access, body)).returningAll().executeTakeFirstOrThrow();
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'alert_rule.created', subjectKind: 'alert_rule', subjectId: row.id });
    return { ok: true, rule: toAlertRule(row) };
  });
  forgetRules(access.clientId);
  return result;
}

export async function replaceRule(services: Services, access: Access, ruleId: string, body: AlertRuleBody): Promise<RuleChange> {
  const result = await withAccess(services.db, access, async (trx): Promise<RuleChange> => {
    const refused = await check(trx, access, body);
    if (refused) return refused;
    const row = await trx
      .updateTable('alert_rules')
      .set({ ...columns(access, body), updated_at: new Date() })
      .where('client_id', '=', access.clientId)
      .where('id', '=', ruleId)
      .returningAll()
      .executeTakeFirst();
    if (!row) return { ok: false, reason: 'not_found' };
    await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'alert_rule.changed', subjectKind: 'alert_rule', subjectId: row.id });
    return { ok: true, rule: toAlertRule(row) };
  });
  forgetRules(access.clientId);
  return result;
}

/** Deletes the rule; alerts it raised and not yet sent go with it, cases it opened stay. */
export async function deleteRule(services: Services, access: Access, ruleId: string): Promise<boolean> {
  const deleted = await withAccess(services.db, access, async (trx) => {
    const row = await trx.deleteFrom('alert_rules').where('client_id', '=', access.clientId).where('id', '=', ruleId).returning('id').executeTakeFirst();
    if (row) await appendAudit(trx, { clientId: access.clientId, actorKind: 'user', actorId: access.userId, action: 'alert_rule.deleted', subjectKind: 'alert_rule', subjectId: row.id });
    return Boolean(row);
  });
  forgetRules(access.clientId);
  return deleted;
}
