/**
 * Working days as the Privacy Act 2020 (s 7) defines them: every day except Saturdays,
 * Sundays, Good Friday, Easter Monday, Anzac Day, the Sovereign's birthday, Labour Day,
 * Waitangi Day and Matariki; Waitangi Day or Anzac Day falling on a weekend moves to the
 * Monday after; and no day from 25 December to 15 January counts. (Regional anniversary
 * days are working days under the Act.)
 *
 * Holidays come from a versioned table: a due date records the version that computed it,
 * so a later correction of the table never silently moves an answered request's date.
 * Dates are calendar days ('YYYY-MM-DD') on New Zealand's clock.
 */

/** Bump when any date below changes; requests store the version that computed their due date. */
export const HOLIDAY_TABLE_VERSION = 'nz-privacy-act-2024-2029.1';

/**
 * The movable days the Act names, per year. Easter from the Gregorian computus; the
 * Sovereign's birthday is the first Monday of June, Labour Day the fourth Monday of
 * October; Matariki from the schedule of the Te Kāhui o Matariki Public Holiday Act 2022.
 * Waitangi and Anzac Day appear on the day observed (Mondayised when on a weekend).
 */
const holidayTable: Readonly<Record<number, readonly string[]>> = {
  2024: ['2024-02-06', '2024-03-29', '2024-04-01', '2024-04-25', '2024-06-03', '2024-06-28', '2024-10-28'],
  2025: ['2025-02-06', '2025-04-18', '2025-04-21', '2025-04-25', '2025-06-02', '2025-06-20', '2025-10-27'],
  2026: ['2026-02-06', '2026-04-03', '2026-04-06', '2026-04-27', '2026-06-01', '2026-07-10', '2026-10-26'],
  2027: ['2027-02-08', '2027-03-26', '2027-03-29', '2027-04-26', '2027-06-07', '2027-06-25', '2027-10-25'],
  2028: ['2028-02-07', '2028-04-14', '2028-04-17', '2028-04-25', '2028-06-05', '2028-07-14', '2028-10-23'],
  2029: ['2029-02-06', '2029-03-30', '2029-04-02', '2029-04-25', '2029-06-04', '2029-07-06', '2029-10-22'],
};

const holidays = new Set(Object.values(holidayTable).flat());
const firstYear = Math.min(...Object.keys(holidayTable).map(Number));
const lastYear = Math.max(...Object.keys(holidayTable).map(Number));

/** The statutory limit for answering an access or correction request (s 44). */
export const RESPONSE_WORKING_DAYS = 20;

export class OutsideHolidayTableError extends Error {
  constructor(day: string) {
    super(`${day} is outside the holiday table (${firstYear}–${lastYear}, version ${HOLIDAY_TABLE_VERSION}): extend src/privacy/working-days.ts`);
  }
}

function parseDay(day: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new TypeError(`not a date: ${day}`);
  return new Date(`${day}T00:00:00Z`);
}

function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function addCalendarDays(day: string, days: number): string {
  const date = parseDay(day);
  date.setUTCDate(date.getUTCDate() + days);
  return formatDay(date);
}

/** True when the day counts as a working day under the Act. */
export function isWorkingDay(day: string): boolean {
  const date = parseDay(day);
  const year = date.getUTCFullYear();
  if (year < firstYear || year > lastYear) throw new OutsideHolidayTableError(day);
  const weekday = date.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const monthDay = day.slice(5);
  if (monthDay >= '12-25' || monthDay <= '01-15') return false;
  return !holidays.has(day);
}

/** The n-th working day after `day` (the day itself never counts, as the Act counts "after the day on which the request is received"). */
export function addWorkingDays(day: string, n: number): string {
  let current = day;
  let counted = 0;
  while (counted < n) {
    current = addCalendarDays(current, 1);
    if (isWorkingDay(current)) counted += 1;
  }
  return current;
}

/** The due date of a request received on `receivedOn`: 20 working days after it. */
export function responseDueOn(receivedOn: string): string {
  return addWorkingDays(receivedOn, RESPONSE_WORKING_DAYS);
}

/**
 * Working days from `from` to `to`: the working days after `from` up to and including `to`
 * when `to` is later; negative (the working days overdue) when `to` is earlier.
 */
export function workingDaysBetween(from: string, to: string): number {
  if (from === to) return 0;
  const [start, end, sign] = from < to ? [from, to, 1] : [to, from, -1];
  let count = 0;
  for (let day = addCalendarDays(start, 1); day <= end; day = addCalendarDays(day, 1)) {
    if (isWorkingDay(day)) count += 1;
  }
  return sign * count;
}

/** Today's date on New Zealand's clock (or the date of `at`). */
export function nzDay(at: Date = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Pacific/Auckland', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
