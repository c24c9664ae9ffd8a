#!/usr/bin/env node
/**
 * Builds the portal (web/) into web/dist when its sources changed since the last build, and
 * otherwise does nothing, quickly: `npm start` runs it first (prestart), the tests run it
 * once (test/setup/build-portal.ts), `npm run build:web` runs it with --force.
 *
 * "Changed" is a fingerprint of every source file's path, size and modification time (and
 * package-lock.json's, so new dependency versions rebuild), stored in web/dist/.build-stamp.
 *
 * The build goes to a temporary folder first; its hashed assets are then added to
 * web/dist/assets and index.html replaced last, by rename, so a Hark already serving the
 * portal never sees a half-written build or loses the assets of the page it handed out.
 * Assets that the new index.html does not use are removed once they are a day old.
 *
 * Usable as a module too: `import { buildPortal } from './build-portal.mjs'`.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webDir = path.join(repoRoot, 'web');
const distDir = path.join(webDir, 'dist');
const stampFile = path.join(distDir, '.build-stamp');
const lockDir = path.join(webDir, '.build-lock');
const staleAssetMs = 24 * 3600 * 1000;

async function listSources(dir, out = []) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name.includes('.timestamp-')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await listSources(full, out);
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** A fingerprint of everything the build reads. */
export async function sourceFingerprint() {
  const files = (await listSources(webDir)).sort();
  files.push(path.join(repoRoot, 'package-lock.json'));
  const hash = createHash('sha256');
  for (const file of files) {
    try {
      const info = await stat(file);
      hash.update(`${path.relative(repoRoot, file)}\0${info.size}\0${Math.floor(info.mtimeMs)}\n`);
    } catch {
      hash.update(`${path.relative(repoRoot, file)}\0missing\n`);
    }
  }
  return hash.digest('hex');
}

async function readStamp() {
  try {
    return (await readFile(stampFile, 'utf8')).trim();
  } catch {
    return null;
  }
}

async function isBuilt(fingerprint) {
  if ((await readStamp()) !== fingerprint) return false;
  try {
    await stat(path.join(distDir, 'index.html'));
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One build at a time across processes (npm start and a test run may both want one). */
async function withLock(fn) {
  for (let waited = 0; ; waited += 200) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const info = await stat(lockDir).catch(() => null);
      // A lock older than five minutes belongs to a build that died.
      if (info && Date.now() - info.mtimeMs > 5 * 60_000) await rmdir(lockDir).catch(() => {});
      if (waited > 10 * 60_000) throw new Error(`waited ten minutes for ${lockDir}; remove it if no build is running`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(lockDir).catch(() => {});
  }
}

async function runVite(outDir) {
  const { build } = await import('vite');
  // Vite builds React in development mode when NODE_ENV says so (vitest sets "test"): the
  // portal is always built for production. Restored after, for whoever runs this in-process.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
    configFile: path.join(webDir, 'vite.config.ts'),
    // Load the config in memory, without writing a bundled copy beside it.
    configLoader: 'runner',
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

async function install(fromDir) {
  const assetsDir = path.join(distDir, 'assets');
  await mkdir(assetsDir, { recursive: true });
  const fresh = await readdir(path.join(fromDir, 'assets')).catch(() => []);
  for (const name of fresh) await copyFile(path.join(fromDir, 'assets', name), path.join(assetsDir, name));
  const html = await readFile(path.join(fromDir, 'index.html'), 'utf8');
  const nextIndex = path.join(distDir, `.index-${process.pid}.html`);
  await writeFile(nextIndex, html);
  await rename(nextIndex, path.join(distDir, 'index.html'));
  const used = new Set(fresh);
  for (const name of await readdir(assetsDir)) {
    if (used.has(name)) continue;
    const info = await stat(path.join(assetsDir, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > staleAssetMs) await rm(path.join(assetsDir, name), { force: true });
  }
}

/**
 * Builds the portal if its sources changed (or always, with force). Resolves to what it did.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<'built' | 'up to date'>}
 */
export async function buildPortal(options = {}) {
  const log = options.log ?? ((line) => console.log(line));
  const before = await sourceFingerprint();
  if (!options.force && (await isBuilt(before))) return 'up to date';
  return withLock(async () => {
    // Another process may have built it while this one waited for the lock.
    const fingerprint = await sourceFingerprint();
    if (!options.force && (await isBuilt(fingerprint))) return 'up to date';
    const started = Date.now();
    log('Building the portal (web/ → web/dist)…');
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'hark-portal-'));
    try {
      await runVite(tmp);
      await install(tmp);
      await writeFile(stampFile, `${fingerprint}\n`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    log(`Portal built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 'built';
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const force = process.argv.includes('--force');
  buildPortal({ force }).catch((error) => {
    console.error(`The portal could not be built: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
