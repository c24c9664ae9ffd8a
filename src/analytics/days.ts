/** UTC calendar days, as the analytics tables keep them; no database needed (the CLI checks its options with these first). */

/** The UTC calendar day of a time, as 'YYYY-MM-DD'. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** A dashboard period with the defaults the API and the CLI share: to today (UTC), from 29 days before `to`. */
export function dashboardPeriod(given: { from?: string | undefined; to?: string | undefined }, now = new Date()): { from: string; to: string } {
  const to = given.to ?? utcDay(now);
  const from = given.from ?? utcDay(new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000));
  return { from, to };
}
