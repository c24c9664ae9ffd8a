/**
 * The calendar of monthly reports (pure functions): months written YYYY-MM, their days, and
 * the first working day of a month in New Zealand — not a Saturday, Sunday or national
 * public holiday — when the report goes out.
 *
 * Holidays: the statutory ones that can fall in a month's first days (New Year's Day and
 * the day after, Good Friday, Easter Monday, the Sovereign's birthday; Mondayised where the
 * Holidays Act says so) are computed here for any year; the rest of the national list
 * (Waitangi, Anzac, Matariki, Labour Day) comes from the privacy domain's versioned holiday
 * table (`isWorkingDay`) for the years it covers. That table also closes 25 December to
 * 15 January for the Privacy Act, which is not a business closure, so it is not consulted
 * on those days. Regional anniversary days are not holidays here.
 */
import { isWorkingDay as isPrivacyActWorkingDay, OutsideHolidayTableError } from '../../privacy/working-days.ts';

export type Month = string;

export function monthOfDay(day: string): Month {
  return day.slice(0, 7);
}

function parts(month: Month): [number, number] {
  const [y = 1970, m = 1] = month.split('-').map(Number);
  return [y, m];
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addMonths(month: Month, months: number): Month {
  const [y, m] = parts(month);
  return dayOf(new Date(Date.UTC(y, m - 1 + months, 1))).slice(0, 7);
}

/** The month's first and last day, YYYY-MM-DD. */
export function daysOfMonth(month: Month): { from: string; to: string } {
  const [y, m] = parts(month);
  return { from: `${month}-01`, to: dayOf(new Date(Date.UTC(y, m, 0))) };
}

/** "March 2025". */
export function monthName(month: Month): string {
  const [y, m] = parts(month);
  return new Intl.DateTimeFormat('en-NZ', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return dayOf(date);
}

function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/** Easter Sunday (Gregorian computus, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** New Year's Day and the day after, each moved to the next free weekday when on a weekend. */
function newYearHolidays(year: number): string[] {
  const observed: string[] = [];
  for (const day of [`${year}-01-01`, `${year}-01-02`]) {
    let candidate = day;
    while (weekday(candidate) === 0 || weekday(candidate) === 6 || observed.includes(candidate)) candidate = addDays(candidate, 1);
    observed.push(candidate);
  }
  return observed;
}

/** Christmas and Boxing Day, Mondayised the same way. */
function christmasHolidays(year: number): string[] {
  const observed: string[] = [];
  for (const day of [`${year}-12-25`, `${year}-12-26`]) {
    let candidate = day;
    while (weekday(candidate) === 0 || weekday(candidate) === 6 || observed.includes(candidate)) candidate = addDays(candidate, 1);
    observed.push(candidate);
  }
  return observed;
}

function computedHolidays(year: number): Set<string> {
  const easter = easterSunday(year);
  let sovereignsBirthday = `${year}-06-01`;
  while (weekday(sovereignsBirthday) !== 1) sovereignsBirthday = addDays(sovereignsBirthday, 1);
  return new Set([...newYearHolidays(year), addDays(easter, -2), addDays(easter, 1), sovereignsBirthday, ...christmasHolidays(year)]);
}

/** True on a New Zealand national public holiday (see the module comment for which). */
export function isNzPublicHoliday(day: string): boolean {
  if (computedHolidays(Number(day.slice(0, 4))).has(day)) return true;
  const monthDay = day.slice(5);
  if (monthDay >= '12-25' || monthDay <= '01-15') return false; // the Privacy Act's closedown, not a holiday
  if (weekday(day) === 0 || weekday(day) === 6) return false;
  try {
    return !isPrivacyActWorkingDay(day);
  } catch (error) {
    if (error instanceof OutsideHolidayTableError) return false;
    throw error;
  }
}

export function isWorkingDay(day: string): boolean {
  const w = weekday(day);
  return w !== 0 && w !== 6 && !isNzPublicHoliday(day);
}

/** The first working day of a month, YYYY-MM-DD. */
export function firstWorkingDayOf(month: Month): string {
  let day = `${month}-01`;
  while (!isWorkingDay(day)) day = addDays(day, 1);
  return day;
}
