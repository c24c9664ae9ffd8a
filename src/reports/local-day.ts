import { sql, type RawBuilder } from 'kysely';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) of an instant in a timezone. */
export function localDay(at: Date, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(at);
}

/**
 * The instants a client's calendar day spans, as SQL for `submitted_at >= start and
 * submitted_at < end`: from its midnight to the next, in the client's timezone.
 */
export function clientDayBounds(clientId: string, day: string): { start: RawBuilder<Date>; end: RawBuilder<Date> } {
  const zone = sql`(select timezone from clients where id = ${clientId})`;
  return {
    start: sql<Date>`(${day}::date::timestamp at time zone ${zone})`,
    end: sql<Date>`((${day}::date + 1)::timestamp at time zone ${zone})`,
  };
}
