/**
 * `npm start` (hark serve --demo) as a new user runs it, through the real CLI in a child
 * process: on embedded PGlite in HARK_DATA_DIR, or, when the suite runs with
 * HARK_TEST_DB=postgres, on the PostgreSQL named by DATABASE_URL. CI runs the suite both
 * ways, so each path is covered once.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cliDatabase,
  demoFacts,
  expectRealisticDemo,
  freePort,
  killAll,
  removeTempDirs,
  runHark,
  startHarkProcess,
  withDatabase,
  type CliDatabase,
  type DemoFacts,
} from './harness.ts';

let database: CliDatabase;
let port: number;
let seeded: DemoFacts | undefined;

beforeAll(async () => {
  database = await cliDatabase();
  port = await freePort();
});

afterAll(async () => {
  await killAll();
  await database?.drop();
  await removeTempDirs();
});

const readyLine = /^Hark is ready at (\S+)$/m;
const feedbackPages = (stdout: string): URL[] => [...stdout.matchAll(/^\s*feedback page:\s+(\S+)/gm)].map((m) => new URL(m[1] ?? ''));

describe(`hark serve --demo on an empty database (${process.env.HARK_TEST_DB === 'postgres' ? 'PostgreSQL through DATABASE_URL' : 'embedded PGlite'})`, () => {
  it('starts, loads the demo once, prints working URLs on its port, and stops on SIGTERM', async () => {
    // HARK_MASTER_KEY unset: Hark makes its own key file in the data folder.
    const hark = startHarkProcess(['serve', '--demo'], { ...database.env, PORT: String(port) });
    const ready = await hark.waitForOutput(readyLine, 60_000);
    expect(ready[1]).toBe(`http://localhost:${port}`);
    expect(hark.stdout).toMatch(/loading the demo client/);

    const health = await fetch(`http://localhost:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const pages = feedbackPages(hark.stdout);
    expect(pages.length, hark.stdout).toBeGreaterThanOrEqual(3);
    for (const page of pages) {
      expect(page.origin).toBe(`http://localhost:${port}`);
      expect(page.pathname).toMatch(/^\/f\/[a-z0-9-]+$/);
    }
    for (const page of pages) {
      const response = await fetch(page);
      expect(response.status, page.href).toBe(200);
      const html = await response.text();
      expect(html).toMatch(/<form[^>]+method="post"/i);
      expect(html).toContain('name="score"');
    }
    const staffPage = /^\s*staff page:\s+(\S+)/m.exec(hark.stdout)?.[1];
    expect(staffPage, hark.stdout).toMatch(new RegExp(`^http://localhost:${port}/f/[a-z0-9-]+/[a-z0-9-]+$`));
    expect((await fetch(staffPage ?? '')).status).toBe(200);
    // What to text for that staff member: the location's SMS code, then their code.
    expect(hark.stdout).toMatch(new RegExp(`^  sms: text [A-Z0-9]+ ${staffPage?.split('/').at(-1)?.toUpperCase()} to \\S+   \\(a staff member at `, 'm'));
    const qr = /^\s*QR code:\s+(\S+)/m.exec(hark.stdout)?.[1] ?? '';
    const qrResponse = await fetch(qr);
    expect(qrResponse.status, qr).toBe(200);
    expect(qrResponse.headers.get('content-type')).toMatch(/^image\/svg\+xml/);

    const exit = await hark.stop('SIGTERM');
    expect(exit, hark.describe()).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(10_000);

    // The key file Hark made for itself, readable by its owner only.
    const key = await stat(path.join(database.dataDir, 'master.key'));
    expect(key.mode & 0o077).toBe(0);
    if (database.kind === 'pglite') {
      expect(existsSync(path.join(database.dataDir, 'pgdata'))).toBe(true);
    } else {
      // The data went to PostgreSQL; nothing embedded was made.
      expect(existsSync(path.join(database.dataDir, 'pgdata'))).toBe(false);
      expect(hark.stderr).toMatch(/HARK_MASTER_KEY is not set/);
    }

    seeded = await withDatabase(database, demoFacts);
    expectRealisticDemo(seeded);
    expect(hark.stdout).toContain(`with ${seeded.feedback} feedback`);
  }, 120_000);

  it('keeps the data on restart and does not load the demo twice', async () => {
    expect(seeded, 'the first start must have succeeded').toBeDefined();
    const hark = startHarkProcess(['serve', '--demo'], { ...database.env, PORT: String(port) });
    await hark.waitForOutput(readyLine, 60_000);
    expect(hark.stdout).not.toMatch(/loading the demo client/);
    expect(hark.stdout).toContain(`with ${seeded?.feedback} feedback`);
    const [page] = feedbackPages(hark.stdout);
    expect((await fetch(page ?? '')).status).toBe(200);

    if (database.kind === 'pglite') {
      // A second Hark on the same embedded database would silently lose one side's writes:
      // it must refuse, and leave the running one alone.
      const second = await runHark(['serve', '--demo'], { ...database.env, PORT: String(await freePort()) }, 30_000);
      expect(second.code, second.output).not.toBe(0);
      expect(second.stderr).toMatch(/already open/);
      expect(second.stderr).not.toMatch(/^\s+at /m);
      expect((await fetch(`http://localhost:${port}/healthz`)).status).toBe(200);
    }

    expect(await hark.stop('SIGTERM')).toMatchObject({ code: 0 });
    const after = await withDatabase(database, demoFacts);
    expect(after.clients).toBe(1);
    expect(after.feedback).toBe(seeded?.feedback);
  }, 120_000);
});
