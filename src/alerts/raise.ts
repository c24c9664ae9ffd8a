/**
 * Raising alerts for a feedback, in the transaction that stores or changes it: every
 * enabled rule that matches writes one alert per recipient and channel into the outbox
 * (once: a dedupe key per rule, feedback, channel and recipient), due when the rule's
 * delivery and deferral say, and opens a case if the rule asks. The dispatcher sends them.
 */
import { sql, type Insertable } from 'kysely';
import type { AlertChannel, AlertsTable } from '../db/schema.ts';
import { locationAndAncestors, membersCovering } from '../accounts/index.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { nextAllowedTimeFromNow, nextLocalHour } from '../cases/business-time.ts';
import { openCases, type CaseOpening } from '../cases/open-case.ts';
import type { ServiceLevel } from '../cases/service-level.ts';
import { cachedServiceLevel, enabledRules, ruleMatches, type AlertRule, type FeedbackFacts } from './rules.ts';

export interface AlertableFeedback extends Omit<FeedbackFacts, 'locationPath'> {
  clientId: ClientId;
  id: string;
  locationId: string;
}

/**
 * `inScopedTransaction`: the transaction is a location-scoped person's (withAccess for a
 * manager or viewer). Stored feedback comes in client transactions, which have no scope.
 */
export async function raiseAlerts(trx: Trx, feedback: AlertableFeedback, inScopedTransaction = false): Promise<void> {
  if (inScopedTransaction) await outsideLocationScope(trx, () => raiseAlertsForMany(trx, feedback.clientId, [feedback]));
  else await raiseAlertsForMany(trx, feedback.clientId, [feedback]);
}

/**
 * `raiseAlerts` for many feedback of one client, in a client transaction (no location
 * scope): the alerts of all go in one statement, their cases in another.
 */
export async function raiseAlertsForMany(trx: Trx, clientId: ClientId, feedbacks: readonly AlertableFeedback[]): Promise<void> {
  if (feedbacks.length === 0) return;
  const rules = await enabledRules(trx, clientId);
  if (rules.length === 0) return;
  // Most feedback matches no rule: decided here without a query. Rules limited to some
  // locations need the hierarchy to say.
  const anyLocal = rules.some((r) => r.locationIds !== null);
  const candidates = anyLocal ? feedbacks : feedbacks.filter((f) => rules.some((r) => ruleMatches(r, { ...f, locationPath: [f.locationId] })));
  if (candidates.length === 0) return;
  const level = await cachedServiceLevel(trx, clientId);
  const now = new Date();
  const alerts: Insertable<AlertsTable>[] = [];
  const cases: CaseOpening[] = [];
  const due = new Map<string, Date>();
  for (const feedback of candidates) {
    const locationPath = await remembered(`path:${clientId}:${feedback.locationId}`, () => locationAndAncestors(trx, clientId, feedback.locationId));
    const facts: FeedbackFacts = { ...feedback, locationPath };
    for (const rule of rules) {
      const reason = ruleMatches(rule, facts);
      if (!reason) continue;
      const recipients = await recipientsOf(trx, clientId, rule, locationPath);
      let sendAfter = due.get(rule.id);
      if (!sendAfter) due.set(rule.id, (sendAfter = dueTime(rule, level, now)));
      for (const channel of rule.channels) {
        for (const to of recipients[channel]) {
          alerts.push({
            client_id: clientId,
            kind: 'feedback',
            dedupe_key: `rule:${rule.id}:${feedback.id}:${channel}:${to.key}`,
            rule_id: rule.id,
            feedback_id: feedback.id,
            location_id: feedback.locationId,
            channel,
            recipient_user_id: to.userId,
            recipient_address: to.address,
            digest: rule.delivery === 'daily_digest',
            send_after: sendAfter,
          });
        }
      }
      if (rule.opensCase) {
        cases.push({ clientId, feedbackId: feedback.id, locationId: feedback.locationId, reason, ruleId: rule.id, assigneeUserId: rule.caseAssigneeUserId, openedBy: null });
      }
    }
  }
  // Two rules may both open a case for one feedback: the first rule's stands.
  const firstCase = new Map<string, CaseOpening>();
  for (const c of cases) if (!firstCase.has(c.feedbackId)) firstCase.set(c.feedbackId, c);
  // Independent writes, sent together (pipelined-transaction.ts).
  await Promise.all([
    alerts.length > 0 && trx.insertInto('alerts').values(alerts).onConflict((oc) => oc.columns(['client_id', 'dedupe_key']).doNothing()).execute(),
    openCases(trx, level, [...firstCase.values()], now),
  ]);
}

