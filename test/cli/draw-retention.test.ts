/**
 * `hark draw verify` and `hark retention run` as an operator runs them. A drawn draw that
 * checks out exits 0; the same draw with one entry changed exits 1 and says what disagrees;
 * a malformed or unknown id is refused by name. A retention dry run reports and changes
 * nothing; a run records itself.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../src/keys/envelope.ts';
import { commitmentOf, drawPositions, entriesHash, entrantToken, orderEntries } from '../../src/prizes/algorithm.ts';
import { testDatabaseKind } from '../helpers/database.ts';
import { cliDatabase, killAll, removeTempDirs, runHark, withDatabase, type CliDatabase } from './harness.ts';

describe(`hark draw verify, hark retention run (${testDatabaseKind})`, () => {
  let database: CliDatabase;
  const drawId = randomUUID();

  beforeAll(async () => {
    database = await cliDatabase();
    const migrated = await runHark(['migrate'], database.env, 120_000);
    expect(migrated.code, migrated.output).toBe(0);
    // A drawn draw as Hark publishes it (written directly: this test is about checking it).
    await withDatabase(database, async (db) => {
      const clientId = randomUUID();
      const programmeId = randomUUID();
      await db.insertInto('clients').values({ id: clientId, name: 'Draw Café' }).execute();
      await db.insertInto('programmes').values({ client_id: clientId, id: programmeId, name: 'Feedback', scale: 'stars_5', lead_question: 'How was it?', follow_up_question: 'Why?' }).execute();
      const seed = randomBytes(32);
      const tokens = orderEntries(Array.from({ length: 7 }, (_, i) => entrantToken(drawId, Buffer.from(`person ${i}`))));
      await db
        .insertInto('prize_draws')
        .values({
          client_id: clientId,
          id: drawId,
          programme_id: programmeId,
          period: 'month',
          period_start: '2026-01-01',
          period_end: '2026-02-01',
          winners: 2,
          seed_sealed: seal(randomBytes(32), seed, 'unused'),
          commitment: commitmentOf(seed),
          seed,
          entries_hash: entriesHash(tokens),
          entry_count: tokens.length,
          status: 'drawn',
          drawn_at: new Date(),
          purge_after_days: 30,
        })
        .execute();
      await db.insertInto('prize_draw_entrants').values(tokens.map((token, position) => ({ client_id: clientId, draw_id: drawId, position, token }))).execute();
      const picks = drawPositions(seed, tokens, 2);
      await db.insertInto('prize_draw_winners').values(picks.map((position, i) => ({ client_id: clientId, draw_id: drawId, round: i + 1, position }))).execute();
    });
  }, 180_000);

  afterAll(async () => {
    await killAll();
    await database?.drop();
    await removeTempDirs();
  });

  it('says a draw agrees with what it published, and exits 0', async () => {
    const result = await runHark(['draw', 'verify', drawId], database.env, 120_000);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('The draw agrees');
    expect(result.stdout).toContain('7 entries');
  });

  it('says what disagrees when one entry was changed, and exits 1', async () => {
    await withDatabase(database, (db) => sql`update prize_draw_entrants set token = ${'f'.repeat(32)} where draw_id = ${drawId} and position = 0`.execute(db));
    const result = await runHark(['draw', 'verify', drawId], database.env, 120_000);
    expect(result.code, result.output).toBe(1);
    expect(result.stdout).toContain('DISAGREES');
    expect(result.stdout).toContain('does not match the published entries hash');
  });

  it('names a malformed or unknown draw id', async () => {
    const malformed = await runHark(['draw', 'verify', 'draw-42'], database.env, 60_000);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('"draw-42" is not a draw id');
    const unknown = await runHark(['draw', 'verify', randomUUID()], database.env, 120_000);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('there is no prize draw');
  });

  it('reports on a retention dry run and changes nothing; a run records itself', async () => {
    const dry = await runHark(['retention', 'run', '--dry-run'], database.env, 120_000);
    expect(dry.code, dry.output).toBe(0);
    expect(dry.stdout).toContain('Dry run: nothing was changed.');
    expect(dry.stdout).toContain('nothing is past its retention period');
    const run = await runHark(['retention', 'run'], database.env, 120_000);
    expect(run.code, run.output).toBe(0);
    const runs = await withDatabase(database, (db) => db.selectFrom('retention_runs').select(['dry_run', 'trigger', 'finished_at']).orderBy('started_at').execute());
    expect(runs.map((r) => [r.dry_run, r.trigger, r.finished_at !== null])).toEqual([
      [true, 'cli', true],
      [false, 'cli', true],
    ]);
  });
});
