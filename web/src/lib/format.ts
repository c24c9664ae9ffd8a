/** How numbers, dates and the API's words are shown to people. */
import type { Channel, Estimate, FeedbackCategory, FeedbackStatus, Role, Scale, ScoreBand, TemplateBand } from '../api/types.ts';

const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const shortDateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric' });
const numberFormat = new Intl.NumberFormat();

/** A date-only string (YYYY-MM-DD) as a local date, so it is not shifted by the time zone. */
export function parseDay(value: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (match && value.length <= 10) return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(value);
}

export function formatDate(value: string): string {
  return dateFormat.format(parseDay(value));
}

export function formatShortDate(value: string): string {
  return shortDateFormat.format(parseDay(value));
}

export function formatMonth(value: string): string {
  return monthFormat.format(parseDay(value));
}

/** A moment, on the clock of `timeZone` (the business's) when given, else the viewer's. */
export function formatDateTime(value: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit', ...(timeZone ? { timeZone } : {}) }).format(new Date(value));
}

/** "3 minutes ago", "yesterday", or the date for anything older than a week. */
export function formatRelative(value: string, now = Date.now()): string {
  const then = new Date(value).getTime();
  const seconds = Math.round((then - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86_400) return rtf.format(Math.round(seconds / 86_400), 'day');
  return dateFormat.format(new Date(value));
}

export function formatCount(value: number): string {
  return numberFormat.format(value);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

export const scaleNames: Record<Scale, string> = {
  recommend_5: 'Likely to recommend, 1–5',
  nps_10: 'Net Promoter Score, 0–10',
  csat_5: 'Satisfaction, 1–5',
  stars_5: 'Stars, 1–5',
};

export const scaleMax: Record<Scale, number> = { recommend_5: 5, nps_10: 10, csat_5: 5, stars_5: 5 };

/** A score as the scale reads: "4 / 5", "9 / 10", "★ 4". */
export function formatScore(score: number, scale: Scale): string {
  return `${score} / ${scaleMax[scale]}`;
}

/** The headline score: NPS as a signed whole number, a mean with one decimal. */
export function formatScoreValue(value: number, kind: 'nps' | 'mean'): string {
  if (kind === 'nps') {
    const rounded = Math.round(value);
    return rounded > 0 ? `+${rounded}` : String(rounded);
  }
  return value.toFixed(1);
}

export function formatInterval(estimate: Estimate, kind: 'nps' | 'mean'): string {
  return `${formatScoreValue(estimate.low, kind)} to ${formatScoreValue(estimate.high, kind)}`;
}

/** A percentage (0–100) as a whole number: "62%". */
export function formatPercent(value: number): string {
  return `${Math.round(value)}%`;
}

export const channelNames: Record<Channel, string> = { sms: 'Text message', web: 'Web link', qr: 'QR code', kiosk: 'Kiosk', api: 'API', email: 'Email' };
export const statusNames: Record<FeedbackStatus, string> = { new: 'New', in_progress: 'In progress', resolved: 'Resolved', closed: 'Closed' };
export const categoryNames: Record<FeedbackCategory, string> = { complaint: 'Complaint', compliment: 'Compliment', suggestion: 'Suggestion', general: 'General' };
export const bandNames: Record<ScoreBand, string> = { low: 'Low', middle: 'Middle', high: 'High' };
export const templateBandNames: Record<TemplateBand, string> = { low: 'Low scores', middle: 'Middle scores', high: 'High scores', any: 'Any score' };
export const roleNames: Record<Role, string> = { owner: 'Owner', admin: 'Admin', manager: 'Manager', viewer: 'Viewer' };
export const roleHelp: Record<Role, string> = {
  owner: 'Everything, including making other owners.',
  admin: 'Everything but making owners: settings, team, all feedback.',
  manager: 'Reads, answers and resolves feedback for their locations.',
  viewer: 'Reads feedback for their locations.',
};

/** The band ranges of each scale, as the API applies them. */
export const bandRanges: Record<Scale, Record<ScoreBand, string>> = {
  nps_10: { low: '0–6', middle: '7–8', high: '9–10' },
  recommend_5: { low: '1–2', middle: '3', high: '4–5' },
  csat_5: { low: '1–2', middle: '3', high: '4–5' },
  stars_5: { low: '1–2', middle: '3', high: '4–5' },
};

export function keys<K extends string>(record: Record<K, unknown>): K[] {
  return Object.keys(record) as K[];
}
