/**
 * The periods a release may cover: a month (2025-03), a quarter (2025-Q1), a year (2025),
 * or a range of them (2024..2025-03, 2024-Q3..2024-Q4), always whole months.
 */
export interface ReleasePeriod {
  label: string;
  /** First day of the first and of the last month, YYYY-MM-01. */
  fromMonth: string;
  toMonth: string;
  /** Every month covered, YYYY-MM, in order. */
  months: string[];
}

/** At most this many months in one release (five years). */
export const maxPeriodMonths = 60;

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function parseOne(text: string): { first: [number, number]; last: [number, number] } | null {
  const match = /^(\d{4})(?:-(\d{2})|-Q([1-4]))?$/.exec(text);
  if (!match) return null;
  const year = Number(match[1]);
  if (match[2]) {
    const month = Number(match[2]);
    if (month < 1 || month > 12) return null;
    return { first: [year, month], last: [year, month] };
  }
  if (match[3]) {
    const q = Number(match[3]);
    return { first: [year, q * 3 - 2], last: [year, q * 3] };
  }
  return { first: [year, 1], last: [year, 12] };
}

/**
 * Parses a period; `currentMonth` (YYYY-MM) is the latest month it may reach, so that a
 * release never covers a month still under way.
 */
export function parseReleasePeriod(text: string, currentMonth: string): { ok: true; period: ReleasePeriod } | { ok: false; message: string } {
  const label = text.trim();
  const parts = label.split('..');
  const parsed = parts.length <= 2 ? parts.map(parseOne) : [null];
  const start = parsed[0];
  const end = parsed[parsed.length - 1];
  if (!start || !end || parsed.some((p) => p === null)) {
    return { ok: false, message: `"${text}" is not a period: give a month (2025-03), a quarter (2025-Q1), a year (2025) or a range of them (2024-07..2025-03).` };
  }
  const [fromYear, fromMonthNo] = start.first;
  const [toYear, toMonthNo] = end.last;
  const fromMonth = `${fromYear}-${pad(fromMonthNo)}`;
  const toMonth = `${toYear}-${pad(toMonthNo)}`;
  if (fromYear < 2000) return { ok: false, message: `The period ${label} begins before 2000: choose a later one.` };
  if (toMonth < fromMonth) return { ok: false, message: `The period ${label} ends before it begins: put the earlier month first.` };
  if (toMonth >= currentMonth) return { ok: false, message: `The period ${label} reaches ${toMonth}, which is not over yet: choose months up to ${previousMonth(currentMonth)}.` };
  const months: string[] = [];
  for (let y = fromYear, m = fromMonthNo; `${y}-${pad(m)}` <= toMonth; m === 12 ? ((y += 1), (m = 1)) : (m += 1)) months.push(`${y}-${pad(m)}`);
  if (months.length > maxPeriodMonths) return { ok: false, message: `The period ${label} spans ${months.length} months; a release covers at most ${maxPeriodMonths}.` };
  return { ok: true, period: { label, fromMonth: `${fromMonth}-01`, toMonth: `${toMonth}-01`, months } };
}

function previousMonth(month: string): string {
  const [y = 0, m = 1] = month.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${pad(m - 1)}`;
}
