/** The first working day of a month in New Zealand: weekends and national public holidays skipped. */
import { describe, expect, it } from 'vitest';
import { addMonths, daysOfMonth, easterSunday, firstWorkingDayOf, isNzPublicHoliday, monthName } from './calendar.ts';

describe('monthly report calendar', () => {
  it('finds the first working day, skipping weekends and holidays', () => {
    expect(firstWorkingDayOf('2025-03')).toBe('2025-03-03'); // 1 March a Saturday
    expect(firstWorkingDayOf('2025-01')).toBe('2025-01-03'); // New Year's Day and the day after
    expect(firstWorkingDayOf('2027-01')).toBe('2027-01-05'); // 1 Jan a Friday; 2 Jan (Saturday) observed on Monday 4
    expect(firstWorkingDayOf('2022-01')).toBe('2022-01-05'); // both on the weekend: observed Monday 3 and Tuesday 4
    expect(firstWorkingDayOf('2024-04')).toBe('2024-04-02'); // Easter Monday 1 April
    expect(firstWorkingDayOf('2026-06')).toBe('2026-06-02'); // the King's Birthday, Monday 1 June
    expect(firstWorkingDayOf('2031-04')).toBe('2031-04-01'); // beyond the privacy holiday table: computed rules still hold
    expect(firstWorkingDayOf('2025-10')).toBe('2025-10-01');
  });

  it('knows the holidays from the privacy table and the computed ones', () => {
    expect(easterSunday(2025)).toBe('2025-04-20');
    expect(easterSunday(2024)).toBe('2024-03-31');
    expect(isNzPublicHoliday('2025-04-18')).toBe(true); // Good Friday
    expect(isNzPublicHoliday('2025-02-06')).toBe(true); // Waitangi Day
    expect(isNzPublicHoliday('2026-07-10')).toBe(true); // Matariki (table)
    expect(isNzPublicHoliday('2025-12-25')).toBe(true);
    expect(isNzPublicHoliday('2026-12-28')).toBe(true); // Boxing Day (Saturday) observed on Monday 28
    expect(isNzPublicHoliday('2026-01-06')).toBe(false); // the Privacy Act's closedown is not a holiday
    expect(isNzPublicHoliday('2025-03-03')).toBe(false);
  });

  it('does month arithmetic', () => {
    expect(addMonths('2025-01', -1)).toBe('2024-12');
    expect(addMonths('2024-12', 1)).toBe('2025-01');
    expect(daysOfMonth('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(monthName('2025-03')).toBe('March 2025');
  });
});
