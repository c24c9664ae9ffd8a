/** Business-time arithmetic on a business's own clock, including DST change days. */
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addBusinessHours,
  addBusinessHoursFromNow,
  isBusinessDay,
  isWithinBusinessHours,
  localDate,
  localWeekday,
  nextAllowedTime,
  nextAllowedTimeFromNow,
  nextLocalHour,
  validateWorkingWeek,
  type WorkingWeek,
} from './business-time.ts';

const NZ = 'Pacific/Auckland';
const NY = 'America/New_York';

/** Mon–Fri 09:00–17:00 in Auckland. */
const nzWeek: WorkingWeek = { timezone: NZ, start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] };
/** Mon–Fri 09:00–17:00 in New York. */
const nyWeek: WorkingWeek = { timezone: NY, start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] };
/** A café open Wed–Sun 10:00–18:00 in Auckland. */
const cafeWeek: WorkingWeek = { timezone: NZ, start: '10:00', end: '18:00', days: [3, 4, 5, 6, 7] };
/** Every day 09:00–17:00 in Auckland. */
const everyDayNz: WorkingWeek = { ...nzWeek, days: [1, 2, 3, 4, 5, 6, 7] };

/** A local wall-clock time in `zone` as an instant. */
function at(iso: string, zone = NZ): Date {
  const local = DateTime.fromISO(iso, { zone });
  if (!local.isValid) throw new Error(`bad test time ${iso}`);
  return local.toJSDate();
}

/** An instant as local ISO with offset, e.g. '2026-11-30T10:00+13:00' (seconds shown only when non-zero). */
function local(date: Date, zone = NZ): string {
  return DateTime.fromJSDate(date, { zone }).toISO({ suppressMilliseconds: true, suppressSeconds: true }) ?? 'invalid';
}

const bothHeld = { weekends: true, outsideHours: true };
const weekendsHeld = { weekends: true, outsideHours: false };
const hoursHeld = { weekends: false, outsideHours: true };
const nothingHeld = { weekends: false, outsideHours: false };

describe('localWeekday and localDate', () => {
  // 2026-11-27T20:00Z is Saturday morning in Auckland and still Friday afternoon in New York.
  const instant = new Date('2026-11-27T20:00:00Z');

  it('use the local calendar of the zone', () => {
    expect(localWeekday(instant, NZ)).toBe(6);
    expect(localDate(instant, NZ)).toBe('2026-11-28');
    expect(localWeekday(instant, NY)).toBe(5);
    expect(localDate(instant, NY)).toBe('2026-11-27');
    expect(localWeekday(instant, 'UTC')).toBe(5);
  });

  it('Sunday is 7 and dates are zero-padded', () => {
    expect(localWeekday(at('2026-03-08T12:00', NY), NY)).toBe(7);
    expect(localDate(at('2026-03-08T12:00', NY), NY)).toBe('2026-03-08');
    expect(localDate(at('0999-01-05T12:00', NY), NY)).toBe('0999-01-05');
  });
});

describe('isBusinessDay', () => {
  it('checks the local date against the working days', () => {
    expect(isBusinessDay(at('2026-11-27T16:00'), nzWeek)).toBe(true); // Friday
    expect(isBusinessDay(at('2026-11-27T23:59'), nzWeek)).toBe(true); // still Friday, after hours
    expect(isBusinessDay(at('2026-11-28T10:00'), nzWeek)).toBe(false); // Saturday
    expect(isBusinessDay(at('2026-11-29T10:00'), nzWeek)).toBe(false); // Sunday
  });

  it('an instant that is Friday in UTC but Saturday in Auckland is not a business day there', () => {
    const instant = new Date('2026-11-27T20:00:00Z');
    expect(isBusinessDay(instant, nzWeek)).toBe(false);
    expect(isBusinessDay(instant, nyWeek)).toBe(true);
  });

  it('a weekend business works Saturday and Sunday but not Monday or Tuesday', () => {
    expect(isBusinessDay(at('2026-11-28T10:00'), cafeWeek)).toBe(true);
    expect(isBusinessDay(at('2026-11-29T10:00'), cafeWeek)).toBe(true);
    expect(isBusinessDay(at('2026-11-30T10:00'), cafeWeek)).toBe(false);
    expect(isBusinessDay(at('2026-12-01T10:00'), cafeWeek)).toBe(false);
  });
});

