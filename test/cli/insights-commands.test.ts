/**
 * The insight commands as an operator runs them: `hark report monthly`, `rankings`,
 * `comments cloud|themes`, `benchmarks`, `draw list|run` and `analytics summary`, against one
 * database. A real Hark is started on that database first (and stopped: embedded PGlite has
 * one process at a time) to seed it and to read the portal's answers over HTTP; every
 * command must then print the same figures, and the same PDF text.
 *
 * Every command runs as the real `hark` (node bin/hark.js) at least once: the monthly report
 * and running a draw end to end, every command with bad options, refused before the
 * database opens (which also proves each option reaches its command). Each process costs
 * seconds of start-up, so the remaining figures are read by calling, in this process, the
 * very function `hark` calls for the command, with the same configuration and database.
 * Bad input is refused by name with a non-zero exit, and nothing is written.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { format, promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsDb } from '../../src/analytics/tables.ts';
import { readDashboard } from '../../src/analytics/queries.ts';
import { runAnalyticsSummaryCommand } from '../../src/analytics/summary-command.ts';
import { runBenchmarksCommand } from '../../src/benchmarks/benchmarks-command.ts';
import { formatThemes, runCommentsCloudCommand, runCommentsThemesCommand } from '../../src/comments/comments-command.ts';
import { recordCommentAnalyses } from '../../src/comments/index.ts';
import type { Cloud, ThemeTrend } from '../../src/comments/schemas.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import { runDrawListCommand, runDrawRunCommand } from '../../src/prizes/draw-commands.ts';
import { withClient } from '../../src/db/tenancy.ts';
import { localDay, rebuildAllDailyRollups } from '../../src/reports/index.ts';
import { addMonths, daysOfMonth, monthOfDay } from '../../src/reports/monthly/calendar.ts';
import type { Rankings } from '../../src/reports/ranking-schemas.ts';
import { runMonthlyReportCommand } from '../../src/reports/monthly/report-command.ts';
import { formatRankings, runRankingsCommand } from '../../src/reports/rankings-command.ts';
import { startHark } from '../../src/start.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { createTestClient, type TestClient } from '../helpers/factories.ts';
import { giveFeedback } from '../helpers/form.ts';
import type { TestHark } from '../helpers/hark.ts';
import { createTestUser, signIn } from '../helpers/portal.ts';
import { addStatisticsClients } from '../helpers/statistics.ts';
import { cliDatabase, killAll, removeTempDirs, runHark, tempDir, withDatabase, type CliDatabase } from './harness.ts';

const pdftotext = async (file: string) => (await promisify(execFile)('pdftotext', ['-layout', file, '-'])).stdout;
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Runs a command's function here, as `hark` would run it, and returns its exit code and what
 * it printed (console.log, console.error, and JSON written to standard output).
 */
async function runHere(work: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string; output: string }> {
  let stdout = '';
  let stderr = '';
  const saved = { log: console.log, error: console.error, write: process.stdout.write };
  console.log = (...args: unknown[]) => void (stdout += `${format(...args)}\n`);
  console.error = (...args: unknown[]) => void (stderr += `${format(...args)}\n`);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    const code = await work();
    return { code, stdout, stderr, output: `${stdout}${stderr}` };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    process.stdout.write = saved.write;
  }
}

const timezone = 'Pacific/Auckland';
const lastMonth = addMonths(monthOfDay(localDay(new Date(), timezone)), -1);
const { from, to } = daysOfMonth(lastMonth);
const harbourName = 'Ōtaki Harbour';

/** What the portal's API answered, read before the CLI runs. */
interface Portal {
  rankings: Rankings;
  cloud: Cloud;
  themes: ThemeTrend;
  benchmarks: unknown;
  draws: { id: string; status: string; closed: boolean; entrants: number }[];
  analytics: unknown;
  reportText: string;
  harbourReportText: string;
}

