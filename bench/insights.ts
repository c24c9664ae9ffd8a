/**
 * npm run bench:insights — issue 9's speed goals, on PostgreSQL.
 *
 * Seeds a throw-away database on the server of DATABASE_URL (migrated by Hark's migrator):
 * one client with `--responses` responses (default 1,000,000) over 50 locations and 500
 * staff members across the last 12 months, most with a comment drawn from a pool composed
 * like the demo's (src/demo/comments.ts); six other cafés contributing to the benchmark cell
 * (a fifth of that volume each, so no client makes up more than half of the cell); the
 * rollups; and the comment analyses with their summaries. Then it starts Hark in this
 * process (role web), signs in as the owner over HTTP, and times real HTTP calls of the
 * ranking API (by staff and by location, 30 days and 12 months), the comments cloud (30
 * days and 12 months) and the benchmark API (last month and this year), `--warmup` calls
 * then `--samples` calls each, one after another. Last, website analytics ingestion through
 * the beacon endpoint against a bare INSERT in the same run (bench/analytics-ingest.ts, as
 * `bench:analytics` measures it), on the same database.
 *
 * Goals: every API p95 < 150 ms; analytics ingestion ratio ≥ 0.7. The last line printed is
 * `worst_p95_ms <n>`. See bench/README.md.
 *
 *   npm run bench:insights [-- --responses 100000 --samples 200 --warmup 20]
 *
 * Why the comments are analysed as a pool: analysing a million comments one by one in
 * JavaScript would take most of the run, yet the analysis of a comment depends only on its
 * text and the client's themes. So each distinct comment of the pool is analysed once, with
 * the project's own `analyseComment`, and the analyses are expanded to every feedback using
 * that comment by INSERT … SELECT into comment_analysis. That insert goes through the
 * table's real triggers (migrations 0016 and 0022), so comment_terms and the term and theme
 * summaries are written by the same code as in production. A sample is checked against a
 * fresh analysis, and the daily rollups against `recomputeDailyRollups`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { addMembership, createUser } from '../src/accounts/index.ts';
import { createClient } from '../src/clients/index.ts';
import { analyseComment } from '../src/comments/index.ts';
import { loadConfig } from '../src/config.ts';
import type { Services } from '../src/context.ts';
import { asClientId, withClient, type ClientId, type Trx } from '../src/db/tenancy.ts';
import { composeComment, staffNames, type CommentKind } from '../src/demo/comments.ts';
import { createLocation, createProgramme, createSubMeasure } from '../src/programmes/index.ts';
import { recomputeDailyRollups } from '../src/reports/index.ts';
import { startHark } from '../src/start.ts';
import { measureAnalyticsIngestion, ratePerSecond, startHarkChild } from './analytics-ingest.ts';
import { adminUrl, createBenchDatabase, formatTable, log, onCleanUp, positiveNumber, redact, runMain } from './support.ts';

const { values: flags } = parseArgs({
  options: {
    responses: { type: 'string' },
    samples: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    duration: { type: 'string' },
    rounds: { type: 'string' },
  },
  allowPositionals: false,
});

const responses = Math.round(positiveNumber('--responses (BENCH_RESPONSES)', flags.responses ?? process.env.BENCH_RESPONSES, 1_000_000));
const samples = Math.round(positiveNumber('--samples (BENCH_SAMPLES)', flags.samples ?? process.env.BENCH_SAMPLES, 200));
const warmup = Math.round(positiveNumber('--warmup (BENCH_WARMUP)', flags.warmup ?? process.env.BENCH_WARMUP, 20));
const analytics = {
  connections: Math.round(positiveNumber('--connections (BENCH_CONNECTIONS)', flags.connections ?? process.env.BENCH_CONNECTIONS, 50)),
  duration: positiveNumber('--duration (BENCH_DURATION)', flags.duration ?? process.env.BENCH_DURATION, 10),
  warmup: 2,
  rounds: Math.round(positiveNumber('--rounds (BENCH_ROUNDS)', flags.rounds ?? process.env.BENCH_ROUNDS, 2)),
};
const poolMax = Math.round(positiveNumber('HARK_DB_POOL_MAX', process.env.HARK_DB_POOL_MAX, 10));

const LOCATIONS = 50;
const STAFF_PER_LOCATION = 10;
const OTHER_CLIENTS = 6;
const OTHER_SHARE = 0.2;
const timezone = 'Pacific/Auckland';
const password = 'bench password for the owner';
const goalMs = 150;
const goalRatio = 0.7;

/** A small deterministic generator (mulberry32), so every run draws the same comment pool. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function dayOffset(today: string, days: number): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const kinds: CommentKind[] = ['praise', 'middling', 'complaint', 'suggestion'];

interface PoolComment {
  kind: CommentKind;
  idx: number;
  comment: string;
}

/** Distinct comments of each kind, composed as the demo composes them (staff names, menu items, afterthoughts). */
function composePool(perKindAttempts: number): PoolComment[] {
  const random = seededRandom(20261125);
  const pool: PoolComment[] = [];
  for (const kind of kinds) {
    const seen = new Set<string>();
    for (let i = 0; i < perKindAttempts; i++) {
      const staff = random() < 0.5 ? (staffNames[Math.floor(random() * staffNames.length)] ?? null) : null;
      const text = composeComment(random, kind, { staff, online: random() < 0.15 });
      if (text.trim() === '' || seen.has(text)) continue;
      seen.add(text);
      pool.push({ kind, idx: seen.size - 1, comment: text });
    }
  }
  return pool;
}