describe('isWithinBusinessHours', () => {
  it('start is inclusive and end exclusive', () => {
    expect(isWithinBusinessHours(at('2026-11-27T08:59:59.999'), nzWeek)).toBe(false);
    expect(isWithinBusinessHours(at('2026-11-27T09:00'), nzWeek)).toBe(true);
    expect(isWithinBusinessHours(at('2026-11-27T12:30'), nzWeek)).toBe(true);
    expect(isWithinBusinessHours(at('2026-11-27T16:59:59.999'), nzWeek)).toBe(true);
    expect(isWithinBusinessHours(at('2026-11-27T17:00'), nzWeek)).toBe(false);
  });

  it('not on a day off, even within the hours', () => {
    expect(isWithinBusinessHours(at('2026-11-28T10:00'), nzWeek)).toBe(false);
    expect(isWithinBusinessHours(at('2026-11-28T10:00'), cafeWeek)).toBe(true);
    expect(isWithinBusinessHours(at('2026-11-30T10:00'), cafeWeek)).toBe(false);
  });

  it('in New York, 13:00Z is inside hours after the spring change and outside before it', () => {
    expect(isWithinBusinessHours(new Date('2026-03-06T13:00:00Z'), nyWeek)).toBe(false); // 08:00 EST
    expect(isWithinBusinessHours(new Date('2026-03-09T13:00:00Z'), nyWeek)).toBe(true); // 09:00 EDT
  });

  it('an end of 24:00 runs to midnight', () => {
    const lateWeek: WorkingWeek = { ...nzWeek, start: '18:00', end: '24:00' };
    expect(isWithinBusinessHours(at('2026-11-27T23:59:59.999'), lateWeek)).toBe(true);
    expect(isWithinBusinessHours(at('2026-11-28T00:00'), lateWeek)).toBe(false); // Saturday
    expect(isWithinBusinessHours(at('2026-11-27T17:59'), lateWeek)).toBe(false);
  });
});

describe('nextAllowedTime', () => {
  it('holding nothing returns the instant itself', () => {
    const instant = at('2026-11-28T03:00');
    expect(nextAllowedTime(instant, nzWeek, nothingHeld)).toBe(instant);
  });

  it('holding weekends: any time on a business day, else midnight starting the next one', () => {
    const friday = at('2026-11-27T23:00');
    expect(nextAllowedTime(friday, nzWeek, weekendsHeld)).toBe(friday);
    expect(local(nextAllowedTime(at('2026-11-28T15:00'), nzWeek, weekendsHeld))).toBe('2026-11-30T00:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-29T23:59'), nzWeek, weekendsHeld))).toBe('2026-11-30T00:00+13:00');
    // The café is closed Monday and Tuesday.
    expect(local(nextAllowedTime(at('2026-12-01T12:00'), cafeWeek, weekendsHeld))).toBe('2026-12-02T00:00+13:00');
  });

  it('holding outside hours: within hours on any day, else the next opening', () => {
    const saturdayMorning = at('2026-11-28T10:00');
    expect(nextAllowedTime(saturdayMorning, nzWeek, hoursHeld)).toBe(saturdayMorning);
    expect(local(nextAllowedTime(at('2026-11-27T08:00'), nzWeek, hoursHeld))).toBe('2026-11-27T09:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-27T17:00'), nzWeek, hoursHeld))).toBe('2026-11-28T09:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-28T07:00'), nzWeek, hoursHeld))).toBe('2026-11-28T09:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-28T00:00'), nzWeek, hoursHeld))).toBe('2026-11-28T09:00+13:00');
  });

  it('holding both: within business hours, else the next business opening', () => {
    const fridayNoon = at('2026-11-27T12:00');
    expect(nextAllowedTime(fridayNoon, nzWeek, bothHeld)).toBe(fridayNoon);
    expect(local(nextAllowedTime(at('2026-11-27T08:00'), nzWeek, bothHeld))).toBe('2026-11-27T09:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-27T17:00'), nzWeek, bothHeld))).toBe('2026-11-30T09:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-28T07:00'), nzWeek, bothHeld))).toBe('2026-11-30T09:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-29T23:59'), nzWeek, bothHeld))).toBe('2026-11-30T09:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-30T08:59'), nzWeek, bothHeld))).toBe('2026-11-30T09:00+13:00');
  });

  it('holding both for a weekend business defers Monday to Wednesday opening', () => {
    expect(local(nextAllowedTime(at('2026-11-30T12:00'), cafeWeek, bothHeld))).toBe('2026-12-02T10:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-29T18:00'), cafeWeek, bothHeld))).toBe('2026-12-02T10:00+13:00');
    expect(local(nextAllowedTime(at('2026-11-28T09:00'), cafeWeek, bothHeld))).toBe('2026-11-28T10:00+13:00');
  });

  it('in New York across the spring change the opening stays 09:00 local', () => {
    expect(local(nextAllowedTime(at('2026-03-06T18:00', NY), nyWeek, bothHeld), NY)).toBe('2026-03-09T09:00-04:00');
    expect(local(nextAllowedTime(at('2026-03-07T07:00', NY), nyWeek, hoursHeld), NY)).toBe('2026-03-07T09:00-05:00');
  });
});

