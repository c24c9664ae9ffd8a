/**
 * `hark stats export` as an operator runs it: a release written to a CSV or JSON file (or
 * CSV on standard output) and recorded in the ledger; bad dimensions, periods, epsilon and
 * files refused by name with exit 2; past the budget, exit 3; nothing recorded on refusal.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { cliDatabase, killAll, removeTempDirs, runHark, tempDir, withDatabase, type CliDatabase } from './harness.ts';

/** A contributing client with `responses` scored 4 in 2023-01, written directly. */
async function seedClient(db: Db, region: string, responses: number): Promise<void> {
  const clientId = randomUUID();
  const programmeId = randomUUID();
  const locationId = randomUUID();
  await db.insertInto('clients').values({ id: clientId, name: `Cli Secret Shop ${clientId.slice(0, 4)}` }).execute();
  await db.insertInto('programmes').values({ client_id: clientId, id: programmeId, name: 'Feedback', scale: 'stars_5', lead_question: 'How was it?', follow_up_question: 'Why?' }).execute();
  await sql`insert into locations (client_id, id, programme_id, name, code) values (${clientId}, ${locationId}, ${programmeId}, 'Main', ${`loc-${clientId.slice(0, 8)}`})`.execute(db);
  await sql`insert into client_benchmark_profiles (client_id, industry, region) values (${clientId}, 'retail', ${region})`.execute(db);
  await sql`insert into feedback_daily_rollups (client_id, location_id, sub_measure_key, day, channel, responses, score_sum, score_histogram, with_comment, contact_requested)
    values (${clientId}, ${locationId}, '00000000-0000-0000-0000-000000000000', '2023-01-10', 'web', ${responses}, ${responses * 4}, ${[0, 0, 0, 0, responses, 0, 0, 0, 0, 0, 0]}::int[], 0, 0)`.execute(db);
}

describe(`hark stats export (${testDatabaseKind})`, () => {
  let database: CliDatabase;
  let env: Record<string, string | undefined>;

  const recorded = () =>
    withDatabase(database, async (db) => {
      const { rows } = await sql<{ n: number; spent: string | null }>`select count(*)::int as n, sum(epsilon)::text as spent from statistics_budget_ledger`.execute(db);
      return rows[0];
    });

  beforeAll(async () => {
    database = await cliDatabase();
    env = { ...database.env, HARK_STATS_EPSILON_BUDGET: '1.2' };
    const migrated = await runHark(['migrate'], env, 120_000);
    expect(migrated.code, migrated.output).toBe(0);
    await withDatabase(database, async (db) => {
      for (let i = 0; i < 6; i++) await seedClient(db, 'auckland', 20);
    });
  }, 180_000);

  afterAll(async () => {
    await killAll();
    await database?.drop();
    await removeTempDirs();
  });

  it('writes a release to a CSV file and a JSON file, charging the budget each time', async () => {
    const dir = await tempDir();
    const csvFile = path.join(dir, 'retail.csv');
    const csv = await runHark(['stats', 'export', '--period', '2023-01', '--by', 'industry,region', '--epsilon', '0.5', '--out', csvFile], env);
    expect(csv.code, csv.output).toBe(0);
    expect(csv.stdout).toMatch(/epsilon 0\.5; 1 of 144 cells published\. Budget: 0\.5 of 1\.2 spent, 0\.7 left\./);
    const text = await readFile(csvFile, 'utf8');
    expect(text.split('\n')[0]).toBe('industry,region,suppressed,responses,mean_index,share_low,share_middle,share_high');
    expect(text).toMatch(/^retail,auckland,false,-?\d+,/m);
    expect(text).not.toMatch(/Secret Shop/);

    const jsonFile = path.join(dir, 'retail.json');
    const json = await runHark(['stats', 'export', '--period', '2023-Q1', '--by', 'industry', '--out', jsonFile], env);
    expect(json.code, json.output).toBe(0);
    const doc = JSON.parse(await readFile(jsonFile, 'utf8')) as { release: { epsilon: number; by: string[] }; cells: { industry: string; suppressed: boolean }[] };
    expect(doc.release).toMatchObject({ epsilon: 0.5, by: ['industry'] });
    expect(doc.cells.find((c) => c.industry === 'retail')?.suppressed).toBe(false);
    expect(await recorded()).toEqual({ n: 2, spent: '1.000' });
  }, 180_000);

  it('refuses bad input by name, exit 2, and past the budget with exit 3, recording nothing', async () => {
    const before = await recorded();
    const dir = await tempDir();
    const refusals: [string[], RegExp][] = [
      [['--period', '2023-01', '--by', 'industry,postcode'], /Unknown dimension "postcode": group by one or more of industry, region, month/],
      [['--period', '2023-1', '--by', 'industry'], /"2023-1" is not a period/],
      [['--period', '2023-01', '--by', 'industry', '--epsilon', '0'], /Epsilon must be a number above 0/],
      [['--period', '2023-01', '--by', 'industry', '--epsilon', '-1'], /--epsilon must be a number above 0/],
      [['--period', '2023-01', '--by', 'industry', '--out', path.join(dir, 'x.xlsx')], /must name a \.csv or \.json file/],
      [['--period', '2002-01', '--by', 'industry', '--epsilon', '0.1'], /No contributing client has responses in 2002-01/],
    ];
    for (const [args, message] of refusals) {
      const run = await runHark(['stats', 'export', ...args], env);
      expect(run.code, run.output).toBe(2);
      expect(run.stderr).toMatch(message);
    }
    const over = await runHark(['stats', 'export', '--period', '2023-01', '--by', 'industry', '--epsilon', '0.5', '--out', path.join(dir, 'over.csv')], env);
    expect(over.code, over.output).toBe(3);
    expect(over.stderr).toMatch(/would spend epsilon 0\.5, but only 0\.2 of the privacy budget of 1\.2 remains \(1 spent over 2 releases\)\. Nothing was released\./);
    expect(await recorded()).toEqual(before);

    // The rest of the budget, to standard output.
    const rest = await runHark(['stats', 'export', '--period', '2023-01', '--by', 'region', '--epsilon', '0.2'], env);
    expect(rest.code, rest.output).toBe(0);
    expect(rest.stdout.split('\n')[0]).toBe('region,suppressed,responses,mean_index,share_low,share_middle,share_high');
    expect(rest.stderr).toMatch(/0 left/);
  }, 300_000);
});