interface Seeded {
  clientId: ClientId;
  ownerEmail: string;
  subMeasures: number;
  poolSize: number;
}

/** The programme, regions, locations and staff of a client; returns the location and sub-measure ids. */
async function createStructure(services: Services, clientId: ClientId, label: string, locations: number, staffPerLocation: number) {
  const programme = await createProgramme(services.db, clientId, { name: 'Feedback', scale: 'nps_10', leadQuestion: 'How likely are you to recommend us?', followUpQuestion: 'Why?' });
  const tag = randomBytes(2).toString('hex');
  const regions: string[] = [];
  for (let r = 0; r < Math.min(5, locations); r++) {
    regions.push((await createLocation(services.db, clientId, { programmeId: programme.id, name: `Region ${r + 1}`, code: `${label}-region-${r + 1}-${tag}` })).id);
  }
  const locationIds: string[] = [];
  const subMeasureIds: string[] = [];
  for (let l = 0; l < locations; l++) {
    const location = await createLocation(services.db, clientId, {
      programmeId: programme.id,
      name: `Store ${l + 1}`,
      code: `${label}-store-${l + 1}-${tag}`,
      parentId: regions[l % regions.length] ?? null,
    });
    locationIds.push(location.id);
    for (let s = 0; s < staffPerLocation; s++) {
      subMeasureIds.push((await createSubMeasure(services.db, clientId, { locationId: location.id, name: `${staffNames[s % staffNames.length]} ${l + 1}.${s + 1}`, code: `staff-${s + 1}` })).id);
    }
  }
  return { programmeId: programme.id, locationIds, subMeasureIds };
}

/**
 * Feedback rows by INSERT … SELECT over generate_series, 100,000 a statement: each location
 * its own quality, each staff member their own skill, scores 0–10, three channels, a time
 * in the last 365 days; 70% carry a comment from the pool of the kind that fits the score.
 */