describe('addBusinessHours', () => {
  it('Friday 16:00 + 2h spills over the weekend to Monday 10:00', () => {
    expect(local(addBusinessHours(at('2026-11-27T16:00'), 2, nzWeek))).toBe('2026-11-30T10:00+13:00');
  });

  it('running out exactly at closing returns the closing instant', () => {
    expect(local(addBusinessHours(at('2026-11-27T09:00'), 8, nzWeek))).toBe('2026-11-27T17:00+13:00');
    expect(local(addBusinessHours(at('2026-11-27T16:00'), 1, nzWeek))).toBe('2026-11-27T17:00+13:00');
  });

  it('before opening counting starts at opening', () => {
    expect(local(addBusinessHours(at('2026-11-27T07:00'), 1, nzWeek))).toBe('2026-11-27T10:00+13:00');
  });

  it('during hours counting starts immediately', () => {
    expect(local(addBusinessHours(at('2026-11-25T10:30'), 3.25, nzWeek))).toBe('2026-11-25T13:45+13:00');
  });

  it('at closing counting starts at the next opening', () => {
    expect(local(addBusinessHours(at('2026-11-26T17:00'), 1, nzWeek))).toBe('2026-11-27T10:00+13:00');
    expect(local(addBusinessHours(at('2026-11-27T17:00'), 1, nzWeek))).toBe('2026-11-30T10:00+13:00');
  });

  it('after closing counting starts at the next opening', () => {
    expect(local(addBusinessHours(at('2026-11-26T20:00'), 0.5, nzWeek))).toBe('2026-11-27T09:30+13:00');
  });

  it('on a weekend counting starts Monday', () => {
    expect(local(addBusinessHours(at('2026-11-28T11:00'), 1, nzWeek))).toBe('2026-11-30T10:00+13:00');
    expect(local(addBusinessHours(at('2026-11-29T23:00'), 8, nzWeek))).toBe('2026-11-30T17:00+13:00');
  });

  it('fractional hours', () => {
    expect(local(addBusinessHours(at('2026-11-30T09:00'), 0.25, nzWeek))).toBe('2026-11-30T09:15+13:00');
    expect(local(addBusinessHours(at('2026-11-27T16:30'), 1.75, nzWeek))).toBe('2026-11-30T10:15+13:00');
    expect(local(addBusinessHours(at('2026-11-30T09:00'), 1 / 3600, nzWeek))).toBe('2026-11-30T09:00:01+13:00');
  });

  it('40 hours is one working week of 8-hour days', () => {
    expect(local(addBusinessHours(at('2026-11-30T09:00'), 40, nzWeek))).toBe('2026-12-04T17:00+13:00');
    expect(local(addBusinessHours(at('2026-11-27T09:00'), 40, nzWeek))).toBe('2026-12-03T17:00+13:00');
    expect(local(addBusinessHours(at('2026-11-27T12:00'), 40, nzWeek))).toBe('2026-12-04T12:00+13:00');
  });

  it('2000 hours is 250 business days, crossing both Auckland DST changes', () => {
    expect(local(addBusinessHours(at('2026-03-02T09:00'), 2000, nzWeek))).toBe('2027-02-12T17:00+13:00');
    expect(local(addBusinessHours(at('2026-03-02T09:00'), 2001, nzWeek))).toBe('2027-02-15T10:00+13:00');
  });

  it('a weekend business counts Saturday and Sunday and skips Monday and Tuesday', () => {
    expect(local(addBusinessHours(at('2026-11-27T17:00'), 3, cafeWeek))).toBe('2026-11-28T12:00+13:00');
    expect(local(addBusinessHours(at('2026-11-29T17:00'), 2, cafeWeek))).toBe('2026-12-02T11:00+13:00');
  });

  it('New York spills over both DST changes with 09:00–17:00 local kept', () => {
    expect(local(addBusinessHours(at('2026-03-06T16:00', NY), 2, nyWeek), NY)).toBe('2026-03-09T10:00-04:00');
    expect(local(addBusinessHours(at('2026-10-30T16:00', NY), 2, nyWeek), NY)).toBe('2026-11-02T10:00-05:00');
  });
});

