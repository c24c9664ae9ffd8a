/**
 * What the soak checks once the load has stopped, read straight from the database as its
 * superuser (no row-level security in the way) and from the dashboard over HTTP:
 *
 * - the queue drains: no job left waiting (due), retrying or running, no alert unsent;
 * - every acknowledged submission is stored exactly once (counted by its marker);
 * - every job of the queues the submissions caused completed, none failed;
 * - every alert was sent once, and its mail arrived once; every text got one reply;
 * - the daily rollups equal a count over the raw feedback rows;
 * - the dashboard's figures equal a count over the raw feedback rows.
 */
import pg from 'pg';
import type { GatewayMessage } from '../../test/helpers/sms-gateway.ts';
import type { RecordedMessage } from '../../test/helpers/smtp-recorder.ts';
import type { Submission } from './load.ts';
import type { SoakBusiness } from './setup.ts';

/** The queues whose jobs the soak's submissions cause. */
export const soakQueues = ['update-daily-rollups', 'send-sms'] as const;

export interface Finding {
  ok: boolean;
  line: string;
}

export interface QueueBacklog {
  /** Jobs due and not done, by queue and state. */
  jobs: { name: string; state: string; n: number }[];
  alertsUnsent: number;
}

/** What is still to do: jobs running, waiting or to be retried, and alerts not sent. */
export async function queueBacklog(pool: pg.Pool, clientId: string): Promise<QueueBacklog> {
  // The soak's queues must finish every job, a retry due later included; other queues only what is due.
  const jobs = await pool.query<{ name: string; state: string; n: number }>(
    `select name, state::text as state, count(*)::int as n from pgboss.job
     where state = 'active' or (state in ('created', 'retry') and (start_after <= now() or name = any($1)))
     group by 1, 2 order by 1, 2`,
    [soakQueues],
  );
  const alerts = await pool.query<{ n: number }>(`select count(*)::int as n from alerts where client_id = $1 and status in ('pending', 'sending')`, [clientId]);
  return { jobs: jobs.rows, alertsUnsent: alerts.rows[0]?.n ?? 0 };
}

export function describeBacklog(backlog: QueueBacklog): string {
  const jobs = backlog.jobs.map((j) => `${j.name} ${j.state} ${j.n}`).join(', ');
  return `${jobs || 'no jobs'}; ${backlog.alertsUnsent} alert(s) not sent`;
}