async function insertFeedback(
  services: Services,
  target: { clientId: ClientId; programmeId: string; locationIds: string[]; subMeasureIds: string[]; count: number; withComments: boolean },
  poolCounts: Record<CommentKind, number>,
): Promise<void> {
  const locations = target.locationIds.length;
  const staff = target.subMeasureIds.length / locations;
  const chunk = 100_000;
  for (let start = 0; start < target.count; start += chunk) {
    const end = Math.min(target.count, start + chunk) - 1;
    const staffCase = staff > 0 ? sql`case when s.g % 5 = 0 then null else (${target.subMeasureIds}::uuid[])[1 + s.l * ${sql.lit(staff)} + (s.g / ${sql.lit(locations)}) % ${sql.lit(staff)}] end` : sql`null::uuid`;
    await sql`
      insert into feedback (client_id, programme_id, location_id, sub_measure_id, channel, scale, score, comment, status, category, submitted_at)
      select ${target.clientId}::uuid, ${target.programmeId}::uuid, (${target.locationIds}::uuid[])[1 + s.l], ${staffCase},
        (array['sms', 'web', 'qr'])[1 + (s.g / 7) % 3], 'nps_10', s.score, coalesce(p.comment, ''),
        case when random() < 0.9 then 'resolved' else 'new' end,
        case s.kind when 'complaint' then 'complaint' when 'praise' then 'compliment' when 'suggestion' then 'suggestion' else 'general' end,
        s.submitted_at
      from (
        select k.*,
          case when k.score <= 6 then (case when k.r_kind < 0.7 then 'complaint' when k.r_kind < 0.9 then 'middling' else 'suggestion' end)
               when k.score <= 8 then (case when k.r_kind < 0.2 then 'praise' when k.r_kind < 0.8 then 'middling' else 'suggestion' end)
               else (case when k.r_kind < 0.85 then 'praise' else 'suggestion' end) end as kind
        from (
          select g, g % ${sql.lit(locations)} as l,
            least(10, greatest(0, round(6.8 + (g % ${sql.lit(locations)}) * 2.0 / ${sql.lit(locations)} + ((g / ${sql.lit(locations)}) % ${sql.lit(Math.max(staff, 1))}) * 1.2 / ${sql.lit(Math.max(staff, 1))} + (random() - 0.5) * 6)))::smallint as score,
            random() as r_kind, random() as r_has, random() as r_pick,
            now() - random() * interval '365 days' as submitted_at
          from generate_series(${start}::int, ${end}::int) g
        ) k
      ) s
      left join bench_comment_pool p on ${target.withComments ? sql`s.r_has < 0.7` : sql`false`} and p.kind = s.kind
        and p.idx = floor(s.r_pick * (case s.kind when 'praise' then ${sql.lit(poolCounts.praise)} when 'middling' then ${sql.lit(poolCounts.middling)} when 'complaint' then ${sql.lit(poolCounts.complaint)} else ${sql.lit(poolCounts.suggestion)} end))::int`.execute(services.db);
  }
}

/**
 * The client's daily rollups, one INSERT … SELECT per location and month: the grouping of
 * src/reports/rollups.ts (`rollupSelect`), restricted to a location-month, so that the
 * database's upkeep of the coarser rollups (migration 0006's trigger) takes each statement's
 * few thousand rows by index. (`rebuildAllDailyRollups` does it in one statement, and at
 * 500 staff members — about 1.3 million daily rows — that statement ran for over ten
 * minutes here without finishing.) `checkSeed` compares samples with `recomputeDailyRollups`.
 */
async function buildDailyRollups(services: Services, clientId: ClientId): Promise<void> {
  const { rows: keys } = await sql<{ location_id: string; month: string }>`
    select distinct location_id, date_trunc('month', (submitted_at at time zone ${timezone}))::date::text as month
    from feedback where client_id = ${clientId} order by 1, 2`.execute(services.db);
  const histogram = sql.join(Array.from({ length: 11 }, (_, i) => sql`count(*) filter (where f.score = ${sql.lit(i)})::int`));
  for (const key of keys) {
    await withClient(services.db, clientId, async (trx) => {
      await sql`insert into feedback_daily_rollups (client_id, location_id, sub_measure_key, day, channel, responses, score_sum, score_histogram, with_comment, contact_requested)
        select f.client_id, f.location_id, coalesce(f.sub_measure_id, '00000000-0000-0000-0000-000000000000'::uuid) as sub_measure_key,
          (f.submitted_at at time zone c.timezone)::date as day, f.channel,
          count(*)::int as responses, sum(f.score)::int as score_sum, array[${histogram}] as score_histogram,
          count(*) filter (where f.comment <> '')::int as with_comment, count(*) filter (where f.contact_requested)::int as contact_requested
        from feedback f join clients c on c.id = f.client_id
        where f.client_id = ${clientId} and f.location_id = ${key.location_id}
          and f.submitted_at >= (${key.month}::date::timestamp at time zone c.timezone)
          and f.submitted_at < ((${key.month}::date + interval '1 month')::timestamp at time zone c.timezone)
        group by 1, 2, 3, 4, 5`.execute(trx);
    });
  }
}

