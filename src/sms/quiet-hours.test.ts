import { describe, expect, it } from 'vitest';
import { isQuietTime, nextSendableTime, type QuietHours } from './quiet-hours.ts';

const NZ = 'Pacific/Auckland';
const NEW_YORK = 'America/New_York';
const overnight: QuietHours = { start: '21:00', end: '09:00' };

/** The instant written in ISO form with an explicit offset, so each test says which clock it reads. */
function instant(iso: string): Date {
  return new Date(iso);
}

function nextSendable(iso: string, timezone: string, quiet: QuietHours): string {
  return nextSendableTime(instant(iso), timezone, quiet).toISOString();
}

describe('isQuietTime', () => {
  it('covers an overnight window from its start up to, but not including, its end', () => {
    expect(isQuietTime(instant('2025-06-10T20:59:59+12:00'), NZ, overnight)).toBe(false);
    expect(isQuietTime(instant('2025-06-10T21:00:00+12:00'), NZ, overnight)).toBe(true);
    expect(isQuietTime(instant('2025-06-10T23:59:00+12:00'), NZ, overnight)).toBe(true);
    expect(isQuietTime(instant('2025-06-11T00:00:00+12:00'), NZ, overnight)).toBe(true);
    expect(isQuietTime(instant('2025-06-11T08:59:59+12:00'), NZ, overnight)).toBe(true);
    expect(isQuietTime(instant('2025-06-11T09:00:00+12:00'), NZ, overnight)).toBe(false);
    expect(isQuietTime(instant('2025-06-11T12:00:00+12:00'), NZ, overnight)).toBe(false);
  });

  it("reads the client's clock, not UTC's or the server's", () => {
    // 10:00 UTC is 22:00 in Auckland (winter) and 06:00 in New York (summer).
    const tenUtc = instant('2025-06-10T10:00:00Z');
    expect(isQuietTime(tenUtc, NZ, overnight)).toBe(true);
    expect(isQuietTime(tenUtc, NEW_YORK, overnight)).toBe(true);
    expect(isQuietTime(tenUtc, 'Europe/London', overnight)).toBe(false);
  });

  it('handles a window that does not wrap midnight', () => {
    const lunch: QuietHours = { start: '13:00', end: '14:00' };
    expect(isQuietTime(instant('2025-06-10T12:59:00+12:00'), NZ, lunch)).toBe(false);
    expect(isQuietTime(instant('2025-06-10T13:00:00+12:00'), NZ, lunch)).toBe(true);
    expect(isQuietTime(instant('2025-06-10T13:59:00+12:00'), NZ, lunch)).toBe(true);
    expect(isQuietTime(instant('2025-06-10T14:00:00+12:00'), NZ, lunch)).toBe(false);
    expect(isQuietTime(instant('2025-06-10T23:00:00+12:00'), NZ, lunch)).toBe(false);
  });

  it('treats equal start and end as no quiet hours at all', () => {
    const none: QuietHours = { start: '09:00', end: '09:00' };
    for (const iso of ['2025-06-10T09:00:00+12:00', '2025-06-10T03:00:00+12:00', '2025-06-10T21:30:00+12:00']) {
      expect(isQuietTime(instant(iso), NZ, none)).toBe(false);
    }
  });

  it('refuses times that are not 24-hour HH:MM', () => {
    const at = instant('2025-06-10T12:00:00Z');
    for (const bad of ['9:00', '24:00', '21:60', '21.00', '', '9pm']) {
      expect(() => isQuietTime(at, NZ, { start: bad, end: '09:00' })).toThrow(RangeError);
      expect(() => nextSendableTime(at, NZ, { start: '21:00', end: bad })).toThrow(RangeError);
    }
  });

  it('refuses an unknown timezone', () => {
    expect(() => isQuietTime(instant('2025-06-10T12:00:00Z'), 'Mars/Olympus_Mons', overnight)).toThrow(RangeError);
  });
});