describe('DST change days (Pacific/Auckland unless noted)', () => {
  // 2026-04-05 (first Sunday of April): 03:00 NZDT (+13) falls back to 02:00 NZST (+12).
  // 2026-09-27 (last Sunday of September): 02:00 NZST (+12) springs forward to 03:00 NZDT (+13).

  it('the opening after the April weekend is 09:00 local at the new offset', () => {
    expect(local(nextAllowedTime(at('2026-04-04T12:00'), nzWeek, bothHeld))).toBe('2026-04-06T09:00+12:00');
    expect(local(addBusinessHours(at('2026-04-03T16:00'), 2, nzWeek))).toBe('2026-04-06T10:00+12:00');
  });

  it('the opening after the September weekend is 09:00 local at the new offset', () => {
    expect(local(nextAllowedTime(at('2026-09-26T12:00'), nzWeek, bothHeld))).toBe('2026-09-28T09:00+13:00');
    expect(local(addBusinessHours(at('2026-09-25T16:00'), 2, nzWeek))).toBe('2026-09-28T10:00+13:00');
  });

  it('on the change Sunday itself, opening is 09:00 local', () => {
    expect(local(nextAllowedTime(at('2026-04-05T01:00'), everyDayNz, bothHeld))).toBe('2026-04-05T09:00+12:00');
    expect(local(nextAllowedTime(at('2026-09-27T01:00'), everyDayNz, bothHeld))).toBe('2026-09-27T09:00+13:00');
    expect(local(addBusinessHours(at('2026-04-04T16:00'), 2, everyDayNz))).toBe('2026-04-05T10:00+12:00');
    expect(local(addBusinessHours(at('2026-09-26T16:00'), 2, everyDayNz))).toBe('2026-09-27T10:00+13:00');
    expect(isWithinBusinessHours(at('2026-04-05T09:00'), everyDayNz)).toBe(true);
    expect(isWithinBusinessHours(new Date('2026-04-04T20:00:00Z'), everyDayNz)).toBe(false); // 08:00 NZST
    expect(isWithinBusinessHours(new Date('2026-09-26T20:00:00Z'), everyDayNz)).toBe(true); // 09:00 NZDT
  });

  it('the night over a change is an hour longer or shorter in real time', () => {
    const april = nextAllowedTime(at('2026-04-04T18:00'), nzWeek, hoursHeld);
    expect(local(april)).toBe('2026-04-05T09:00+12:00');
    expect(april.getTime() - at('2026-04-04T18:00').getTime()).toBe(16 * 3_600_000);
    const september = nextAllowedTime(at('2026-09-26T18:00'), nzWeek, hoursHeld);
    expect(local(september)).toBe('2026-09-27T09:00+13:00');
    expect(september.getTime() - at('2026-09-26T18:00').getTime()).toBe(14 * 3_600_000);
  });

  it('holding weekends releases at Monday midnight after a change weekend', () => {
    expect(local(nextAllowedTime(at('2026-09-26T12:00'), nzWeek, weekendsHeld))).toBe('2026-09-28T00:00+13:00');
    expect(local(nextAllowedTime(at('2026-04-04T12:00'), nzWeek, weekendsHeld))).toBe('2026-04-06T00:00+12:00');
  });

  it('hours spanning a change count real elapsed time', () => {
    // Open all day every day: the April Sunday has 25 real hours, the September Sunday 23.
    const allDay: WorkingWeek = { timezone: NZ, start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] };
    expect(local(addBusinessHours(at('2026-04-05T00:00'), 25, allDay))).toBe('2026-04-06T00:00+12:00');
    expect(local(addBusinessHours(at('2026-09-27T00:00'), 23, allDay))).toBe('2026-09-28T00:00+13:00');
    // Night shift 01:00–05:00 on the September Sunday loses the skipped 02:00–03:00 hour.
    const night: WorkingWeek = { timezone: NZ, start: '01:00', end: '05:00', days: [7] };
    expect(local(addBusinessHours(at('2026-09-27T00:00'), 3, night))).toBe('2026-09-27T05:00+13:00');
  });

  it('a repeated (fall back) opening is its first occurrence and closing its last', () => {
    // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:00–01:59 happens twice.
    const early: WorkingWeek = { timezone: NY, start: '00:00', end: '01:30', days: [7] };
    expect(local(addBusinessHours(at('2026-11-01T00:00', NY), 2.5, early), NY)).toBe('2026-11-01T01:30-05:00');
    const late: WorkingWeek = { timezone: NY, start: '01:30', end: '03:00', days: [7] };
    expect(local(nextAllowedTime(at('2026-11-01T00:00', NY), late, bothHeld), NY)).toBe('2026-11-01T01:30-04:00');
    expect(local(addBusinessHours(at('2026-11-01T00:00', NY), 2.5, late), NY)).toBe('2026-11-01T03:00-05:00');
  });
});

