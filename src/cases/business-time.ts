/**
 * Business-time arithmetic on a business's own clock: is it a working day, are we within
 * opening hours, when may a deferred alert go out, when is a case's deadline after N business
 * hours, and when is the next daily digest hour. Pure functions; all timezone work is luxon's.
 *
 * DST rules, applied everywhere a local wall-clock time is turned into an instant:
 * - A local time that does not exist (spring forward gap) is resolved the way luxon resolves
 *   it: moved forward by the size of the gap (02:30 on a 02:00→03:00 day becomes 03:30 at the
 *   new offset). No IANA zone currently has a gap at a typical 09:00 opening.
 * - A local time that occurs twice (fall back) resolves to its first occurrence, except a
 *   closing time (`end`), which resolves to its last occurrence, so a business day covers every
 *   instant whose wall clock reads within [start, end).
 * - Business hours are counted in real elapsed time between those instants, so a day whose
 *   opening hours contain a DST change is an hour shorter or longer.
 */
import { DateTime, IANAZone } from 'luxon';

export interface WorkingWeek {
  /** IANA timezone, e.g. 'Pacific/Auckland'. */
  timezone: string;
  /** 'HH:MM' 24h, business hours start (inclusive), e.g. '09:00'. */
  start: string;
  /** 'HH:MM' 24h, business hours end (exclusive), later than start, e.g. '17:00'; '24:00' means midnight at the end of the day. */
  end: string;
  /** ISO weekdays that are business days: 1 Monday … 7 Sunday. */
  days: readonly number[];
}

export interface AlertHold {
  /** Hold alerts on days that are not business days. */
  weekends: boolean;
  /** Hold alerts outside [start, end) local time. */
  outsideHours: boolean;
}

const MINUTES_PER_DAY = 24 * 60;
const MS_PER_HOUR = 3_600_000;
const HH_MM = /^(\d{2}):(\d{2})$/;

/** Throws RangeError unless `week` is a usable working week. */
export function validateWorkingWeek(week: WorkingWeek): void {
  parseWeek(week);
}

/** Whether the local date of `at` (in the business's timezone) is one of `week.days`. */
export function isBusinessDay(at: Date, week: WorkingWeek): boolean {
  const w = parseWeek(week);
  return w.days.has(toLocal(at, w.zone).weekday);
}

/** Whether `at` falls on a business day with start <= local time < end. */
export function isWithinBusinessHours(at: Date, week: WorkingWeek): boolean {
  const w = parseWeek(week);
  const local = toLocal(at, w.zone);
  return w.days.has(local.weekday) && withinHours(local, w);
}

/**
 * The earliest instant at or after `at` when an alert held by `hold` may go out.
 * - neither hold: `at`.
 * - `weekends` only: `at` on a business day, else local midnight starting the next business day.
 * - `outsideHours` only: `at` if local time is within [start, end) on any day, else the next
 *   local `start` (today's if before start, else tomorrow's).
 * - both: `at` within business hours on a business day, else the next business day's `start`
 *   (today's if today is a business day and it is before start).
 */
export function nextAllowedTime(at: Date, week: WorkingWeek, hold: AlertHold): Date {
  const w = parseWeek(week);
  const local = toLocal(at, w.zone);
  const today = noonOf(local);
  const minute = minuteOfDay(local);

  if (hold.weekends && hold.outsideHours) {
    if (w.days.has(local.weekday) && withinHours(local, w)) return at;
    if (w.days.has(local.weekday) && minute < w.start) return opening(today, w).toJSDate();
    return opening(nextBusinessDay(today, w), w).toJSDate();
  }
  if (hold.weekends) {
    if (w.days.has(local.weekday)) return at;
    return wallTime(nextBusinessDay(today, w), 0, 'first').toJSDate();
  }
  if (hold.outsideHours) {
    if (withinHours(local, w)) return at;
    const day = minute < w.start ? today : today.plus({ days: 1 });
    return opening(day, w).toJSDate();
  }
  return at;
}

/**
 * The instant when `hours` (> 0, may be fractional) of business time have passed after `at`,
 * counting only time within business hours on business days. Counting from outside hours starts
 * at the next opening; running out exactly at a closing returns that closing instant. Resolution
 * is one millisecond. Whole non-business days are skipped one calendar day at a time.
 */
export function addBusinessHours(at: Date, hours: number, week: WorkingWeek): Date {
  const w = parseWeek(week);
  if (typeof hours !== 'number' || !Number.isFinite(hours) || hours <= 0) {
    throw new RangeError(`hours must be a finite number greater than 0, got ${String(hours)}`);
  }
  const from = toLocal(at, w.zone).toMillis();
  let remaining = Math.round(hours * MS_PER_HOUR);
  if (from + remaining > MAX_DATE_MS) {
    throw new RangeError(`${hours} business hours after ${at.toISOString()} is beyond the supported date range`);
  }

  let day = noonOf(toLocal(at, w.zone));
  let previousOffset = day.minus({ days: 1 }).offset;
  for (;;) {
    const next = day.plus({ days: 1 });
    if (w.days.has(day.weekday)) {
      // Same offset at yesterday's, today's and tomorrow's noon: no DST change today, so no
      // local time today is ambiguous and luxon's direct resolution is exact (saves work).
      const settled = previousOffset === day.offset && day.offset === next.offset;
      const open = Math.max(opening(day, w, settled).toMillis(), from);
      const close = closing(day, w, settled).toMillis();
      if (open < close) {
        const available = close - open;
        if (remaining <= available) return new Date(open + remaining);
        remaining -= available;
      }
    }
    if (!next.isValid || next.toMillis() > MAX_DATE_MS) {
      throw new RangeError(`${hours} business hours after ${at.toISOString()} is beyond the supported date range`);
    }
    previousOffset = day.offset;
    day = next;
  }
}

