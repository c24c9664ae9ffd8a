/**
 * The master key: taken from HARK_MASTER_KEY when set (a bad value stops start-up naming the
 * variable), otherwise generated once into the data folder, readable by its owner only, and
 * the same key on every later start.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { loadMasterKey } from './master-key.ts';

const made: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hark-master-key-'));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('HARK_MASTER_KEY', () => {
  it('accepts 32 bytes in base64', () => {
    const key = randomBytes(32);
    const config = loadConfig({ HARK_MASTER_KEY: key.toString('base64') });
    expect(config.masterKey?.equals(key)).toBe(true);
  });

  for (const [what, value] of [
    ['16 bytes', randomBytes(16).toString('base64')],
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['64 bytes', randomBytes(64).toString('base64')],
    ['hex instead of base64', randomBytes(32).toString('hex')],
    ['base64url', Buffer.from(Array.from({ length: 32 }, () => 0xfb)).toString('base64url')],
  ] as const) {
    it(`stops start-up on a key of ${what}, naming the variable and the fix`, () => {
      let thrown: unknown;
      try {
        loadConfig({ HARK_MASTER_KEY: value });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      const message = (thrown as Error).message;
      expect(message).toContain('HARK_MASTER_KEY');
      expect(message).toMatch(/32 bytes in base64/);
      // The message must not echo the (wrong, but possibly nearly right) secret.
      expect(message).not.toContain(value);
    });
  }
});

describe('loadMasterKey', () => {
  it('uses the configured key and writes no key file', async () => {
    const dir = await tempDir();
    const configured = randomBytes(32);
    const key = await loadMasterKey(configured, dir);
    expect(key.equals(configured)).toBe(true);
    await expect(stat(path.join(dir, 'master.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('generates a key file readable by its owner only in a data folder that does not exist yet', async () => {
    const dataDir = path.join(await tempDir(), 'nested', 'data');
    const key = await loadMasterKey(undefined, dataDir);
    expect(key.length).toBe(32);

    const file = path.join(dataDir, 'master.key');
    const info = await stat(file);
    expect(info.isFile()).toBe(true);
    expect((info.mode & 0o777).toString(8)).toBe('600');
    expect(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').equals(key)).toBe(true);
  });

  it('reuses the key file on every later start, without rewriting it', async () => {
    const dataDir = await tempDir();
    const first = await loadMasterKey(undefined, dataDir);
    const file = path.join(dataDir, 'master.key');
    const before = await readFile(file, 'utf8');
    const again = await loadMasterKey(undefined, dataDir);
    expect(again.equals(first)).toBe(true);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('gives every one of many simultaneous first starts the same key', async () => {
    const dataDir = await tempDir();
    const keys = await Promise.all(Array.from({ length: 20 }, () => loadMasterKey(undefined, dataDir)));
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(1);
    const stored = Buffer.from((await readFile(path.join(dataDir, 'master.key'), 'utf8')).trim(), 'base64');
    expect(stored.equals(keys[0] as Buffer)).toBe(true);
  });

  it('refuses a key file that does not hold 32 bytes, naming the file, and leaves it alone', async () => {
    const dataDir = await tempDir();
    const file = path.join(dataDir, 'master.key');
    const damaged = `${randomBytes(16).toString('base64')}\n`;
    await writeFile(file, damaged, { mode: 0o600 });
    await expect(loadMasterKey(undefined, dataDir)).rejects.toThrow(`${file} does not hold a 32-byte base64 key`);
    // A damaged key file is never replaced by a new key: that would orphan every client key.
    expect(await readFile(file, 'utf8')).toBe(damaged);
  });
});
