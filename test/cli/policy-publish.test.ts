/**
 * `hark policy publish <file>` through the real CLI: a good file becomes the next version
 * (with its SHA-256); an empty, oversized, missing or non-UTF-8 file is refused with a
 * message that says why, exit 1, and nothing published.
 */
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseKind } from '../helpers/database.ts';
import { cliDatabase, killAll, removeTempDirs, runHark, tempDir, withDatabase, type CliDatabase, type Env } from './harness.ts';

let database: CliDatabase;
let env: Env;
let dir: string;

beforeAll(async () => {
  database = await cliDatabase();
  env = { ...database.env, HARK_MASTER_KEY: randomBytes(32).toString('base64'), HARK_PUBLIC_URL: 'https://feedback.example.org' };
  dir = await tempDir();
});

afterAll(async () => {
  await killAll();
  await database?.drop();
  await removeTempDirs();
});

const versions = () =>
  withDatabase(database, (db) => db.selectFrom('policy_versions').select(['version', 'format', 'source', 'sha256', 'body']).orderBy('version').execute());

describe(`hark policy publish (${testDatabaseKind})`, () => {
  it('publishes a Markdown file as the next version and prints where it is', async () => {
    expect((await runHark(['migrate'], env)).code).toBe(0);
    const text = '# Privacy at Example Feedback\n\nWe keep what you give us for as long as the business needs it.\n';
    const file = path.join(dir, 'policy.md');
    await writeFile(file, text);
    const run = await runHark(['policy', 'publish', file], env);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Published version 1 of the privacy policy');
    expect(run.stdout).toContain('https://feedback.example.org/privacy');
    const [v1] = await versions();
    expect(v1).toMatchObject({ version: 1, format: 'markdown', source: 'cli', body: text });
    expect(v1?.sha256.toString('hex')).toBe(createHash('sha256').update(text).digest('hex'));
  }, 90_000);

  it('refuses an empty, oversized, missing or non-UTF-8 file, and publishes nothing', async () => {
    const cases: [string, Buffer | null, RegExp][] = [
      ['empty.md', Buffer.from('   \n\n'), /empty/],
      ['huge.md', Buffer.alloc(300 * 1024, 'a'), /larger than 256 KB/],
      ['latin1.txt', Buffer.from('Caf\xe9 policy', 'latin1'), /not valid UTF-8/],
      ['binary.md', Buffer.from([0x50, 0x00, 0x01, 0x02]), /control characters/],
      ['missing.md', null, /no such file/],
    ];
    for (const [name, bytes, message] of cases) {
      const file = path.join(dir, name);
      if (bytes) await writeFile(file, bytes);
      const run = await runHark(['policy', 'publish', file], env);
      expect(run.code, `${name}: ${run.output}`).toBe(1);
      expect(run.stderr, name).toMatch(message);
      expect(run.stderr, name).toContain('hark policy publish');
    }
    const badFormat = await runHark(['policy', 'publish', path.join(dir, 'empty.md'), '--format', 'pdf'], env);
    expect(badFormat.code).not.toBe(0);
    expect(badFormat.stderr).toContain('format must be markdown or text');
    expect((await versions()).map((v) => v.version)).toEqual([1]);
  }, 120_000);

  it('takes a .txt file as plain text, numbered next', async () => {
    const file = path.join(dir, 'policy-2.txt');
    await writeFile(file, '\uFEFFPlain words.\r\nSecond line.\r\n');
    const run = await runHark(['policy', 'publish', file], env);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('Published version 2');
    const all = await versions();
    expect(all.map((v) => [v.version, v.format])).toEqual([
      [1, 'markdown'],
      [2, 'text'],
    ]);
    expect(all[1]?.body).toBe('Plain words.\nSecond line.\n');
  }, 90_000);
});
