/** A client's working week and service level, as stored on the client. */
import type { ClientId, Trx } from '../db/tenancy.ts';
import type { WorkingWeek } from './business-time.ts';

export interface ServiceLevel extends WorkingWeek {
  /** A case is due this many business hours after it opens. */
  caseDueHours: number;
}

export async function loadServiceLevel(trx: Trx, clientId: ClientId): Promise<ServiceLevel> {
  const row = await trx
    .selectFrom('clients')
    .select(['timezone', 'business_hours_start', 'business_hours_end', 'business_days', 'case_due_hours'])
    .where('id', '=', clientId)
    .executeTakeFirstOrThrow();
  return { timezone: row.timezone, start: row.business_hours_start, end: row.business_hours_end, days: row.business_days, caseDueHours: row.case_due_hours };
}