async function seed(services: Services): Promise<Seeded> {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)} s`;
  const client = await createClient(services.db, services.keyrings, { name: 'Bench Coffee Co', timezone });
  const clientId = asClientId(client.id);
  const structure = await createStructure(services, clientId, 'bench', LOCATIONS, STAFF_PER_LOCATION);
  const ownerEmail = 'owner@bench.example';
  const ownerId = await createUser(services.db, { email: ownerEmail, name: 'Bench Owner', password });
  await addMembership(services.db, { clientId, userId: ownerId, role: 'owner' });
  await sql`insert into client_benchmark_profiles (client_id, industry, region, contributes) values (${clientId}, 'cafe_restaurant', 'auckland', true)`.execute(services.db);

  // The comment pool, analysed once each with the client's themes.
  const pool = composePool(4000);
  const themes = (await services.db.selectFrom('comment_themes').select(['id', 'term_keys']).where('client_id', '=', clientId).execute()).map((t) => ({ id: t.id, termKeys: t.term_keys }));
  const analysed = pool.map((p) => ({ ...p, analysis: analyseComment(p.comment, themes) }));
  const poolCounts = Object.fromEntries(kinds.map((k) => [k, pool.filter((p) => p.kind === k).length])) as Record<CommentKind, number>;
  log(`comment pool: ${pool.length} distinct comments (${kinds.map((k) => `${k} ${poolCounts[k]}`).join(', ')}), ${new Set(analysed.flatMap((a) => a.analysis.terms.map((t) => t.key))).size} distinct terms`);
  await sql`create table bench_comment_pool (kind text, idx int, comment text, sentiment text, sentiment_milli smallint, theme_ids uuid[], terms text[], term_labels text[], primary key (kind, idx))`.execute(services.db);
  await sql`insert into bench_comment_pool
    select * from jsonb_to_recordset(${JSON.stringify(
      analysed.map((a) => ({
        kind: a.kind,
        idx: a.idx,
        comment: a.comment,
        sentiment: a.analysis.sentiment,
        // As record-analysis.ts stores it.
        sentiment_milli: Math.round(a.analysis.score * 1000),
        theme_ids: a.analysis.themeIds,
        terms: a.analysis.terms.map((t) => t.key),
        term_labels: a.analysis.terms.map((t) => t.label),
      })),
    )}::jsonb) as r(kind text, idx int, comment text, sentiment text, sentiment_milli smallint, theme_ids uuid[], terms text[], term_labels text[])`.execute(services.db);
  await sql`create index on bench_comment_pool (comment)`.execute(services.db);

  await insertFeedback(services, { clientId, count: responses, withComments: true, ...structure }, poolCounts);
  log(`  ${responses.toLocaleString('en')} responses of the client (${elapsed()})`);

  // Other cafés of the benchmark cell: rollups are all the benchmark reads of them.
  const otherRegions = ['auckland', 'auckland', 'auckland', 'wellington', 'canterbury', 'otago'];
  for (let c = 0; c < OTHER_CLIENTS; c++) {
    const other = await createClient(services.db, services.keyrings, { name: `Other Café ${c + 1}`, timezone });
    const otherId = asClientId(other.id);
    const s = await createStructure(services, otherId, `other${c + 1}`, 5, 0);
    await insertFeedback(services, { clientId: otherId, count: Math.round(responses * OTHER_SHARE), withComments: false, ...s }, poolCounts);
    await sql`insert into client_benchmark_profiles (client_id, industry, region, contributes) values (${otherId}, 'cafe_restaurant', ${otherRegions[c] ?? 'auckland'}, true)`.execute(services.db);
    await buildDailyRollups(services, otherId);
  }
  log(`  ${OTHER_CLIENTS} other clients, ${Math.round(responses * OTHER_SHARE).toLocaleString('en')} responses each, with rollups (${elapsed()})`);

  await buildDailyRollups(services, clientId);
  log(`  rollups of the client (${elapsed()})`);

  // The analyses, expanded from the pool by SQL, a few weeks of feedback per statement (the
  // triggers hand each statement's rows to the summaries as one batch).
  const { rows: span } = await sql<{ first: Date; last: Date }>`select min(submitted_at) as first, max(submitted_at) as last from feedback where client_id = ${clientId}`.execute(services.db);
  const first = span[0]?.first ?? new Date();
  const last = span[0]?.last ?? new Date();
  const step = 14 * 86_400_000;
  for (let from = first.getTime(); from <= last.getTime(); from += step) {
    await sql`
      insert into comment_analysis (client_id, feedback_id, location_id, submitted_at, day, sentiment, sentiment_milli, rating_percent, theme_ids, terms, term_labels)
      select f.client_id, f.id, f.location_id, f.submitted_at, (f.submitted_at at time zone ${timezone})::date,
        p.sentiment, p.sentiment_milli, (f.score * 10)::smallint, p.theme_ids, p.terms, p.term_labels
      from feedback f join (select distinct on (comment) * from bench_comment_pool order by comment, kind) p on p.comment = f.comment
      where f.client_id = ${clientId} and f.submitted_at >= ${new Date(from)} and f.submitted_at < ${new Date(from + step)}`.execute(services.db);
  }
  log(`  comment analyses and summaries (${elapsed()})`);
  await checkSeed(services, clientId, themes);
  await sql`drop table bench_comment_pool`.execute(services.db);
  await sql`vacuum analyze`.execute(services.db);
  log(`seeded in ${elapsed()}`);
  return { clientId, ownerEmail, subMeasures: structure.subMeasureIds.length, poolSize: pool.length };
}

/** What the benchmark relies on, checked on samples: the set-based seed gives what the project's own code gives. */
async function checkSeed(services: Services, clientId: ClientId, themes: { id: string; termKeys: string[] }[]): Promise<void> {
  // 1. Daily rollups of a few location-days, against a recomputation by the rollup job's function.
  const { rows: days } = await sql<{ location_id: string; day: string }>`
    select location_id, day::text as day from feedback_daily_rollups where client_id = ${clientId} order by random() limit 5`.execute(services.db);
  const snapshot = (locationId: string, day: string) =>
    sql<{ r: string }>`select string_agg(row(sub_measure_key, channel, responses, score_sum, score_histogram, with_comment, contact_requested)::text, ';' order by sub_measure_key, channel) as r
      from feedback_daily_rollups where client_id = ${clientId} and location_id = ${locationId} and day = ${day}::date`.execute(services.db);
  for (const d of days) {
    const before = (await snapshot(d.location_id, d.day)).rows[0]?.r;
    await withClient(services.db, clientId, (trx) => recomputeDailyRollups(trx, clientId, d.location_id, d.day));
    const after = (await snapshot(d.location_id, d.day)).rows[0]?.r;
    if (before !== after) throw new Error(`rollups of ${d.location_id} on ${d.day} differ from recomputeDailyRollups`);
  }
  // 2. Analyses of a sample of comments, against a fresh analyseComment of their text.
  const { rows: sample } = await sql<{ comment: string; sentiment: string; sentiment_milli: number; theme_ids: string[]; terms: string[]; term_labels: string[]; rating_percent: number; score: number }>`
    select f.comment, a.sentiment, a.sentiment_milli, a.theme_ids, a.terms, a.term_labels, a.rating_percent, f.score
    from comment_analysis a join feedback f on f.client_id = a.client_id and f.id = a.feedback_id
    where a.client_id = ${clientId} order by random() limit 200`.execute(services.db);
  for (const row of sample) {
    const fresh = analyseComment(row.comment, themes);
    const same =
      fresh.sentiment === row.sentiment &&
      Math.round(fresh.score * 1000) === row.sentiment_milli &&
      JSON.stringify(fresh.themeIds) === JSON.stringify(row.theme_ids) &&
      JSON.stringify(fresh.terms.map((t) => t.key)) === JSON.stringify(row.terms) &&
      JSON.stringify(fresh.terms.map((t) => t.label)) === JSON.stringify(row.term_labels) &&
      row.rating_percent === row.score * 10;
    if (!same) throw new Error(`the stored analysis of "${row.comment}" differs from analyseComment`);
  }
  // 3. The daily term summary of a few location-days, against the analyses themselves.
  const { rows: mismatched } = await sql<{ n: number }>`
    with pick as (select location_id, day from comment_term_daily where client_id = ${clientId} group by 1, 2 order by random() limit 5),
    fromAnalyses as (
      select a.location_id, a.day, t.term, count(*)::int as comments, sum(a.sentiment_milli)::bigint as s, sum(a.rating_percent)::bigint as r
      from comment_analysis a join pick using (location_id, day), unnest(a.terms) as t(term)
      where a.client_id = ${clientId} group by 1, 2, 3),
    summary as (
      select d.location_id, d.day, d.term, d.comments, d.sentiment_milli_sum as s, d.rating_percent_sum as r
      from comment_term_daily d join pick using (location_id, day) where d.client_id = ${clientId})
    select count(*)::int as n from (
      (select * from fromAnalyses except select * from summary) union all (select * from summary except select * from fromAnalyses)) x`.execute(services.db);
  if ((mismatched[0]?.n ?? 1) !== 0) throw new Error('comment_term_daily differs from the analyses it sums');
  log('  checked: 5 location-days of rollups equal recomputeDailyRollups; 200 analyses equal analyseComment; 5 location-days of term summaries equal their analyses');
}

/**
 * The comments cloud as it was computed before migration 0022: every per-day, per-location
 * term row of the period added up. Kept here as the reference the cloud must equal, and
 * timed (SQL only, in a tenant transaction) to show what the coarser summaries save.
 */
async function formerCloud(trx: Trx, clientId: ClientId, from: string, to: string, limit: number, minCount: number) {
  const { rows } = await sql<{ term: string; label: string; comments: number; sentiment: number; rating: number }>`
    select term, min(label) as label, sum(comments)::int as comments,
      sum(sentiment_milli_sum)::float8 / sum(comments) / 1000 as sentiment, sum(rating_percent_sum)::float8 / sum(comments) as rating
    from comment_term_daily where client_id = ${clientId} and day between ${from}::date and ${to}::date
    group by term having sum(comments) >= ${minCount} order by sum(comments) desc, term limit ${limit}`.execute(trx);
  return rows.map((r) => ({
    term: r.term,
    label: r.label,
    kind: r.term.includes(' ') ? 'phrase' : 'word',
    comments: r.comments,
    averageSentiment: Math.round(r.sentiment * 1000) / 1000,
    averageRatingPercent: Math.round(r.rating * 10) / 10,
  }));
}

interface Timing {
  name: string;
  p50: number;
  p95: number;
  n: number;
}

async function time(name: string, once: () => Promise<void>, runs = samples, warmups = warmup): Promise<Timing> {
  for (let i = 0; i < warmups; i++) await once();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    ms.push(performance.now() - started);
  }
  const timing = { name, p50: percentile(ms, 50), p95: percentile(ms, 95), n: runs };
  log(`  ${name}: p50 ${timing.p50.toFixed(1)} ms, p95 ${timing.p95.toFixed(1)} ms`);
  return timing;
}

async function main(): Promise<number> {
  const database = await createBenchDatabase('hark_bench_insights');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hark-bench-insights-'));
  onCleanUp(() => rm(dataDir, { recursive: true, force: true }));
  const masterKey = randomBytes(32).toString('base64');
  const env = { DATABASE_URL: database.url, HARK_DATA_DIR: dataDir, HARK_MASTER_KEY: masterKey, HARK_LOG_LEVEL: 'silent', HARK_DB_POOL_MAX: String(poolMax) };
  log(`PostgreSQL ${database.serverVersion}, database ${database.name} on ${redact(adminUrl)}; ${responses.toLocaleString('en')} responses`);

  // Hark in this process (role web: no workers, so nothing rewrites the seeded tables meanwhile).
  const hark = await startHark(loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', HARK_LOGIN_LIMIT_PER_IP: '1000' }), { role: 'web', logger: false });
  let harkRunning = true;
  onCleanUp(async () => {
    if (harkRunning) await hark.stop();
  });
  const seeded = await seed(hark.services);
  const counts = await sql<{ feedback: number; daily: number; monthly: number; analyses: number; terms: number; term_daily: number }>`
    select (select count(*)::int from feedback where client_id = ${seeded.clientId}) as feedback,
      (select count(*)::int from feedback_daily_rollups where client_id = ${seeded.clientId}) as daily,
      (select count(*)::int from feedback_monthly_rollups where client_id = ${seeded.clientId}) as monthly,
      (select count(*)::int from comment_analysis where client_id = ${seeded.clientId}) as analyses,
      (select count(*)::int from comment_terms where client_id = ${seeded.clientId}) as terms,
      (select count(*)::int from comment_term_daily where client_id = ${seeded.clientId}) as term_daily`.execute(hark.services.db);
  const sizes = counts.rows[0];
  if (!sizes) throw new Error('no counts');
  log(`sizes: ${JSON.stringify(sizes)}`);

  // Sign in over HTTP as the portal does; GETs need the session cookie only (CSRF guards writes).
  const base = hark.url ?? '';
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: seeded.ownerEmail, password }) });
  if (!login.ok) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const get = async (pathname: string): Promise<void> => {
    const response = await fetch(`${base}${pathname}`, { headers: { cookie } });
    const text = await response.text();
    if (!response.ok) throw new Error(`${pathname}: ${response.status} ${text}`);
  };

  const today = new Intl.DateTimeFormat('en-CA', { timeZone: timezone }).format(new Date());
  const days30 = `from=${dayOffset(today, -29)}&to=${today}`;
  const months12 = `from=${dayOffset(today, -364)}&to=${today}`;
  // The benchmark must show a cell, or its timing says nothing of the cell's cost.
  const cellCheck = (await (await fetch(`${base}/api/v1/benchmarks`, { headers: { cookie } })).json()) as { shown?: boolean; hidden?: { rule: string } | null };
  if (!cellCheck.shown) throw new Error(`the benchmark cell is hidden (${cellCheck.hidden?.rule ?? '?'}): the seed must make it show`);

  // The cloud must give what adding up the per-day, per-location term rows gives (the
  // query it ran before migration 0022's coarser summaries), at this size too.
  for (const [from, to] of [[dayOffset(today, -29), today], [dayOffset(today, -364), today]] as const) {
    const cloud = (await (await fetch(`${base}/api/v1/comments/cloud?from=${from}&to=${to}&limit=200&minCount=1`, { headers: { cookie } })).json()) as { terms: unknown[] };
    const expected = await withClient(hark.services.db, seeded.clientId, (trx) => formerCloud(trx, seeded.clientId, from, to, 200, 1));
    if (JSON.stringify(cloud.terms) !== JSON.stringify(expected)) throw new Error(`the cloud of ${from}..${to} differs from the sum of the daily term rows`);
  }
  log('  checked: the 30-day and 12-month clouds (200 terms) equal the sums of the daily per-location term rows');

  log(`timing ${warmup} warm-up then ${samples} calls each, one at a time:`);
  const calls: [string, string][] = [
    ['rankings by staff, 30 days', `/api/v1/rankings?by=staff&${days30}`],
    ['rankings by staff, 12 months', `/api/v1/rankings?by=staff&${months12}`],
    ['rankings by location, 30 days', `/api/v1/rankings?by=location&${days30}`],
    ['rankings by location, 12 months', `/api/v1/rankings?by=location&${months12}`],
    ['comments cloud, 30 days', `/api/v1/comments/cloud?${days30}`],
    ['comments cloud, 12 months', `/api/v1/comments/cloud?${months12}`],
    ['benchmark, last month (industry cell)', '/api/v1/benchmarks'],
    ['benchmark, this year (industry cell)', `/api/v1/benchmarks?period=${today.slice(0, 4)}`],
  ];
  const timings: Timing[] = [];
  for (const [name, pathname] of calls) timings.push(await time(name, () => get(pathname)));
  // For comparison, not a goal: the cloud's former query (before migration 0022), SQL only.
  const referenceRuns = Math.max(5, Math.round(samples / 20));
  const references: Timing[] = [];
  for (const [name, from] of [['former cloud query, 30 days (SQL only)', dayOffset(today, -29)], ['former cloud query, 12 months (SQL only)', dayOffset(today, -364)]] as const) {
    references.push(await time(name, async () => void (await withClient(hark.services.db, seeded.clientId, (trx) => formerCloud(trx, seeded.clientId, from, today, 60, 2))), referenceRuns, 2));
  }
  harkRunning = false;
  await hark.stop();

  // Analytics ingestion: Hark as a child process (as bench:analytics runs it), on this database.
  log('starting Hark (serve --role web) as a child process for analytics ingestion…');
  const url = await startHarkChild({ databaseUrl: database.url, poolMax, args: ['--role', 'web'], env: { HARK_MASTER_KEY: masterKey, HARK_DATA_DIR: dataDir } });
  const pool = new pg.Pool({ connectionString: database.url, max: poolMax });
  onCleanUp(() => pool.end());
  const ingestion = await measureAnalyticsIngestion({ url, pool, ...analytics });

  console.log('');
  console.log(`Hark insights benchmark — PostgreSQL ${database.serverVersion}, Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `client: ${sizes.feedback.toLocaleString('en')} responses, ${LOCATIONS} locations, ${seeded.subMeasures} staff, 12 months; ${sizes.analyses.toLocaleString('en')} analysed comments (pool of ${seeded.poolSize} distinct), ` +
      `${sizes.terms.toLocaleString('en')} comment_terms rows, ${sizes.term_daily.toLocaleString('en')} comment_term_daily rows, ${sizes.daily.toLocaleString('en')} daily / ${sizes.monthly.toLocaleString('en')} monthly rollup rows; ` +
      `${OTHER_CLIENTS} other clients in the benchmark cell with ${Math.round(responses * OTHER_SHARE).toLocaleString('en')} responses each`,
  );
  console.log('');
  console.log(`| call (${warmup} warm-up, then ${samples} sequential) | p50 ms | p95 ms | goal p95 < ${goalMs} ms |`);
  console.log('|---|---:|---:|---|');
  for (const t of timings) console.log(`| ${t.name} | ${t.p50.toFixed(1)} | ${t.p95.toFixed(1)} | ${t.p95 < goalMs ? 'met' : 'NOT met'} |`);
  for (const t of references) console.log(`| (reference, ${t.n} runs) ${t.name} | ${t.p50.toFixed(1)} | ${t.p95.toFixed(1)} | - |`);
  console.log('');
  console.log(`analytics ingestion (${analytics.connections} connections, ${analytics.duration} s each in ${analytics.rounds} turns):`);
  for (const line of formatTable([
    ['', 'hits stored/s', '2xx answers', 'non-2xx', 'rows stored'],
    ['hark (HTTP beacon)', ratePerSecond(ingestion.hark).toFixed(1), String(ingestion.hark.answered2xx), String(ingestion.hark.non2xx), String(ingestion.hark.stored)],
    ['bare INSERT', ratePerSecond(ingestion.bare).toFixed(1), '-', '-', String(ingestion.bare.stored)],
  ]))
    console.log(line);
  console.log(`analytics ratio ${ingestion.ratio.toFixed(2)} (goal ≥ ${goalRatio}) — ${ingestion.ratio >= goalRatio ? 'met' : 'NOT met'}`);
  if (ingestion.hark.non2xx > 0) console.log(`!!! ${ingestion.hark.non2xx} beacons were not answered 2xx`);
  const worst = Math.max(...timings.map((t) => t.p95));
  console.log(`worst_p95_ms ${worst.toFixed(1)}`);
  return 0;
}

runMain(main);