describe('nextLocalHour', () => {
  it('later today, else tomorrow, strictly after the instant', () => {
    expect(local(nextLocalHour(at('2026-11-27T08:00'), 9, NZ))).toBe('2026-11-27T09:00+13:00');
    expect(local(nextLocalHour(at('2026-11-27T09:00'), 9, NZ))).toBe('2026-11-28T09:00+13:00');
    expect(local(nextLocalHour(at('2026-11-27T08:59:59.999'), 9, NZ))).toBe('2026-11-27T09:00+13:00');
    expect(local(nextLocalHour(at('2026-11-27T23:00', NY), 0, NY), NY)).toBe('2026-11-28T00:00-05:00');
  });

  it('keeps the local hour across Auckland DST changes', () => {
    const april = nextLocalHour(at('2026-04-04T12:00'), 9, NZ);
    expect(local(april)).toBe('2026-04-05T09:00+12:00');
    expect(april.getTime() - at('2026-04-04T12:00').getTime()).toBe(22 * 3_600_000);
    expect(local(nextLocalHour(at('2026-09-26T12:00'), 9, NZ))).toBe('2026-09-27T09:00+13:00');
  });

  it('fires once per local date when the hour repeats (fall back): the first occurrence', () => {
    expect(local(nextLocalHour(at('2026-04-05T01:00'), 2, NZ))).toBe('2026-04-05T02:00+13:00');
    expect(local(nextLocalHour(at('2026-04-05T02:00+13:00'), 2, NZ))).toBe('2026-04-06T02:00+12:00');
    expect(local(nextLocalHour(at('2026-11-01T00:30', NY), 1, NY), NY)).toBe('2026-11-01T01:00-04:00');
    expect(local(nextLocalHour(at('2026-11-01T01:00-04:00', NY), 1, NY), NY)).toBe('2026-11-02T01:00-05:00');
  });

  it('a skipped hour (spring forward) moves forward by the gap, as luxon does', () => {
    expect(local(nextLocalHour(at('2026-09-26T12:00'), 2, NZ))).toBe('2026-09-27T03:00+13:00');
    expect(local(nextLocalHour(at('2026-03-07T12:00', NY), 2, NY), NY)).toBe('2026-03-08T03:00-04:00');
  });

  it('rejects hours outside 0–23', () => {
    for (const hour of [-1, 24, 1.5, Number.NaN]) {
      expect(() => nextLocalHour(at('2026-11-27T08:00'), hour, NZ)).toThrow(RangeError);
    }
    expect(() => nextLocalHour(at('2026-11-27T08:00'), 24, NZ)).toThrow(/hour must be an integer from 0 to 23/);
  });
});