describe('nextSendableTime in Auckland, quiet 21:00–09:00', () => {
  it('sends at once outside quiet hours, returning the same instant', () => {
    const nine = instant('2025-06-11T09:00:00+12:00');
    expect(nextSendableTime(nine, NZ, overnight)).toBe(nine);
    const noon = instant('2025-06-11T12:00:00+12:00');
    expect(nextSendableTime(noon, NZ, overnight)).toBe(noon);
  });

  it('holds a late-evening message until 09:00 the next morning', () => {
    expect(nextSendable('2025-06-10T22:30:00+12:00', NZ, overnight)).toBe(instant('2025-06-11T09:00:00+12:00').toISOString());
    expect(nextSendable('2025-06-10T21:00:00+12:00', NZ, overnight)).toBe(instant('2025-06-11T09:00:00+12:00').toISOString());
  });

  it('holds an early-morning message until 09:00 the same day', () => {
    expect(nextSendable('2025-06-11T08:59:00+12:00', NZ, overnight)).toBe(instant('2025-06-11T09:00:00+12:00').toISOString());
    expect(nextSendable('2025-06-11T08:59:59.999+12:00', NZ, overnight)).toBe(instant('2025-06-11T09:00:00+12:00').toISOString());
    expect(nextSendable('2025-06-11T00:30:00+12:00', NZ, overnight)).toBe(instant('2025-06-11T09:00:00+12:00').toISOString());
  });

  it('crosses the end of a month and of a year', () => {
    expect(nextSendable('2025-06-30T23:00:00+12:00', NZ, overnight)).toBe(instant('2025-07-01T09:00:00+12:00').toISOString());
    expect(nextSendable('2025-12-31T22:00:00+13:00', NZ, overnight)).toBe(instant('2026-01-01T09:00:00+13:00').toISOString());
  });

  it('waits for 09:00 NZDT when daylight saving starts overnight (Sunday 28 September 2025)', () => {
    // 22:00 NZST (+12) on Saturday; the clocks jump 02:00 -> 03:00, so 09:00 is NZDT (+13), ten hours later, not eleven.
    const at = instant('2025-09-27T22:00:00+12:00');
    const next = nextSendableTime(at, NZ, overnight);
    expect(next.toISOString()).toBe(instant('2025-09-28T09:00:00+13:00').toISOString());
    expect(next.getTime() - at.getTime()).toBe(10 * 3_600_000);
  });

  it('waits for 09:00 NZST when daylight saving ends overnight (Sunday 6 April 2025)', () => {
    // 22:00 NZDT (+13) on Saturday; the clocks go back 03:00 -> 02:00, so 09:00 is NZST (+12), twelve hours later.
    const at = instant('2025-04-05T22:00:00+13:00');
    const next = nextSendableTime(at, NZ, overnight);
    expect(next.toISOString()).toBe(instant('2025-04-06T09:00:00+12:00').toISOString());
    expect(next.getTime() - at.getTime()).toBe(12 * 3_600_000);
  });

  it('is quiet during the skipped and the repeated hour like any other night-time hour', () => {
    expect(isQuietTime(instant('2025-09-28T03:30:00+13:00'), NZ, overnight)).toBe(true);
    expect(isQuietTime(instant('2025-04-06T02:30:00+13:00'), NZ, overnight)).toBe(true);
    expect(isQuietTime(instant('2025-04-06T02:30:00+12:00'), NZ, overnight)).toBe(true);
  });
});

