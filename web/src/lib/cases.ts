/** Cases and their figures said in words, for the case list, the case panel and the dashboard. */
import type { Case, CaseReason, CaseStatus, CaseView, ResolutionCode, Scale, ScoreBand } from '../api/types.ts';
import { formatPercent } from './format.ts';

export const caseStatusNames: Record<CaseStatus, string> = { new: 'New', in_progress: 'In progress', resolved: 'Resolved' };

export const caseReasonNames: Record<CaseReason, string> = {
  low_score: 'A low score',
  complaint: 'A complaint',
  contact_requested: 'The customer asked to be contacted',
  keywords: 'Words in the comment',
  manual: 'Opened by hand',
};

export const resolutionNames: Record<ResolutionCode, string> = {
  fixed: 'Fixed the problem',
  apologised: 'Apologised',
  refunded: 'Refunded or made good',
  explained: 'Explained what happened',
  no_action_needed: 'No action needed',
  could_not_contact: 'Could not reach the customer',
  other: 'Something else',
};

export const caseViewNames: Record<CaseView, string> = { mine: 'Mine', team: 'Team', unassigned: 'Unassigned' };

/** The escalation level as a person reads it; null while the case is with the team. */
export function escalationText(level: number): string | null {
  if (level >= 2) return 'owners told';
  if (level === 1) return 'admins told';
  return null;
}

/** The band of a score on its scale, as the API bands them (the case list carries no band). */
export function bandOf(score: number, scale: Scale): ScoreBand {
  if (scale === 'nps_10') return score <= 6 ? 'low' : score <= 8 ? 'middle' : 'high';
  return score <= 2 ? 'low' : score === 3 ? 'middle' : 'high';
}

/** Minutes as "45 min", "2 h 10 min", "3 d 4 h". */
export function formatMinutes(minutes: number): string {
  const total = Math.max(0, Math.round(minutes));
  if (total < 60) return `${total} min`;
  if (total < 24 * 60) {
    const h = Math.floor(total / 60);
    const m = total % 60;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  return h ? `${d} d ${h} h` : `${d} d`;
}

/** A share (0–1) as "83%", or a dash when there is nothing to share out. */
export function formatShare(value: number | null): string {
  return value === null ? '–' : formatPercent(value * 100);
}

/** Every open case is due; one resolved has been resolved. */
export function isOpen(c: Case): boolean {
  return c.status !== 'resolved';
}