describe(`insight commands (${testDatabaseKind})`, () => {
  let database: CliDatabase;
  let env: Record<string, string | undefined>;
  /** What `hark` makes of `env`. */
  let cli: Config;
  let client: TestClient;
  let dir: string;
  let closedDraw: string;
  let openDraw: string;
  const portal = {} as Portal;

  beforeAll(async () => {
    database = await cliDatabase();
    dir = await tempDir();
    env = { ...database.env, HARK_MASTER_KEY: randomBytes(32).toString('base64') };
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', HARK_LOG_LEVEL: 'silent', HARK_SUBMIT_LIMIT_PER_IP: '1000', ...env } as NodeJS.ProcessEnv);
    const running = await startHark(config, { role: 'web', logger: false });
    const url = running.url ?? '';
    // Links the commands print (a draw's public page) name the address the portal gave.
    env.HARK_PUBLIC_URL = url;
    cli = loadConfig({ HARK_LOG_LEVEL: 'silent', ...env } as NodeJS.ProcessEnv);
    const hark: TestHark = { ...running, url, services: running.services, fetch: (p, init) => fetch(`${url}${p}`, { redirect: 'manual', ...init }), close: () => running.stop() };
    try {
      const { services } = hark;
      client = await createTestClient(services, { name: 'Kōwhai Café', timezone, prizeDraw: true });
      await services.db.updateTable('locations').set({ name: harbourName }).where('id', '=', client.otherLocation.id).execute();

      // Last month: responses with comments at both stores (some for Kiri), analysed and rolled up as ingest does.
      const comments = ['Great coffee, friendly staff', 'The queue was slow', 'Cold coffee and a long queue', 'Lovely staff, great coffee', 'Dirty tables, slow service', ''];
      const rows = Array.from({ length: 24 }, (_, i) => ({
        id: randomUUID(),
        locationId: i % 3 === 0 ? client.otherLocation.id : client.location.id,
        subMeasureId: i % 3 === 1 ? client.subMeasure.id : null,
        day: `${lastMonth}-${String(1 + (i % 27)).padStart(2, '0')}`,
        score: 1 + ((i * 7) % 5),
        comment: comments[i % comments.length] ?? '',
      }));
      await withClient(services.db, client.clientId, async (trx) => {
        await trx
          .insertInto('feedback')
          .values(rows.map((r) => ({ client_id: client.clientId, id: r.id, programme_id: client.programmeId, location_id: r.locationId, sub_measure_id: r.subMeasureId, channel: 'web' as const, scale: 'recommend_5' as const, score: r.score, comment: r.comment, submitted_at: new Date(`${r.day}T00:00:00Z`) })))
          .execute();
        await recordCommentAnalyses(
          trx,
          client.clientId,
          rows.map((r) => ({ feedbackId: r.id, locationId: r.locationId, submittedAt: new Date(`${r.day}T00:00:00Z`), day: r.day, comment: r.comment, scale: 'recommend_5' as const, score: r.score })),
        );
        await rebuildAllDailyRollups(trx, client.clientId);
      });

      // Benchmarks: five other cafés contribute to the cell, and this one has chosen its industry.
      await addStatisticsClients(services, 5, { industry: 'cafe_restaurant', region: 'auckland', months: [lastMonth], scores: { 3: 10, 4: 15, 5: 5 } });
      await sql`insert into client_benchmark_profiles (client_id, industry, region, contributes) values (${client.clientId}, 'cafe_restaurant', 'auckland', true)`.execute(services.db);

      // Website analytics: two days of summaries, as the beacon writer leaves them.
      const analytics = analyticsDb(services.db);
      for (const [day, dimension, value, visitors, views, leaves, durationMs] of [
        [`${lastMonth}-03`, 'total', '', 40, 90, 30, 900_000],
        [`${lastMonth}-04`, 'total', '', 25, 50, 20, 400_000],
        [`${lastMonth}-03`, 'page', '/pricing', 0, 60, 20, 700_000],
        [`${lastMonth}-04`, 'page', '/', 0, 80, 30, 600_000],
        [`${lastMonth}-03`, 'source', 'news.example.com', 0, 70, 0, 0],
        [`${lastMonth}-03`, 'device', 'mobile', 0, 100, 0, 0],
        [`${lastMonth}-04`, 'device', 'desktop', 0, 40, 0, 0],
      ] as const) {
        await analytics.insertInto('analytics_daily_counts').values({ day, dimension, value, visitors, views, leaves, duration_ms: durationMs }).execute();
      }
      portal.analytics = await readDashboard(analytics, from, to);

      // Prize draws: this period's draw, entered by three people, then closed (as time would).
      const owner = await signIn(hark, await createTestUser(services, client.clientId, 'owner'));
      const [current] = (await owner.get<{ id: string }[]>('/api/v1/prize-draws')).body;
      closedDraw = current?.id ?? '';
      for (const name of ['Aroha', 'Ben', 'Cleo']) {
        const entered = await giveFeedback(hark, `/f/${client.location.code}`, { score: '5', comment: '', name, email: `${name.toLowerCase()}@example.com`, prize_draw: 'yes', accept_terms: 'yes', accept_privacy: 'yes' });
        expect(entered.status).toBe(200);
      }
      await sql`update prize_draws set period_start = current_date - 40, period_end = current_date - 1 where id = ${closedDraw}`.execute(services.db);
      await sql`update prize_entries set entered_at = now() - interval '20 days' where client_id = ${client.clientId}`.execute(services.db);
      portal.draws = (await owner.get<Portal['draws']>('/api/v1/prize-draws')).body;
      openDraw = portal.draws.find((d) => d.id !== closedDraw)?.id ?? '';

      // The portal's answers for last month.
      const query = (q: Record<string, string>) => new URLSearchParams(q).toString();
      portal.rankings = (await owner.get<Rankings>(`/api/v1/rankings?${query({ by: 'location', from, to })}`)).body;
      portal.cloud = (await owner.get<Cloud>(`/api/v1/comments/cloud?${query({ from, to, locationId: client.location.id })}`)).body;
      portal.themes = (await owner.get<ThemeTrend>(`/api/v1/comments/theme-trends?${query({ from, to })}`)).body;
      portal.benchmarks = (await owner.get(`/api/v1/benchmarks?${query({ period: lastMonth })}`)).body;
      const cookie = [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const pdfText = async (q: Record<string, string>, name: string) => {
        const response = await hark.fetch(`/api/v1/reports/monthly?${query(q)}`, { headers: { cookie } });
        expect(response.status).toBe(200);
        const file = path.join(dir, name);
        await writeFile(file, Buffer.from(await response.arrayBuffer()));
        return pdftotext(file);
      };
      portal.reportText = await pdfText({ month: lastMonth }, 'portal.pdf');
      portal.harbourReportText = await pdfText({ month: lastMonth, locationId: client.otherLocation.id }, 'portal-harbour.pdf');
    } finally {
      await hark.close();
    }
    // The figures the comparisons rest on.
    expect(portal.rankings.rows.map((r) => [r.name, r.responses])).toEqual([
      ['Main Street', 16],
      [harbourName, 8],
      ['North region', 0],
    ]);
    expect(portal.cloud.terms.length).toBeGreaterThan(3);
    expect((portal.benchmarks as { shown: boolean }).shown).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await killAll();
    await database?.drop();
    await removeTempDirs();
  });

  it('writes the monthly report the portal downloads, for the client and for one location', async () => {
    const whole = path.join(dir, 'whole.pdf');
    const run = await runHark(['report', 'monthly', '--client', 'kōwhai café', '--month', lastMonth, '--out', whole], env);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/Wrote .*whole\.pdf \(\d+ bytes\): monthly report of Kōwhai Café for \w+ \d{4} \(All locations\): 24 responses\./);
    const text = await pdftotext(whole);
    expect(text).toBe(portal.reportText);
    expect(text).toContain('Kōwhai Café');
    expect(text).toContain(harbourName);

    const harbour = path.join(dir, 'harbour.pdf');
    const scoped = await runHere(() => runMonthlyReportCommand(cli, { client: client.clientId, month: lastMonth, location: 'ōtaki harbour', out: harbour }));
    expect(scoped.code, scoped.output).toBe(0);
    expect(scoped.stdout).toContain(`(${harbourName}): 8 responses.`);
    expect(await pdftotext(harbour)).toBe(portal.harbourReportText);
    expect(await exists(`${harbour}.partial`)).toBe(false);
  }, 120_000);

  it('prints the ranking table with the API’s figures and the rule', async () => {
    const run = await runHere(() => runRankingsCommand(cli, { client: 'Kōwhai Café', by: 'location', from, to }));
    expect(run.code, run.output).toBe(0);
    expect(run.stdout.trimEnd()).toBe(formatRankings(portal.rankings, 'Kōwhai Café: locations ranked (all locations)'));
    const main = portal.rankings.rows.find((r) => r.name === 'Main Street');
    expect(run.stdout).toMatch(new RegExp(`[12]\\s+Main Street\\s+${main?.score?.value.toFixed(2)}\\s+${main?.score?.low.toFixed(2)} to ${main?.score?.high.toFixed(2)}\\s+16\\s+${main?.shrunk?.toFixed(2)}`));
    expect(run.stdout).toContain('Rule (shrunk): Ranked by the score shrunk towards the mean of this table');
  }, 60_000);

  it('prints the comments cloud and the theme counts of the API', async () => {
    const cloud = await runHere(() => runCommentsCloudCommand(cli, { client: client.clientId, from, to, location: client.location.code, json: true }));
    expect(cloud.code, cloud.output).toBe(0);
    expect(JSON.parse(cloud.stdout)).toEqual(portal.cloud);

    const themes = await runHere(() => runCommentsThemesCommand(cli, { client: 'Kōwhai Café', from, to }));
    expect(themes.code, themes.output).toBe(0);
    expect(themes.stdout.trimEnd()).toBe(formatThemes(portal.themes, `Kōwhai Café: themes in comments, ${from} to ${to}`));
    const coffee = portal.themes.themes.find((t) => t.name === 'Product quality');
    expect(coffee?.total.comments).toBeGreaterThan(0);
    expect(themes.stdout).toMatch(new RegExp(`Product quality\\s+${coffee?.total.comments}\\s+${coffee?.total.averageRatingPercent?.toFixed(1)}%`));
  }, 60_000);

  it('prints the benchmark of the API', async () => {
    const run = await runHere(() => runBenchmarksCommand(cli, { client: 'Kōwhai Café', period: lastMonth, json: true }));
    expect(run.code, run.output).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(portal.benchmarks);
  }, 60_000);

  it('lists the draws and runs the closed one, audited as operator staff; an open draw is refused', async () => {
    const list = await runHere(() => runDrawListCommand(cli, { client: 'Kōwhai Café', json: true }));
    expect(list.code, list.output).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual(portal.draws);
    expect(portal.draws.find((d) => d.id === closedDraw)).toMatchObject({ status: 'open', closed: true, entrants: 3 });

    const drawn = await runHark(['draw', 'run', closedDraw], env);
    expect(drawn.code, drawn.output).toBe(0);
    expect(drawn.stdout).toContain(`Drew prize draw ${closedDraw}: 3 entrant(s), 1 winner(s).`);
    const refused = await runHere(() => runDrawRunCommand(cli, openDraw));
    expect(refused.code, refused.output).toBe(1);
    expect(refused.stderr).toMatch(/has not closed yet.*Nothing was changed\./);

    await withDatabase(database, async (db) => {
      const draws = await db.selectFrom('prize_draws').select(['id', 'status', 'drawn_by', 'entry_count']).where('client_id', '=', client.clientId).execute();
      expect(draws.find((d) => d.id === closedDraw)).toMatchObject({ status: 'drawn', drawn_by: null, entry_count: 3 });
      expect(draws.find((d) => d.id === openDraw)).toMatchObject({ status: 'open', entry_count: null });
      const audit = await db
        .selectFrom('audit_log')
        .select(['actor_kind', 'actor_id', 'action', 'details'])
        .where('chain_id', '=', client.clientId)
        .where('action', 'in', ['prize_draw.drawn', 'operator.insights_read'])
        .orderBy('seq')
        .execute();
      expect(audit.find((a) => a.action === 'prize_draw.drawn')).toMatchObject({ actor_kind: 'operator', actor_id: expect.stringMatching(/.+@.+/), details: { entrants: 3, winners: 1, via: 'cli' } });
      // Each look into the client from the command line is in its chain.
      expect(audit.filter((a) => a.action === 'operator.insights_read').map((a) => (a.details as { command: string }).command)).toEqual([
        'report monthly',
        'report monthly',
        'rankings',
        'comments cloud',
        'comments themes',
        'benchmarks',
        'draw list',
      ]);
    });
  }, 120_000);

  it("prints the operator's website analytics as the API reads them", async () => {
    const run = await runHere(() => runAnalyticsSummaryCommand(cli, { from, to, json: true }));
    expect(run.code, run.output).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(portal.analytics);
    expect(JSON.parse(run.stdout)).toMatchObject({ totals: { visitors: 65, views: 140, averageSeconds: 26 }, topPages: [{ path: '/', views: 80 }, { path: '/pricing', views: 60 }] });
  }, 60_000);

  it('refuses bad input by name with a non-zero exit, and writes nothing', async () => {
    const existing = path.join(dir, 'existing.pdf');
    await writeFile(existing, 'not to be overwritten');
    const out = path.join(dir, 'refused.pdf');
    // Refused before the database opens, by the real `hark`: every command and option is wired.
    const refusals: [string[], RegExp][] = [
      [['report', 'monthly', '--client', 'Kōwhai Café', '--month', `${lastMonth.slice(0, 4)}-13`, '--out', out], /--month must be a month written YYYY-MM/],
      [['report', 'monthly', '--client', 'Kōwhai Café', '--month', lastMonth, '--location', 'Main Street', '--out', existing], /existing\.pdf exists already; give a new file name/],
      [['rankings', '--client', 'Kōwhai Café', '--by', 'staff', '--from', to, '--to', from, '--location', 'Main Street', '--json'], new RegExp(`--from ${to} is after --to ${from}`)],
      [['rankings', '--client', 'Kōwhai Café', '--by', 'staff', '--from', from, '--to', to, '--rule', 'luck'], /--rule must be shrunk or lower_bound/],
      [['comments', 'cloud', '--client', 'Kōwhai Café', '--from', '2025-02-30', '--to', to, '--location', 'Main Street', '--json'], /--from is not a real date \("2025-02-30" was given\)/],
      [['comments', 'cloud', '--client', 'Kōwhai Café', '--from', from, '--to', to, '--min-count', '0', '--limit', '10'], /--min-count .*\("0" was given\)/],
      [['comments', 'themes', '--client', 'Kōwhai Café', '--from', from, '--to', to, '--interval', 'year', '--location', 'Main Street', '--json'], /--interval .*\("year" was given\)/],
      [['benchmarks', '--client', 'Kōwhai Café', '--period', `${lastMonth.slice(0, 4)}-Q5`, '--json'], /--period must be a month \(2025-03\), a quarter \(2025-Q1\) or a year/],
      [['benchmarks', '--client', 'Kōwhai Café', '--cell', 'planet'], /--cell must be industry or region/],
      [['draw', 'run', 'not-a-draw'], /"not-a-draw" is not a draw id/],
      [['analytics', 'summary', '--from', '2020-01-01', '--to', '2021-06-30', '--json'], /is 547 days long: choose at most 366 days/],
    ];
    // None of these opens the database, so they may run side by side.
    const runs = await Promise.all(refusals.map(([args]) => runHark(args, env)));
    refusals.forEach(([, message], i) => {
      const run = runs[i];
      expect(run?.code, run?.output).toBe(2);
      expect(run?.stderr, run?.output).toMatch(message);
      expect(run?.stdout).toBe('');
    });
    const missing = await runHark(['draw', 'list'], env);
    expect(missing.code, missing.output).toBe(1);
    expect(missing.stderr).toContain("required option '--client <client>' not specified");

    // Refused once the database is open: an unknown client, an unknown location.
    const nobody = await runHark(['rankings', '--client', 'Nobody Café', '--by', 'location', '--from', from, '--to', to], env);
    expect(nobody.code, nobody.output).toBe(2);
    expect(nobody.stderr).toContain('There is no client "Nobody Café" (give its id, or its exact name).');
    const nowhere = await runHere(() => runMonthlyReportCommand(cli, { client: 'Kōwhai Café', month: lastMonth, location: 'Wellington', out }));
    expect(nowhere.code, nowhere.output).toBe(2);
    expect(nowhere.stderr).toContain('The client has no location "Wellington" (give a location\'s id, code or exact name).');
    const early = await runHere(() => runMonthlyReportCommand(cli, { client: 'Kōwhai Café', month: '2001-01', out }));
    expect(early.code, early.output).toBe(2);
    expect(early.stderr).toMatch(/There is no report for January 2001: this business has figures from \w+ \d{4}/);
    for (const refused of [nowhere, early]) expect(refused.stdout).toBe('');

    expect(await exists(out)).toBe(false);
    expect(await exists(`${out}.partial`)).toBe(false);
    expect(await readFile(existing, 'utf8')).toBe('not to be overwritten');
  }, 120_000);
});