/**
 * `nextAllowedTime` from a clock that moves on, as an alert's send time is worked out when it
 * is raised: exact, from at most one full calculation per minute, working week and hold.
 * Business hours and days begin and end on whole minutes, so a minute is wholly allowed (each
 * start in it may go at once) or wholly held (each waits for the same instant).
 */
export function nextAllowedTimeFromNow(at: Date, week: WorkingWeek, hold: AlertHold): Date {
  if (!hold.weekends && !hold.outsideHours) return at;
  const [minute, from] = onceAMinute(allowedThisMinute, at, `${weekKey(week)} ${hold.weekends} ${hold.outsideHours}`, (start) =>
    nextAllowedTime(new Date(start), week, hold).getTime(),
  );
  return from === minute ? at : new Date(from);
}

/**
 * `addBusinessHours` from a clock that moves on, as a case's deadline is worked out from the
 * time it opens: exact, from at most two full calculations per minute and working week.
 * Business hours begin and end on whole minutes (HH:MM, and zone offsets are whole minutes),
 * so within one minute a start is either wholly outside business hours, and every start in it
 * gives the same deadline, or wholly inside, and each later start moves the deadline by at
 * least as much. If the deadlines for the minute's two ends are equal, or exactly a minute
 * apart, every start between follows from the first; otherwise (the deadline crosses a
 * closing within the minute) it is worked out in full. luxon's zone arithmetic made the full
 * calculation about 4 % of the CPU of a feedback submission under load.
 */
export function addBusinessHoursFromNow(at: Date, hours: number, week: WorkingWeek): Date {
  const [minute, { first, step }] = onceAMinute(deadlinesThisMinute, at, `${weekKey(week)} ${hours}`, (start) => {
    const firstDeadline = addBusinessHours(new Date(start), hours, week).getTime();
    return { first: firstDeadline, step: addBusinessHours(new Date(start + MS_PER_MINUTE), hours, week).getTime() - firstDeadline };
  });
  if (step === 0) return new Date(first);
  if (step === MS_PER_MINUTE) return new Date(first + (at.getTime() - minute));
  return addBusinessHours(at, hours, week);
}

const MS_PER_MINUTE = 60_000;
const allowedThisMinute = new Map<string, { minute: number; value: number }>();
const deadlinesThisMinute = new Map<string, { minute: number; value: { first: number; step: number } }>();

/** The start of `at`'s minute and `work`'s answer for it under `key`, worked out once a minute (a cache of at most 1,000 keys). */
function onceAMinute<T>(cache: Map<string, { minute: number; value: T }>, at: Date, key: string, work: (minute: number) => T): [number, T] {
  const minute = Math.floor(at.getTime() / MS_PER_MINUTE) * MS_PER_MINUTE;
  let known = cache.get(key);
  if (known?.minute !== minute) {
    known = { minute, value: work(minute) };
    if (cache.size >= 1000) cache.clear();
    cache.set(key, known);
  }
  return [minute, known.value];
}

function weekKey(week: WorkingWeek): string {
  return `${week.timezone} ${week.start} ${week.end} ${week.days.join(',')}`;
}

/**
 * The next instant strictly after `at` when the clock in `timezone` reads `hour`:00 (0–23),
 * for daily digests. It fires once per local date: when hour:00 occurs twice (fall back) only
 * the first occurrence counts; when it does not exist (spring forward) luxon moves it forward by
 * the gap, e.g. 02:00 on a 02:00→03:00 day becomes 03:00 at the new offset.
 */
export function nextLocalHour(at: Date, hour: number, timezone: string): Date {
  const zone = parseZone(timezone);
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) {
    throw new RangeError(`hour must be an integer from 0 to 23, got ${String(hour)}`);
  }
  const local = toLocal(at, zone);
  let day = noonOf(local);
  for (let i = 0; i < 3; i += 1) {
    const candidate = wallTime(day, hour * 60, 'first');
    if (candidate.toMillis() > local.toMillis()) return candidate.toJSDate();
    day = day.plus({ days: 1 });
  }
  // Unreachable: the next local date's hour:00 is always after `at`.
  throw new RangeError(`no ${hour}:00 in ${timezone} after ${at.toISOString()}`);
}

/** ISO weekday (1 Monday … 7 Sunday) of `at` in `timezone`. */
export function localWeekday(at: Date, timezone: string): number {
  return toLocal(at, parseZone(timezone)).weekday;
}