describe('invalid input', () => {
  const instant = at('2026-11-27T12:00');

  function rangeError(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(RangeError);
      return (error as Error).message;
    }
    throw new Error('expected a RangeError');
  }

  it.each(['9:00', '09:60', '25:00', '0900', '', '09:00:00', 'ab:cd', '24:00'])('start %j', (start) => {
    expect(rangeError(() => isWithinBusinessHours(instant, { ...nzWeek, start }))).toMatch(/start must be 'HH:MM'/);
  });

  it.each(['7:00', '24:01', '99:99', '17h00'])('end %j', (end) => {
    expect(rangeError(() => isWithinBusinessHours(instant, { ...nzWeek, end }))).toMatch(/end must be 'HH:MM'/);
  });

  it('start not before end', () => {
    expect(rangeError(() => addBusinessHours(instant, 1, { ...nzWeek, start: '17:00', end: '09:00' }))).toMatch(
      /start \(17:00\) must be earlier than end \(09:00\)/,
    );
    expect(rangeError(() => isBusinessDay(instant, { ...nzWeek, start: '09:00', end: '09:00' }))).toMatch(/earlier than end/);
  });

  it('days empty or outside 1–7', () => {
    expect(rangeError(() => isBusinessDay(instant, { ...nzWeek, days: [] }))).toMatch(/at least one ISO weekday/);
    for (const days of [[0], [8], [1, 1.5], [Number.NaN]]) {
      expect(rangeError(() => isBusinessDay(instant, { ...nzWeek, days }))).toMatch(/ISO weekdays 1 \(Monday\) to 7 \(Sunday\)/);
    }
  });

  it('unknown timezone', () => {
    expect(rangeError(() => isBusinessDay(instant, { ...nzWeek, timezone: 'Mars/Olympus_Mons' }))).toMatch(
      /unknown IANA timezone: "Mars\/Olympus_Mons"/,
    );
    expect(rangeError(() => isBusinessDay(instant, { ...nzWeek, timezone: '' }))).toMatch(/unknown IANA timezone/);
    expect(rangeError(() => localDate(instant, 'Nowhere/Special'))).toMatch(/unknown IANA timezone/);
    expect(rangeError(() => localWeekday(instant, 'Nowhere/Special'))).toMatch(/unknown IANA timezone/);
    expect(rangeError(() => nextLocalHour(instant, 9, 'Nowhere/Special'))).toMatch(/unknown IANA timezone/);
  });

  it('hours not positive and finite', () => {
    for (const hours of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(rangeError(() => addBusinessHours(instant, hours, nzWeek))).toMatch(/hours must be a finite number greater than 0/);
    }
  });

  it('an invalid Date', () => {
    expect(rangeError(() => isBusinessDay(new Date('nope'), nzWeek))).toMatch(/valid Date/);
    expect(rangeError(() => nextAllowedTime(new Date(Number.NaN), nzWeek, bothHeld))).toMatch(/valid Date/);
    expect(rangeError(() => localDate(new Date(Number.NaN), NZ))).toMatch(/valid Date/);
  });

  it('hours beyond the date range', () => {
    expect(rangeError(() => addBusinessHours(instant, 1e13, nzWeek))).toMatch(/beyond the supported date range/);
  });

  it('validateWorkingWeek accepts a good week, including an end of 24:00', () => {
    expect(() => validateWorkingWeek(nzWeek)).not.toThrow();
    expect(() => validateWorkingWeek({ ...nzWeek, start: '00:00', end: '24:00' })).not.toThrow();
    expect(() => validateWorkingWeek({ ...nzWeek, timezone: 'UTC' })).not.toThrow();
    expect(rangeError(() => validateWorkingWeek({ ...nzWeek, days: [] }))).toMatch(/at least one/);
  });
});

