/** The figures of closing the loop, for the dashboard and the case list. */
import { sql } from 'kysely';
import { withAccess, type Access } from '../accounts/index.ts';
import type { Services } from '../context.ts';

export interface CaseSummary {
  from: string;
  to: string;
  /** Now, whatever the period. */
  open: number;
  overdue: number;
  /** Of cases opened in the period. */
  opened: number;
  medianMinutesToFirstResponse: number | null;
  /** Of cases resolved in the period: the share resolved by their due time. */
  resolved: number;
  resolvedWithinServiceLevel: number | null;
  /** Of follow-ups answered in the period: the share answering "yes, fixed". */
  followUpsAnswered: number;
  recoveryRate: number | null;
}

/** Figures over [from, to] (inclusive, YYYY-MM-DD in the business's calendar), within the viewer's locations. */
export async function summariseCases(services: Services, access: Access, period: { from: string; to: string; locationIds?: string[] | undefined }): Promise<CaseSummary> {
  const { from, to, locationIds } = period;
  const where = locationIds ? sql`AND location_id = ANY (${sql.val(locationIds.length ? locationIds : ['00000000-0000-0000-0000-000000000000'])}::uuid[])` : sql``;
  const row = await withAccess(services.db, access, async (trx) => {
    const tz = sql`(select timezone from clients where id = ${access.clientId})`;
    const start = sql`(${from}::date)::timestamp at time zone ${tz}`;
    const end = sql`(${to}::date + 1)::timestamp at time zone ${tz}`;
    const { rows } = await sql<{
      open: number;
      overdue: number;
      opened: number;
      median_minutes: number | null;
      resolved: number;
      on_time: number;
      answered: number;
      fixed: number;
    }>`
      SELECT
        count(*) FILTER (WHERE status <> 'resolved')::int AS open,
        count(*) FILTER (WHERE status <> 'resolved' AND due_at < now())::int AS overdue,
        count(*) FILTER (WHERE opened_at >= ${start} AND opened_at < ${end})::int AS opened,
        (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - opened_at) / 60)
          FILTER (WHERE opened_at >= ${start} AND opened_at < ${end} AND first_response_at IS NOT NULL))::float8 AS median_minutes,
        count(*) FILTER (WHERE resolved_at >= ${start} AND resolved_at < ${end})::int AS resolved,
        count(*) FILTER (WHERE resolved_at >= ${start} AND resolved_at < ${end} AND resolved_at <= due_at)::int AS on_time,
        count(*) FILTER (WHERE follow_up_answered_at >= ${start} AND follow_up_answered_at < ${end})::int AS answered,
        count(*) FILTER (WHERE follow_up_answered_at >= ${start} AND follow_up_answered_at < ${end} AND follow_up_answer = 'yes')::int AS fixed
      FROM cases WHERE client_id = ${access.clientId} ${where}`.execute(trx);
    return rows[0];
  });
  const r = row ?? { open: 0, overdue: 0, opened: 0, median_minutes: null, resolved: 0, on_time: 0, answered: 0, fixed: 0 };
  return {
    from,
    to,
    open: r.open,
    overdue: r.overdue,
    opened: r.opened,
    medianMinutesToFirstResponse: r.median_minutes === null ? null : Math.round(r.median_minutes),
    resolved: r.resolved,
    resolvedWithinServiceLevel: r.resolved ? r.on_time / r.resolved : null,
    followUpsAnswered: r.answered,
    recoveryRate: r.answered ? r.fixed / r.answered : null,
  };
}