/**
 * Alerts follow the business's rules, not the scope of the person whose change set them
 * off: a manager who marks a complaint tells the admins above them. So, within the same
 * transaction (and client), the location-scope setting is lifted while alerts are raised.
 */
async function outsideLocationScope(trx: Trx, work: () => Promise<void>): Promise<void> {
  const { rows } = await sql<{ scope: string | null }>`select current_setting('hark.location_scope', true) as scope`.execute(trx);
  const scope = rows[0]?.scope ?? '';
  if (scope === '') return work();
  await sql`select set_config('hark.location_scope', '', true)`.execute(trx);
  try {
    await work();
  } finally {
    await sql`select set_config('hark.location_scope', ${scope}, true)`.execute(trx);
  }
}

/** When the rule's alert may go: at once or at the digest hour, then held past weekends or after hours if the rule says. */
function dueTime(rule: AlertRule, level: ServiceLevel, now: Date): Date {
  const base = rule.delivery === 'daily_digest' ? nextLocalHour(now, rule.digestHour, level.timezone) : now;
  return nextAllowedTimeFromNow(base, level, { weekends: rule.deferWeekends, outsideHours: rule.deferOutsideHours });
}

/**
 * The location hierarchy and who covers a location change rarely, and low scores come in
 * bursts: each process remembers them for a few seconds, so raising an alert costs the
 * writes only. (A member added or removed is seen within those seconds.)
 */
const REMEMBER_MS = 5_000;
const memory = new Map<string, { at: number; value: string[] }>();

async function remembered(key: string, load: () => Promise<string[]>): Promise<string[]> {
  const hit = memory.get(key);
  if (hit && Date.now() - hit.at < REMEMBER_MS) return hit.value;
  const value = await load();
  if (memory.size > 50_000) memory.clear();
  memory.set(key, { at: Date.now(), value });
  return value;
}

export interface AlertRecipient {
  key: string;
  userId: string | null;
  address: string | null;
}

/**
 * Who the rule tells by each channel: members with the rule's roles whose location scope
 * covers the feedback (by email, and by text when their account has a mobile), and the
 * rule's own addresses and mobiles. An alert by
 * email that would reach no one goes to the business's admins and owners instead.
 */
export async function recipientsOf(trx: Trx, clientId: ClientId, rule: AlertRule, locationPath: readonly string[]): Promise<Record<AlertChannel, AlertRecipient[]>> {
  const roles = rule.recipients.roles;
  const members = roles.length > 0 ? await remembered(`members:${clientId}:${roles.join(',')}:${locationPath[0]}`, () => membersCovering(trx, clientId, roles, locationPath)) : [];
  const emails = [...members.map((userId) => ({ key: `user:${userId}`, userId, address: null })), ...rule.recipients.emails.map((address) => ({ key: `email:${address}`, userId: null, address }))];
  if (emails.length === 0 && rule.channels.includes('email') && rule.recipients.mobiles.length === 0) {
    const fallback = await remembered(`members:${clientId}:owner,admin:${locationPath[0]}`, () => membersCovering(trx, clientId, ['owner', 'admin'], locationPath));
    emails.push(...fallback.map((userId) => ({ key: `user:${userId}`, userId, address: null })));
  }
  const texting = rule.channels.includes('sms') && members.length > 0 ? await membersWithMobile(trx, members) : [];
  return {
    email: emails,
    sms: [
      ...texting.map((userId) => ({ key: `user:${userId}`, userId, address: null })),
      ...rule.recipients.mobiles.map((address) => ({ key: `mobile:${address}`, userId: null, address })),
    ],
  };
}

/** Of these members, those who gave a mobile in their account. */
async function membersWithMobile(trx: Trx, userIds: string[]): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`select hark_members_with_mobile(${sql.val(userIds)}::uuid[]) as id`.execute(trx);
  return rows.map((r) => r.id).sort();
}
