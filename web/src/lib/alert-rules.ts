/** Alert rules said in one sentence, and their lists as people type them. */
import type { AlertRule, Location, Role } from '../api/types.ts';

const rolePlurals: Record<Role, string> = { owner: 'owners', admin: 'admins', manager: 'managers', viewer: 'viewers' };

/** "a, b and c" (or "a, b or c"). */
export function joinWords(words: string[], last: 'and' | 'or' = 'and'): string {
  if (words.length <= 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} ${last} ${words[words.length - 1]}`;
}

/** A list typed with commas, semicolons or one a line, without blanks and repeats. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[,;\n]+/).map((part) => part.trim()).filter(Boolean))];
}

export function hourText(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}

/**
 * The rule in a sentence: "When feedback at any location has a low score or is a complaint,
 * email managers at once and open a case."
 */
export function describeRule(rule: AlertRule, locations: Location[] | undefined, personName: (userId: string) => string | null): string {
  const c = rule.conditions;
  const conditions: string[] = [];
  if (c.lowBand) conditions.push('has a low score');
  if (c.scoreAtMost !== null) conditions.push(`scores ${c.scoreAtMost} or less`);
  if (c.complaint) conditions.push('is a complaint');
  if (c.contactRequested) conditions.push('asks to be contacted');
  if (c.keywords.length) conditions.push(`mentions ${joinWords(c.keywords.map((k) => `“${k}”`), 'or')}`);
  const where =
    rule.locationIds === null
      ? 'at any location'
      : `at ${joinWords(rule.locationIds.map((id) => locations?.find((l) => l.id === id)?.name ?? 'a removed location'), 'or')} (or below)`;

  const actions: string[] = [];
  if (rule.channels.includes('email')) {
    const to = [...rule.recipients.roles.map((r) => rolePlurals[r]), ...rule.recipients.emails];
    actions.push(`email ${to.length ? joinWords(to) : 'the admins and owners'}`);
  }
  if (rule.channels.includes('sms')) {
    const to = [...rule.recipients.roles.map((r) => `${rolePlurals[r]} with a mobile`), ...rule.recipients.mobiles];
    actions.push(`text ${to.length ? joinWords(to) : 'nobody yet'}`);
  }
  const when = rule.delivery === 'daily_digest' ? ` in a daily digest at ${hourText(rule.digestHour)}` : ' at once';
  const held = [rule.deferWeekends ? 'at weekends' : null, rule.deferOutsideHours ? 'outside business hours' : null].filter((h): h is string => h !== null);
  const hold = held.length ? `, held ${joinWords(held, 'and')}` : '';
  let sentence = `When feedback ${where} ${conditions.length ? joinWords(conditions, rule.match === 'all' ? 'and' : 'or') : 'meets no condition'}, ${joinWords(actions)}${when}${hold}`;
  if (rule.opensCase) {
    const assignee = rule.caseAssigneeUserId ? personName(rule.caseAssigneeUserId) : null;
    sentence += rule.caseAssigneeUserId ? `, and open a case assigned to ${assignee ?? 'a team member'}` : ', and open a case';
  }
  return `${sentence}.`;
}
