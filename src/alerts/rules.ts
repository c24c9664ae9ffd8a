/**
 * Alert rules: which feedback tells whom, how and when. Read on every stored feedback, so
 * each process keeps a client's rules for a few seconds; a change made here is seen at once
 * by this process and within seconds by the others.
 */
import type { Selectable } from 'kysely';
import type { AlertChannel, AlertRulesTable, FeedbackCategory, MembershipRole, Scale } from '../db/schema.ts';
import type { ClientId, Trx } from '../db/tenancy.ts';
import { loadServiceLevel, type ServiceLevel } from '../cases/service-level.ts';
import { scoreBandOf } from '../programmes/index.ts';

export interface AlertRule {
  id: string;
  name: string;
  enabled: boolean;
  match: 'any' | 'all';
  conditions: {
    lowBand: boolean;
    scoreAtMost: number | null;
    complaint: boolean;
    contactRequested: boolean;
    keywords: string[];
  };
  locationIds: string[] | null;
  recipients: { roles: MembershipRole[]; emails: string[]; mobiles: string[] };
  channels: AlertChannel[];
  delivery: 'immediate' | 'daily_digest';
  digestHour: number;
  deferWeekends: boolean;
  deferOutsideHours: boolean;
  opensCase: boolean;
  caseAssigneeUserId: string | null;
}

export function toAlertRule(row: Selectable<AlertRulesTable>): AlertRule {
  return {
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    match: row.match,
    conditions: {
      lowBand: row.low_band,
      scoreAtMost: row.score_at_most,
      complaint: row.complaint,
      contactRequested: row.contact_requested,
      keywords: row.keywords,
    },
    locationIds: row.location_ids,
    recipients: { roles: row.recipient_roles, emails: row.extra_emails, mobiles: row.extra_mobiles },
    channels: row.channels,
    delivery: row.delivery,
    digestHour: row.digest_hour,
    deferWeekends: row.defer_weekends,
    deferOutsideHours: row.defer_outside_hours,
    opensCase: row.opens_case,
    caseAssigneeUserId: row.case_assignee_user_id,
  };
}

const CACHE_MS = 5_000;
const cache = new Map<string, { at: number; rules: AlertRule[] }>();

/** The client's enabled rules, from this process's short cache when fresh. */
export async function enabledRules(trx: Trx, clientId: ClientId): Promise<AlertRule[]> {
  const hit = cache.get(clientId);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.rules;
  const rows = await trx.selectFrom('alert_rules').selectAll().where('client_id', '=', clientId).where('enabled', '=', true).orderBy('created_at').execute();
  const rules = rows.map(toAlertRule);
  if (cache.size > 10_000) cache.clear();
  cache.set(clientId, { at: Date.now(), rules });
  return rules;
}

const levels = new Map<string, { at: number; level: ServiceLevel }>();

/** The client's service level, from the same short cache as its rules. */
export async function cachedServiceLevel(trx: Trx, clientId: ClientId): Promise<ServiceLevel> {
  const hit = levels.get(clientId);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.level;
  const level = await loadServiceLevel(trx, clientId);
  if (levels.size > 10_000) levels.clear();
  levels.set(clientId, { at: Date.now(), level });
  return level;
}

/** Drops this process's cached rules and service level of the client, after a change. */
export function forgetRules(clientId: ClientId): void {
  cache.delete(clientId);
  levels.delete(clientId);
}

export interface FeedbackFacts {
  scale: Scale;
  score: number;
  category: FeedbackCategory;
  contactRequested: boolean;
  comment: string;
  /** The feedback's location and every location above it. */
  locationPath: readonly string[];
}

/** The reason a rule matched, for a case it opens: the first of its conditions that holds. */
export type MatchReason = 'low_score' | 'complaint' | 'contact_requested' | 'keywords';

export function ruleMatches(rule: AlertRule, facts: FeedbackFacts): MatchReason | null {
  if (rule.locationIds && !rule.locationIds.some((id) => facts.locationPath.includes(id))) return null;
  const { conditions: c } = rule;
  const comment = facts.comment.toLowerCase();
  const checks: [MatchReason, boolean][] = [];
  if (c.lowBand) checks.push(['low_score', scoreBandOf(facts.scale, facts.score) === 'low']);
  if (c.scoreAtMost !== null) checks.push(['low_score', facts.score <= c.scoreAtMost]);
  if (c.complaint) checks.push(['complaint', facts.category === 'complaint']);
  if (c.contactRequested) checks.push(['contact_requested', facts.contactRequested]);
  if (c.keywords.length > 0) checks.push(['keywords', c.keywords.some((word) => containsWord(comment, word))]);
  if (checks.length === 0) return null;
  const held = checks.filter(([, holds]) => holds);
  if (rule.match === 'all' ? held.length !== checks.length : held.length === 0) return null;
  return held[0]?.[0] ?? null;
}

/** A keyword or phrase as whole words: "rude" matches "so rude!", not "prudent". */
function containsWord(text: string, word: string): boolean {
  const escaped = word.trim().toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
  return escaped !== '' && new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'u').test(text);
}