describe('addBusinessHoursFromNow', () => {
  const weeks: WorkingWeek[] = [
    nzWeek,
    { timezone: NY, start: '08:30', end: '17:45', days: [1, 2, 3, 4, 5] },
    // Offsets of whole minutes that are not whole hours, and a DST change of half an hour.
    { timezone: 'Asia/Kathmandu', start: '10:00', end: '18:00', days: [7, 1, 2, 3, 4, 5] },
    { timezone: 'Australia/Lord_Howe', start: '07:15', end: '23:59', days: [1, 2, 3, 4, 5, 6, 7] },
    { timezone: 'Europe/London', start: '00:00', end: '24:00', days: [2, 4] },
  ];
  const hours = [0.25, 1.5, 8, 24, 40.1234];

  it('gives what addBusinessHours gives, start by start, across closings, weekends and DST changes', () => {
    // A fixed pseudo-random walk over 2026, with runs of neighbouring starts (same minute,
    // next second, across a minute's end) where a deadline crosses a closing.
    let seed = 20261126;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const yearStart = Date.parse('2026-01-01T00:00:00Z');
    let compared = 0;
    for (const week of weeks) {
      for (const h of hours) {
        for (let i = 0; i < 60; i++) {
          const base = yearStart + Math.floor(random() * 365 * 86_400_000);
          for (const offset of [0, 1, 999, 29_999, 59_999, 60_000, 61_234]) {
            const at = new Date(base + offset);
            expect(addBusinessHoursFromNow(at, h, week).toISOString(), `${week.timezone} +${h}h from ${at.toISOString()}`).toBe(addBusinessHours(at, h, week).toISOString());
            compared++;
          }
        }
        // Every second of the minutes around a closing, where the deadline crosses it.
        const closing = DateTime.fromISO(`2026-03-11T${week.end === '24:00' ? '23:59' : week.end}`, { zone: week.timezone }).toMillis();
        const dueAtClosing = closing - h * 3_600_000;
        for (let t = dueAtClosing - 90_000; t <= dueAtClosing + 90_000; t += 1000) {
          const at = new Date(t);
          expect(addBusinessHoursFromNow(at, h, week).toISOString(), `${week.timezone} +${h}h from ${at.toISOString()}`).toBe(addBusinessHours(at, h, week).toISOString());
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });
});

describe('nextAllowedTimeFromNow', () => {
  const weeks: WorkingWeek[] = [
    nzWeek,
    { timezone: NY, start: '08:30', end: '17:45', days: [1, 2, 3, 4, 5] },
    { timezone: 'Asia/Kathmandu', start: '10:00', end: '18:00', days: [7, 1, 2, 3, 4, 5] },
    { timezone: 'Australia/Lord_Howe', start: '07:15', end: '23:59', days: [1, 2, 3, 4, 5, 6] },
  ];
  const holds = [
    { weekends: true, outsideHours: false },
    { weekends: false, outsideHours: true },
    { weekends: true, outsideHours: true },
    { weekends: false, outsideHours: false },
  ];

  it('gives what nextAllowedTime gives, start by start, around openings, closings, midnights and DST changes', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const yearStart = Date.parse('2026-01-01T00:00:00Z');
    let compared = 0;
    const check = (at: Date, week: WorkingWeek, hold: (typeof holds)[number]) => {
      expect(nextAllowedTimeFromNow(at, week, hold).toISOString(), `${week.timezone} ${JSON.stringify(hold)} from ${at.toISOString()}`).toBe(nextAllowedTime(at, week, hold).toISOString());
      compared++;
    };
    for (const week of weeks) {
      for (const hold of holds) {
        for (let i = 0; i < 150; i++) {
          const base = yearStart + Math.floor(random() * 365 * 86_400_000);
          for (const offset of [0, 1, 30_000, 59_999, 60_000]) check(new Date(base + offset), week, hold);
        }
        // Every 7 seconds of the minutes around a Wednesday's opening, closing and midnight.
        for (const local of [`2026-03-11T${week.start}`, `2026-03-11T${week.end}`, '2026-03-12T00:00']) {
          const edge = DateTime.fromISO(local, { zone: week.timezone }).toMillis();
          for (let t = edge - 90_000; t <= edge + 90_000; t += 7_000) check(new Date(t), week, hold);
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });
});