describe('nextSendableTime when the window ends in an hour the clocks change', () => {
  const endsAtHalfPastTwo: QuietHours = { start: '22:00', end: '02:30' };

  it('sends at the jump when the end time is skipped (NZ, 02:00 -> 03:00)', () => {
    // 02:30 does not exist on 28 September 2025; the first instant after it reads 03:00 NZDT.
    expect(nextSendable('2025-09-27T23:00:00+12:00', NZ, endsAtHalfPastTwo)).toBe(instant('2025-09-28T03:00:00+13:00').toISOString());
  });

  it('sends at the first 02:30 after the message when 02:30 happens twice (NZ, 03:00 -> 02:00)', () => {
    expect(nextSendable('2025-04-05T23:00:00+13:00', NZ, endsAtHalfPastTwo)).toBe(instant('2025-04-06T02:30:00+13:00').toISOString());
    // Back in the window once the clock has gone back to 02:00, the wait is for the second 02:30.
    expect(nextSendable('2025-04-06T02:15:00+12:00', NZ, endsAtHalfPastTwo)).toBe(instant('2025-04-06T02:30:00+12:00').toISOString());
  });

  it('handles a half-hour change (Lord Howe Island, 02:00 -> 02:30 on 5 October 2025)', () => {
    const endsAtQuarterPastTwo: QuietHours = { start: '22:00', end: '02:15' };
    expect(nextSendable('2025-10-04T23:00:00+10:30', 'Australia/Lord_Howe', endsAtQuarterPastTwo)).toBe(
      instant('2025-10-05T02:30:00+11:00').toISOString(),
    );
  });
});

describe('nextSendableTime with a window that does not wrap midnight (13:00–14:00)', () => {
  const lunch: QuietHours = { start: '13:00', end: '14:00' };

  it('holds a message until 14:00 the same day', () => {
    expect(nextSendable('2025-06-10T13:00:00+12:00', NZ, lunch)).toBe(instant('2025-06-10T14:00:00+12:00').toISOString());
    expect(nextSendable('2025-06-10T13:30:00+12:00', NZ, lunch)).toBe(instant('2025-06-10T14:00:00+12:00').toISOString());
  });

  it('sends at once before and after the window', () => {
    expect(nextSendable('2025-06-10T12:59:00+12:00', NZ, lunch)).toBe(instant('2025-06-10T12:59:00+12:00').toISOString());
    expect(nextSendable('2025-06-10T14:00:00+12:00', NZ, lunch)).toBe(instant('2025-06-10T14:00:00+12:00').toISOString());
    expect(nextSendable('2025-06-10T22:00:00+12:00', NZ, lunch)).toBe(instant('2025-06-10T22:00:00+12:00').toISOString());
  });
});

describe('nextSendableTime with no quiet hours (start equals end)', () => {
  it('always sends at once', () => {
    const none: QuietHours = { start: '00:00', end: '00:00' };
    const at = instant('2025-06-10T03:00:00+12:00');
    expect(nextSendableTime(at, NZ, none)).toBe(at);
  });
});

describe('nextSendableTime in New York, quiet 21:00–08:00', () => {
  const quiet: QuietHours = { start: '21:00', end: '08:00' };

  it('holds an evening message until 08:00 the next morning', () => {
    expect(nextSendable('2025-06-10T23:15:00-04:00', NEW_YORK, quiet)).toBe(instant('2025-06-11T08:00:00-04:00').toISOString());
    expect(nextSendable('2025-06-11T07:00:00-04:00', NEW_YORK, quiet)).toBe(instant('2025-06-11T08:00:00-04:00').toISOString());
    expect(nextSendable('2025-06-11T08:00:00-04:00', NEW_YORK, quiet)).toBe(instant('2025-06-11T08:00:00-04:00').toISOString());
  });

  it('waits for 08:00 EDT when daylight saving starts overnight (Sunday 9 March 2025)', () => {
    expect(nextSendable('2025-03-08T22:00:00-05:00', NEW_YORK, quiet)).toBe(instant('2025-03-09T08:00:00-04:00').toISOString());
  });

  it('waits for 08:00 EST when daylight saving ends overnight (Sunday 2 November 2025)', () => {
    expect(nextSendable('2025-11-01T23:00:00-04:00', NEW_YORK, quiet)).toBe(instant('2025-11-02T08:00:00-05:00').toISOString());
  });

  it('holds a message sent at 21:00 Auckland time by the New York clock, not Auckland’s', () => {
    // 2025-06-10 21:00 NZST is 05:00 EDT the same day in New York: quiet there until 08:00.
    expect(nextSendable('2025-06-10T21:00:00+12:00', NEW_YORK, quiet)).toBe(instant('2025-06-10T08:00:00-04:00').toISOString());
  });
});