/** Local calendar date of `at` in `timezone`, 'YYYY-MM-DD'. */
export function localDate(at: Date, timezone: string): string {
  return toLocal(at, parseZone(timezone)).toFormat('yyyy-MM-dd');
}

// --- internals -------------------------------------------------------------------------------

/** Largest instant a JS Date can hold. */
const MAX_DATE_MS = 8.64e15;

interface ParsedWeek {
  zone: string;
  /** Minutes after local midnight, 0–1439. */
  start: number;
  /** Minutes after local midnight, start+1 … 1440. */
  end: number;
  days: ReadonlySet<number>;
}

function parseWeek(week: WorkingWeek): ParsedWeek {
  if (week === null || typeof week !== 'object') {
    throw new RangeError('working week must be an object with timezone, start, end and days');
  }
  const zone = parseZone(week.timezone);
  const start = parseHhMm(week.start, 'start', false);
  const end = parseHhMm(week.end, 'end', true);
  if (start >= end) {
    throw new RangeError(`working week start (${week.start}) must be earlier than end (${week.end})`);
  }
  if (!Array.isArray(week.days) || week.days.length === 0) {
    throw new RangeError('working week days must list at least one ISO weekday (1 Monday … 7 Sunday)');
  }
  for (const day of week.days) {
    if (!Number.isInteger(day) || day < 1 || day > 7) {
      throw new RangeError(`working week days must be ISO weekdays 1 (Monday) to 7 (Sunday), got ${String(day)}`);
    }
  }
  return { zone, start, end, days: new Set(week.days) };
}

/** Zones found valid: luxon's check builds a date formatter each time, a cost on every case opened. */
const validZones = new Set<string>();

function parseZone(timezone: string): string {
  if (validZones.has(timezone)) return timezone;
  if (typeof timezone !== 'string' || !IANAZone.isValidZone(timezone)) {
    throw new RangeError(`unknown IANA timezone: ${JSON.stringify(timezone)}`);
  }
  validZones.add(timezone);
  return timezone;
}

function parseHhMm(value: string, field: 'start' | 'end', allowMidnightEnd: boolean): number {
  const match = typeof value === 'string' ? HH_MM.exec(value) : null;
  if (match) {
    const minutes = Number(match[1]) * 60 + Number(match[2]);
    if (Number(match[2]) < 60 && minutes < MINUTES_PER_DAY) return minutes;
    if (allowMidnightEnd && minutes === MINUTES_PER_DAY) return minutes;
  }
  const range = allowMidnightEnd ? "'00:00' to '24:00'" : "'00:00' to '23:59'";
  throw new RangeError(`working week ${field} must be 'HH:MM' 24-hour time from ${range}, got ${JSON.stringify(value)}`);
}

function toLocal(at: Date, zone: string): DateTime {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new RangeError('instant must be a valid Date');
  }
  return DateTime.fromJSDate(at, { zone });
}

/** Local noon of the same local date: a stable handle for calendar-day stepping (noon always exists). */
function noonOf(local: DateTime): DateTime {
  return local.set({ hour: 12, minute: 0, second: 0, millisecond: 0 });
}

/** Minutes since local midnight by the wall clock, with fractions for seconds. */
function minuteOfDay(local: DateTime): number {
  return local.hour * 60 + local.minute + (local.second * 1000 + local.millisecond) / 60_000;
}

function withinHours(local: DateTime, w: ParsedWeek): boolean {
  const minute = minuteOfDay(local);
  return w.start <= minute && minute < w.end;
}

/** The first business day strictly after the local date of `day` (a noon handle). */
function nextBusinessDay(day: DateTime, w: ParsedWeek): DateTime {
  let next = day.plus({ days: 1 });
  while (!w.days.has(next.weekday)) next = next.plus({ days: 1 });
  return next;
}

function opening(day: DateTime, w: ParsedWeek, settled = false): DateTime {
  return wallTime(day, w.start, 'first', settled);
}

function closing(day: DateTime, w: ParsedWeek, settled = false): DateTime {
  return wallTime(day, w.end, 'last', settled);
}

/**
 * The instant on the local date of `day` when the wall clock reads `minutes` after midnight
 * (1440 = midnight starting the next day). Ambiguous times pick the first or last occurrence;
 * nonexistent times are luxon's forward-shifted instant. `settled` says the caller knows no DST
 * change falls on this date, so the ambiguity check can be skipped.
 */
function wallTime(day: DateTime, minutes: number, occurrence: 'first' | 'last', settled = false): DateTime {
  const date = minutes >= MINUTES_PER_DAY ? day.plus({ days: 1 }) : day;
  const m = minutes % MINUTES_PER_DAY;
  const resolved = DateTime.fromObject(
    { year: date.year, month: date.month, day: date.day, hour: Math.floor(m / 60), minute: m % 60 },
    { zone: day.zone },
  );
  if (settled) return resolved;
  const options = resolved.getPossibleOffsets();
  if (options.length < 2) return resolved;
  return options.reduce((best, option) =>
    (occurrence === 'first' ? option.toMillis() < best.toMillis() : option.toMillis() > best.toMillis()) ? option : best,
  );
}
