/**
 * Due dates worked out by hand from the Act's definition of "working day" (s 7) and its
 * limit of 20 working days after the day of receipt (s 44). Each comment counts the days.
 */
import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  HOLIDAY_TABLE_VERSION,
  isWorkingDay,
  nzDay,
  OutsideHolidayTableError,
  responseDueOn,
  workingDaysBetween,
} from './working-days.ts';

describe('working days under the Privacy Act', () => {
  it('pins the due date of a request received on 20 December (a Saturday in 2025)', () => {
    // Mon 22 = 1, Tue 23 = 2, Wed 24 = 3; 25 Dec–15 Jan do not count; Fri 16 Jan = 4;
    // 19–23 Jan = 5–9; 26–30 Jan = 10–14; 2–5 Feb = 15–18; Fri 6 Feb is Waitangi Day;
    // Mon 9 Feb = 19, Tue 10 Feb = 20.
    expect(responseDueOn('2025-12-20')).toBe('2026-02-10');
  });

  it('pins the due date of a request received on 24 December', () => {
    // Nothing from 25 Dec to 15 Jan; Fri 16 Jan = 1; 19–23 Jan = 2–6; 26–30 Jan = 7–11;
    // 2–5 Feb = 12–15; 6 Feb Waitangi Day; 9–13 Feb = 16–20.
    expect(responseDueOn('2025-12-24')).toBe('2026-02-13');
  });

  it('pins the due date of a request received on 10 January, inside the summer break', () => {
    // 2026: counting starts on Fri 16 Jan, exactly as for 24 December.
    expect(responseDueOn('2026-01-10')).toBe('2026-02-13');
    // 2027: 16 Jan is a Saturday, so Mon 18 Jan = 1; 18–22 Jan = 1–5; 25–29 Jan = 6–10;
    // 1–5 Feb = 11–15; Waitangi Day (Sat 6 Feb) is observed on Mon 8 Feb; 9–12 Feb = 16–19;
    // Mon 15 Feb = 20.
    expect(responseDueOn('2027-01-10')).toBe('2027-02-15');
  });

  it('pins due dates in Waitangi week', () => {
    // Received Mon 2 Feb 2026: 3–5 Feb = 1–3; Fri 6 Feb Waitangi Day; 9–13 Feb = 4–8;
    // 16–20 Feb = 9–13; 23–27 Feb = 14–18; Mon 2 Mar = 19, Tue 3 Mar = 20.
    expect(responseDueOn('2026-02-02')).toBe('2026-03-03');
    // Received on Waitangi Day itself (Fri 6 Feb 2026): 9–13 Feb = 1–5; 16–20 Feb = 6–10;
    // 23–27 Feb = 11–15; 2–6 Mar = 16–20.
    expect(responseDueOn('2026-02-06')).toBe('2026-03-06');
    // Received Wed 3 Feb 2027: Thu 4, Fri 5 = 1–2; Sat 6 Waitangi Day observed Mon 8 Feb;
    // 9–12 Feb = 3–6; 15–19 Feb = 7–11; 22–26 Feb = 12–16; 1–4 Mar = 17–20.
    expect(responseDueOn('2027-02-03')).toBe('2027-03-04');
  });

  it('moves Anzac Day on a weekend to the Monday after, and skips Easter', () => {
    // Received Fri 24 Apr 2026: Sat 25 Anzac Day observed Mon 27 Apr; 28–30 Apr = 1–3;
    // Fri 1 May = 4; 4–8 May = 5–9; 11–15 May = 10–14; 18–22 May = 15–19; Mon 25 May = 20.
    expect(responseDueOn('2026-04-24')).toBe('2026-05-25');
    expect(isWorkingDay('2026-04-27')).toBe(false);
    expect(isWorkingDay('2028-04-25')).toBe(false);
    expect(isWorkingDay('2025-04-18')).toBe(false); // Good Friday
    expect(isWorkingDay('2025-04-21')).toBe(false); // Easter Monday
    expect(isWorkingDay('2025-04-22')).toBe(true);
  });

  it('knows Matariki, the Sovereign’s birthday and Labour Day, but not anniversary days', () => {
    expect(isWorkingDay('2025-06-20')).toBe(false);
    expect(isWorkingDay('2026-07-10')).toBe(false);
    expect(isWorkingDay('2027-06-25')).toBe(false);
    expect(isWorkingDay('2028-07-14')).toBe(false);
    expect(isWorkingDay('2026-06-01')).toBe(false);
    expect(isWorkingDay('2027-10-25')).toBe(false);
    expect(isWorkingDay('2026-01-26')).toBe(true); // Auckland Anniversary Day: a working day under the Act
  });

  it('counts working days left, and overdue days as negative', () => {
    expect(workingDaysBetween('2026-02-02', '2026-03-03')).toBe(20);
    expect(workingDaysBetween('2026-03-03', '2026-02-02')).toBe(-20);
    expect(workingDaysBetween('2026-03-03', '2026-03-03')).toBe(0);
    expect(addWorkingDays('2026-02-02', 10)).toBe('2026-02-17');
  });

  it('refuses dates outside its table, and names its version', () => {
    expect(() => responseDueOn('2029-12-20')).toThrow(OutsideHolidayTableError);
    expect(HOLIDAY_TABLE_VERSION).toMatch(/^nz-privacy-act-/);
    expect(nzDay(new Date('2026-02-05T12:30:00Z'))).toBe('2026-02-06');
  });
});