/** Waits until nothing is left to do; resolves to how long that took, or null at the deadline (with what was left). */
export async function waitForDrain(pool: pg.Pool, clientId: string, timeoutMs: number): Promise<{ afterMs: number | null; left: QueueBacklog }> {
  const started = Date.now();
  let left: QueueBacklog = { jobs: [], alertsUnsent: 0 };
  for (;;) {
    try {
      left = await queueBacklog(pool, clientId);
      if (left.jobs.length === 0 && left.alertsUnsent === 0) return { afterMs: Date.now() - started, left };
    } catch {
      // the database may still be coming back
    }
    if (Date.now() - started > timeoutMs) return { afterMs: null, left };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface CountCheck {
  acked: number;
  stored: number;
  duplicates: number;
  lost: number;
  /** Stored, though their customer never saw an acknowledgement (given up). */
  storedUnacked: number;
}

export async function checkStoredOnce(pool: pg.Pool, business: SoakBusiness, runId: string, submissions: Submission[]): Promise<{ counts: CountCheck; findings: Finding[] }> {
  const { rows } = await pool.query<{ marker: string; n: number }>(
    `select substring(comment from '#[0-9]+[ws][0-9]+$') as marker, count(*)::int as n from feedback
     where client_id = $1 and comment ~ $2 group by 1`,
    [business.clientId, `#${runId}[ws][0-9]+$`],
  );
  const storedByMarker = new Map(rows.map((r) => [r.marker, r.n]));
  const acked = submissions.filter((s) => s.ackedAt !== null);
  const ackedMarkers = new Set(acked.map((s) => s.marker));
  const lost = acked.filter((s) => !storedByMarker.has(s.marker));
  const duplicated = rows.filter((r) => r.n > 1);
  const storedUnacked = rows.filter((r) => !ackedMarkers.has(r.marker));
  const stored = rows.reduce((sum, r) => sum + r.n, 0);
  const counts = { acked: acked.length, stored, duplicates: duplicated.reduce((sum, r) => sum + r.n - 1, 0), lost: lost.length, storedUnacked: storedUnacked.length };
  const findings: Finding[] = [
    {
      ok: lost.length === 0 && duplicated.length === 0,
      line:
        `stored once: ${acked.length - lost.length} of ${acked.length} acknowledged submissions are stored; ${lost.length} lost` +
        (lost.length ? ` (${lost.slice(0, 5).map((s) => s.marker).join(', ')}…)` : '') +
        `; ${duplicated.length} stored more than once` +
        (duplicated.length ? ` (${duplicated.slice(0, 5).map((r) => `${r.marker} ×${r.n}`).join(', ')}…)` : ''),
    },
    {
      ok: storedUnacked.length === 0 && acked.length === submissions.length,
      line: `acknowledged: ${acked.length} of ${submissions.length} submissions; ${storedUnacked.length} stored without an acknowledgement`,
    },
  ];
  return { counts, findings };
}

/** The jobs of the soak's queues that did not complete: state, retries, when they run next, and their last error. */
async function unfinishedJobs(pool: pg.Pool, queue: string): Promise<string[]> {
  const { rows } = await pool.query<{ state: string; retry_count: number; in_s: number; error: string | null }>(
    `select state::text as state, retry_count, extract(epoch from start_after - now())::int as in_s, output->>'message' as error
     from pgboss.job where name = $1 and state not in ('completed') order by created_on limit 5`,
    [queue],
  );
  return rows.map((r) => `${r.state} after ${r.retry_count} retries, next in ${r.in_s} s: ${r.error ?? 'no error recorded'}`);
}

export async function checkJobs(pool: pg.Pool): Promise<Finding[]> {
  const { rows } = await pool.query<{ name: string; state: string; n: number; retried: number }>(
    `select name, state::text as state, count(*)::int as n, count(*) filter (where retry_count > 0)::int as retried
     from (select name, state, retry_count from pgboss.job union all select name, state, retry_count from pgboss.archive) jobs
     where name = any($1) group by 1, 2 order by 1, 2`,
    [soakQueues],
  );
  const findings: Finding[] = [];
  for (const queue of soakQueues) {
    const mine = rows.filter((r) => r.name === queue);
    const completed = mine.find((r) => r.state === 'completed');
    const others = mine.filter((r) => r.state !== 'completed');
    const retried = mine.reduce((sum, r) => sum + r.retried, 0);
    const details = others.length > 0 ? (await unfinishedJobs(pool, queue)).map((line) => `\n    ${line}`).join('') : '';
    // Jobs scheduled for later (none of these queues makes them today) would count as 'created' here.
    findings.push({
      ok: others.length === 0 && (completed?.n ?? 0) > 0,
      line: `jobs ${queue}: ${completed?.n ?? 0} completed (${retried} after a retry)${others.map((r) => `, ${r.n} ${r.state}`).join('')}${details}`,
    });
  }
  return findings;
}

/**
 * A worker killed after the mail server (or the SMS provider) took a message and before the
 * database recorded it leaves the message to be sent again once its lease runs out: sending
 * is at least once, and a mail's repeat carries the same Message-ID. A repeat whose first copy
 * arrived around a SIGKILL (up to 2 s before it, or 1 s after: bytes the worker wrote before
 * it died may still be arriving) is put down to that; any other repeat is a fault.
 */
const KILL_WINDOW_BEFORE_MS = 2000;
const KILL_WINDOW_AFTER_MS = 1000;

export interface Repeats {
  /** Repeats whose first copy came just before a worker was killed. */
  afterKill: number;
  /** Repeats with no kill to explain them. */
  unexplained: number;
  lines: string[];
}

/** Sorts the repeated deliveries (arrival times per key, 2 or more) into explained and not. */
function judgeRepeats(arrivalsByKey: Map<string, number[]>, killTimes: readonly number[], loadStartedAt: number): Repeats {
  const repeats: Repeats = { afterKill: 0, unexplained: 0, lines: [] };
  for (const [key, arrivals] of arrivalsByKey) {
    if (arrivals.length < 2) continue;
    const first = Math.min(...arrivals);
    const explained = killTimes.some((kill) => first >= kill - KILL_WINDOW_BEFORE_MS && first <= kill + KILL_WINDOW_AFTER_MS);
    if (explained) repeats.afterKill += 1;
    else repeats.unexplained += 1;
    if (repeats.lines.length < 5) {
      repeats.lines.push(`\n    ${key}: ${arrivals.map((at) => `${((at - loadStartedAt) / 1000).toFixed(2)} s`).join(', ')}${explained ? ' (first copy as a worker was killed)' : ''}`);
    }
  }
  return repeats;
}

function describeRepeats(repeats: Repeats): string {
  const total = repeats.afterKill + repeats.unexplained;
  if (total === 0) return '0 more than once';
  return `${total} more than once (${repeats.afterKill} sent as a worker was killed, so sent again after its lease; ${repeats.unexplained} with no kill to explain them)${repeats.lines.join('')}`;
}

export interface CheckContext {
  loadStartedAt: number;
  /** When the workers were killed (ms since the epoch). */
  killTimes: readonly number[];
}

export async function checkAlerts(pool: pg.Pool, business: SoakBusiness, mails: RecordedMessage[], mailDomain: string, context: CheckContext): Promise<Finding[]> {
  const { rows } = await pool.query<{ id: string; status: string; attempts: number }>(`select id, status::text as status, attempts from alerts where client_id = $1`, [business.clientId]);
  const low = await pool.query<{ n: number }>(`select count(*)::int as n from feedback where client_id = $1 and score <= 2`, [business.clientId]);
  const arrivals = new Map<string, number[]>();
  for (const mail of mails) if (mail.outcome === 'accepted') arrivals.set(mail.messageId, [...(arrivals.get(mail.messageId) ?? []), mail.receivedAt]);
  const unsent = rows.filter((r) => r.status !== 'sent');
  const noMail = rows.filter((r) => !arrivals.has(`<alert-${r.id}@${mailDomain}>`));
  const repeats = judgeRepeats(arrivals, context.killTimes, context.loadStartedAt);
  const lowFeedback = low.rows[0]?.n ?? 0;
  return [
    {
      // The owner is the one recipient of the default rule: one alert per unhappy customer.
      ok: rows.length === lowFeedback && unsent.length === 0 && noMail.length === 0 && repeats.unexplained === 0 && rows.length > 0,
      line:
        `alerts: ${lowFeedback} feedback scored 1–2, ${rows.length} alerts raised, ${rows.length - unsent.length} recorded as sent` +
        `${unsent.length ? ` (${unsent.length} not: ${[...new Set(unsent.map((r) => r.status))].join(', ')})` : ''}, ` +
        `${rows.length - noMail.length} mails arrived, ${describeRepeats(repeats)}; ${rows.filter((r) => r.attempts > 1).length} alerts claimed a second time`,
    },
  ];
}

export async function checkTexts(pool: pg.Pool, business: SoakBusiness, submissions: Submission[], texts: GatewayMessage[], context: CheckContext): Promise<Finding[]> {
  const sms = submissions.filter((s) => s.channel === 'sms' && s.ackedAt !== null);
  const arrivals = new Map<string, number[]>();
  for (const text of texts) arrivals.set(text.to, [...(arrivals.get(text.to) ?? []), text.receivedAt.getTime()]);
  const none = sms.filter((s) => !arrivals.has(s.mobile as string));
  const repeats = judgeRepeats(arrivals, context.killTimes, context.loadStartedAt);
  const { rows } = await pool.query<{ status: string; n: number }>(
    `select status::text as status, count(*)::int as n from sms_messages where client_id = $1 and direction = 'outbound' group by 1 order by 1`,
    [business.clientId],
  );
  const statuses = rows.map((r) => `${r.n} ${r.status}`).join(', ');
  return [
    {
      ok: none.length === 0 && repeats.unexplained === 0 && rows.every((r) => r.status === 'sent'),
      line: `texts: ${sms.length} customers texted, ${sms.length - none.length} got a reply, ${describeRepeats(repeats)}; outbound messages ${statuses || 'none'}`,
    },
  ];
}

export async function checkRollups(pool: pg.Pool, business: SoakBusiness): Promise<Finding[]> {
  const { rows } = await pool.query<{ location_id: string; day: string; channel: string; raw_n: number | null; raw_sum: number | null; rollup_n: number | null; rollup_sum: number | null }>(
    `with raw as (
       select location_id, (submitted_at at time zone $2)::date::text as day, channel::text as channel, count(*)::int as n, sum(score)::int as s
       from feedback where client_id = $1 group by 1, 2, 3),
     rollup as (
       select location_id, day::text as day, channel::text as channel, sum(responses)::int as n, sum(score_sum)::int as s
       from feedback_daily_rollups where client_id = $1 group by 1, 2, 3)
     select coalesce(raw.location_id, rollup.location_id) as location_id, coalesce(raw.day, rollup.day) as day, coalesce(raw.channel, rollup.channel) as channel,
       raw.n as raw_n, raw.s as raw_sum, rollup.n as rollup_n, rollup.s as rollup_sum
     from raw full join rollup using (location_id, day, channel)`,
    [business.clientId, business.timezone],
  );
  const wrong = rows.filter((r) => r.raw_n !== r.rollup_n || r.raw_sum !== r.rollup_sum);
  return [
    {
      ok: wrong.length === 0 && rows.length > 0,
      line:
        `rollups: ${rows.length - wrong.length} of ${rows.length} location-day-channel figures equal a count over the feedback rows` +
        wrong
          .slice(0, 4)
          .map((r) => `; ${r.day} ${r.channel} at ${r.location_id}: rollup ${r.rollup_n ?? 0} (sum ${r.rollup_sum ?? 0}) against ${r.raw_n ?? 0} (sum ${r.raw_sum ?? 0})`)
          .join(''),
    },
  ];
}

/** Every stored comment analysed once by the day-figures jobs, and no analysis without its comment. */
export async function checkCommentAnalyses(pool: pg.Pool, business: SoakBusiness): Promise<Finding[]> {
  const { rows } = await pool.query<{ comments: number; analysed: number; orphans: number; terms_without_analysis: number }>(
    `select
       (select count(*)::int from feedback where client_id = $1 and comment <> '') as comments,
       (select count(*)::int from comment_analysis a join feedback f on f.client_id = a.client_id and f.id = a.feedback_id
          where a.client_id = $1 and f.comment <> '') as analysed,
       (select count(*)::int from comment_analysis a where a.client_id = $1
          and not exists (select 1 from feedback f where f.client_id = a.client_id and f.id = a.feedback_id and f.comment <> '')) as orphans,
       (select count(*)::int from comment_terms t where t.client_id = $1
          and not exists (select 1 from comment_analysis a where a.client_id = t.client_id and a.feedback_id = t.feedback_id)) as terms_without_analysis`,
    [business.clientId],
  );
  const r = rows[0]!;
  return [
    {
      ok: r.comments > 0 && r.analysed === r.comments && r.orphans === 0 && r.terms_without_analysis === 0,
      line: `comments: ${r.analysed} of ${r.comments} analysed by the day-figures jobs; ${r.orphans} analyses without their comment, ${r.terms_without_analysis} term rows without their analysis`,
    },
  ];
}

interface DashboardAnswer {
  responses: number;
  channels: { channel: string; responses: number }[];
  locations: { id: string; name: string; responses: number }[];
}

/** The client's calendar day `offsetDays` from now, YYYY-MM-DD. */
function dayIn(timezone: string, offsetDays: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + offsetDays * 86_400_000));
}

