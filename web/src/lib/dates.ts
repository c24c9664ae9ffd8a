/** Reporting periods as the dashboard and inbox offer them, in the browser's calendar. */
import type { Interval } from '../api/types.ts';

export type PeriodPreset = '7d' | '30d' | '90d' | 'year' | 'custom';

export const periodNames: Record<PeriodPreset, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  year: 'This year',
  custom: 'Custom dates',
};

export function isPeriodPreset(value: string | null): value is PeriodPreset {
  return value !== null && value in periodNames;
}

/** A local date as YYYY-MM-DD. */
export function isoDay(date: Date): string {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

export function isIsoDay(value: string | null | undefined): value is string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(new Date(`${value}T00:00:00`).getTime());
}

/**
 * Today's date (YYYY-MM-DD) in a time zone: the business's calendar decides what "today"
 * and "the last 7 days" mean, not the browser's.
 */
export function todayIn(timeZone: string | undefined, now = new Date()): string {
  if (!timeZone) return isoDay(now);
  try {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')}`;
  } catch {
    return isoDay(now);
  }
}

/** The first and last day (both included) of a preset period ending on `today` (YYYY-MM-DD). */
export function presetRange(preset: Exclude<PeriodPreset, 'custom'>, today: string = isoDay(new Date())): { from: string; to: string } {
  const [y = 1970, m = 1, d = 1] = today.split('-').map(Number);
  if (preset === 'year') return { from: `${y}-01-01`, to: today };
  const days = preset === '7d' ? 7 : preset === '30d' ? 30 : 90;
  const start = new Date(y, m - 1, d - (days - 1));
  return { from: isoDay(start), to: today };
}

export function daysBetween(from: string, to: string): number {
  const a = new Date(`${from}T00:00:00`).getTime();
  const b = new Date(`${to}T00:00:00`).getTime();
  return Math.round((b - a) / 86_400_000) + 1;
}

/** A sensible grouping for a period: daily up to a month, weekly up to half a year, then monthly. */
export function defaultInterval(from: string, to: string): Interval {
  const days = daysBetween(from, to);
  if (days <= 31) return 'day';
  if (days <= 190) return 'week';
  return 'month';
}
