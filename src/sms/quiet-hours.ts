/**
 * A client's SMS quiet hours: a daily window, on the client's own clock, in which Hark sends
 * no texts; what would have gone out waits until the window ends.
 */

/**
 * 'HH:MM' 24-hour times on the client's clock. A start later than the end wraps midnight
 * (21:00–09:00); a start equal to the end means there are no quiet hours.
 */
export type QuietHours = { start: string; end: string };

interface CalendarDay {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
}

interface WallClock extends CalendarDay {
  hour: number;
  minute: number;
  second: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True when `at`, read on the clock of `timezone`, falls in the quiet window (start included, end excluded). */
export function isQuietTime(at: Date, timezone: string, quiet: QuietHours): boolean {
  const window = quietWindow(quiet);
  return isInWindow(minuteOfDay(wallClockAt(at.getTime(), timezone)), window);
}

/**
 * `at` itself when it is not quiet; otherwise the first instant at which the quiet window ends
 * on the clock of `timezone`. When that end time does not exist that day (the clocks jump over
 * it), the answer is the instant of the jump, the first moment the clock reads later than it;
 * when it happens twice (the clocks go back), the first occurrence after `at`.
 */
export function nextSendableTime(at: Date, timezone: string, quiet: QuietHours): Date {
  const window = quietWindow(quiet);
  const wall = wallClockAt(at.getTime(), timezone);
  const minute = minuteOfDay(wall);
  if (!isInWindow(minute, window)) return at;
  const endsTomorrow = window.start > window.end && minute >= window.start;
  const endDay = endsTomorrow ? addDays(wall, 1) : wall;
  return new Date(firstInstantAtWallTime(endDay, window.end, timezone, at.getTime()));
}

function quietWindow(quiet: QuietHours): { start: number; end: number } {
  return { start: parseClockTime(quiet.start), end: parseClockTime(quiet.end) };
}

/** Minutes since midnight of an 'HH:MM' time; throws RangeError for anything else. */
function parseClockTime(clock: string): number {
  const match = CLOCK_TIME.exec(clock);
  if (!match) throw new RangeError(`Not a 24-hour HH:MM time: ${JSON.stringify(clock)}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function isInWindow(minute: number, window: { start: number; end: number }): boolean {
  if (window.start === window.end) return false;
  if (window.start < window.end) return minute >= window.start && minute < window.end;
  return minute >= window.start || minute < window.end;
}

function minuteOfDay(wall: WallClock): number {
  return wall.hour * 60 + wall.minute;
}

function addDays(day: CalendarDay, days: number): CalendarDay {
  const date = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/**
 * The earliest instant after `afterMs` at which the clock of `timeZone` reads `minute` on
 * `day`, or, when the clocks skip that time, the instant they skip it.
 */
function firstInstantAtWallTime(day: CalendarDay, minute: number, timeZone: string, afterMs: number): number {
  // The wall time written as if it were UTC; the real instant is this minus the offset then in force.
  const wallAsUtc = Date.UTC(day.year, day.month - 1, day.day, Math.floor(minute / 60), minute % 60);
  // No zone changes its offset twice within two days, so these are the only offsets that can apply.
  const offsetBefore = utcOffsetAt(wallAsUtc - DAY_MS, timeZone);
  const offsetAfter = utcOffsetAt(wallAsUtc + DAY_MS, timeZone);
  const candidates = [...new Set([wallAsUtc - offsetBefore, wallAsUtc - offsetAfter])].sort((a, b) => a - b);
  const occurrences = candidates.filter((instant) => utcOffsetAt(instant, timeZone) === wallAsUtc - instant);
  if (occurrences.length > 0) {
    const next = occurrences.find((instant) => instant > afterMs);
    if (next === undefined) throw new Error(`No ${timeZone} instant at that wall time after ${new Date(afterMs).toISOString()}`);
    return next;
  }
  return offsetChangeBetween(candidates[0] ?? wallAsUtc, candidates[candidates.length - 1] ?? wallAsUtc, offsetBefore, timeZone);
}

/** The first whole second in [fromMs, toMs] at which the zone's offset is no longer `offsetBefore` (binary search). */
function offsetChangeBetween(fromMs: number, toMs: number, offsetBefore: number, timeZone: string): number {
  let low = Math.floor(fromMs / 1000);
  let high = Math.ceil(toMs / 1000);
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (utcOffsetAt(middle * 1000, timeZone) === offsetBefore) low = middle + 1;
    else high = middle;
  }
  return low * 1000;
}

/** Milliseconds the zone's clock is ahead of UTC at an instant (to the second). */
function utcOffsetAt(instantMs: number, timeZone: string): number {
  const wall = wallClockAt(instantMs, timeZone);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return wallAsUtc - Math.floor(instantMs / 1000) * 1000;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallClockAt(instantMs: number, timeZone: string): WallClock {
  const fields = new Map<string, number>();
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
    if (part.type !== 'literal') fields.set(part.type, Number(part.value));
  }
  const field = (name: string): number => {
    const value = fields.get(name);
    if (value === undefined || Number.isNaN(value)) throw new Error(`Intl gave no ${name} for ${timeZone}`);
    return value;
  };
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
  };
}
