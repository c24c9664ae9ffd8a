/**
 * A first start takes a few seconds while the demo loads, and that is when an impatient
 * person presses Ctrl-C (or a process manager sends SIGTERM). Hark must stop cleanly and
 * leave either no demo or the whole demo, never half a client that every later start
 * would show as "0 feedback".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliDatabase,
  demoFacts,
  expectRealisticDemo,
  freePort,
  killAll,
  removeTempDirs,
  startHarkProcess,
  withDatabase,
  type CliDatabase,
} from './harness.ts';

let database: CliDatabase;

beforeAll(async () => {
  database = await cliDatabase();
});

afterAll(async () => {
  await killAll();
  await database?.drop();
  await removeTempDirs();
});

describe('a signal while the demo loads', () => {
  it('stops cleanly after the demo is written whole, and a restart serves it', async () => {
    const port = String(await freePort());
    const hark = startHarkProcess(['serve', '--demo'], { ...database.env, PORT: port });
    await hark.waitForOutput(/loading the demo client/, 60_000);
    const exit = await hark.stop('SIGTERM', 60_000);
    expect(exit, hark.describe()).toMatchObject({ code: 0, signal: null });
    expect(hark.stderr).toMatch(/SIGTERM: stopping as soon as start-up reaches a safe point/);
    expect(hark.stdout).not.toMatch(/Hark is ready/);

    expectRealisticDemo(await withDatabase(database, demoFacts));

    const again = startHarkProcess(['serve', '--demo'], { ...database.env, PORT: port });
    await again.waitForOutput(/^Hark is ready at /m, 60_000);
    expect(again.stdout).not.toMatch(/loading the demo client|incomplete/);
    expect(again.stdout).toMatch(/^\s*feedback page:\s+http:\/\/localhost:\d+\/f\/ponsonby\b/m);
    expect(await again.stop('SIGTERM')).toMatchObject({ code: 0 });
  }, 120_000);
});