export async function checkDashboard(pool: pg.Pool, business: SoakBusiness, webUrl: string): Promise<Finding[]> {
  // Yesterday and today in the client's calendar hold the whole run, even across its midnight.
  const from = dayIn(business.timezone, -1);
  const to = dayIn(business.timezone, 0);
  const response = await fetch(`${webUrl}/api/v1/dashboard?from=${from}&to=${to}`, {
    headers: { authorization: `Bearer ${business.apiKey}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200) return [{ ok: false, line: `dashboard: HTTP ${response.status}: ${(await response.text()).slice(0, 300)}` }];
  const dashboard = (await response.json()) as DashboardAnswer;
  const raw = await pool.query<{ location_id: string; channel: string; n: number }>(
    `select location_id, channel::text as channel, count(*)::int as n from feedback
     where client_id = $1 and (submitted_at at time zone $2)::date between $3::date and $4::date group by 1, 2`,
    [business.clientId, business.timezone, from, to],
  );
  const total = raw.rows.reduce((sum, r) => sum + r.n, 0);
  const byChannel = (channel: string) => raw.rows.filter((r) => r.channel === channel).reduce((sum, r) => sum + r.n, 0);
  const byLocation = (id: string) => raw.rows.filter((r) => r.location_id === id).reduce((sum, r) => sum + r.n, 0);
  const differences = [
    ...(dashboard.responses === total ? [] : [`responses ${dashboard.responses} against ${total}`]),
    ...dashboard.channels.filter((c) => c.responses !== byChannel(c.channel)).map((c) => `${c.channel} ${c.responses} against ${byChannel(c.channel)}`),
    ...dashboard.locations.filter((l) => l.responses !== byLocation(l.id)).map((l) => `${l.name} ${l.responses} against ${byLocation(l.id)}`),
  ];
  const shown = [
    `${dashboard.responses} responses`,
    ...dashboard.channels.filter((c) => c.responses > 0).map((c) => `${c.channel} ${c.responses}`),
    ...dashboard.locations.filter((l) => l.responses > 0).map((l) => `${l.name} ${l.responses}`),
  ].join(', ');
  return [
    {
      ok: differences.length === 0 && total > 0,
      line: differences.length === 0 ? `dashboard (${from}..${to}): ${shown}; equal to a COUNT over the feedback rows` : `dashboard (${from}..${to}) differs from a COUNT over the feedback rows: ${differences.join('; ')}`,
    },
  ];
}
