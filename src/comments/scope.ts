/** The period (in the client's calendar) and the locations a comments query reads. */
import { sql } from 'kysely';
import { expandLocationScope, inScope, type Access } from '../accounts/index.ts';
import type { Trx } from '../db/tenancy.ts';

export interface Period {
  from: string;
  to: string;
  timezone: string;
}

/** The asked period, or the 30 days to today (the client's today). */
export async function resolvePeriod(trx: Trx, access: Access, asked: { from?: string | undefined; to?: string | undefined }): Promise<Period> {
  const { rows } = await sql<{ timezone: string; today: string; from_default: string; to_default: string }>`
    select c.timezone, (now() at time zone c.timezone)::date::text as today,
      (coalesce(${asked.to ?? null}::date, (now() at time zone c.timezone)::date) - 29)::text as from_default,
      coalesce(${asked.to ?? null}::date, (now() at time zone c.timezone)::date)::text as to_default
    from clients c where c.id = ${access.clientId}`.execute(trx);
  const row = rows[0];
  if (!row) throw new Error('client not found');
  const to = asked.to ?? row.to_default;
  const from = asked.from ?? (row.from_default < to ? row.from_default : to);
  return { from, to, timezone: row.timezone };
}

/**
 * The locations to read: null for all of the client's, else a list (the asked location
 * and everything below it, within the person's scope). 'unknown' when the asked location
 * is not one the person may see.
 */
export async function resolveLocations(trx: Trx, access: Access, locationId: string | undefined): Promise<readonly string[] | null | 'unknown'> {
  if (!locationId) return access.locationIds;
  const ids = (await expandLocationScope(trx, access.clientId, [locationId])).filter((id) => inScope(access, id));
  return ids.length === 0 ? 'unknown' : ids;
}
