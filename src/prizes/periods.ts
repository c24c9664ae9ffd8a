/** Draw periods in the client's calendar: a week (Monday to Sunday), a month or a quarter. */
import { DateTime } from 'luxon';

export type DrawPeriod = 'week' | 'month' | 'quarter';

export interface PeriodBounds {
  /** The first day, yyyy-mm-dd. */
  start: string;
  /** The day after the last, yyyy-mm-dd. */
  end: string;
}

/** The period holding `at`, in `timeZone`. */
export function periodContaining(period: DrawPeriod, at: Date, timeZone: string): PeriodBounds {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const start = local.startOf(period === 'week' ? 'week' : period);
  const end = start.plus(period === 'week' ? { weeks: 1 } : period === 'month' ? { months: 1 } : { quarters: 1 });
  return { start: start.toISODate() as string, end: end.toISODate() as string };
}

/** A period's words for people: "March 2027", "Q2 2027", "week of 1 March 2027". */
export function describePeriod(period: DrawPeriod, start: string): string {
  const day = DateTime.fromISO(start);
  if (period === 'month') return day.toFormat('LLLL yyyy');
  if (period === 'quarter') return `Q${day.quarter} ${day.year}`;
  return `week of ${day.toFormat('d LLLL yyyy')}`;
}
