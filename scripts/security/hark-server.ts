/**
 * The Hark under test: `hark serve --demo` as a child process on a fresh PostgreSQL database
 * of its own, on a free loopback port, with its rate limits raised so the scanners' thousands
 * of requests are answered rather than refused (rate limiting itself is tested by the test
 * suite, e.g. test/flows/privacy-request-limits.test.ts). Its output goes to a log file.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../lib/throwaway-database.ts';
import { log, SetupError, spawnTracked, stopChild } from './processes.ts';

export type ScanDatabase = ThrowawayDatabase;

export async function createScanDatabase(): Promise<ScanDatabase> {
  try {
    return await createThrowawayDatabase('hark_security');
  } catch (error) {
    throw new SetupError(error instanceof Error ? error.message : String(error));
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

/** Every per-IP and per-target limit of the public endpoints, raised for the scan. */
export const raisedRateLimits: Readonly<Record<string, string>> = {
  HARK_SUBMIT_LIMIT_PER_IP: '1000000',
  HARK_SUBMIT_LIMIT_PER_LOCATION: '1000000',
  HARK_PAGE_LIMIT_PER_IP: '1000000',
  HARK_LOGIN_LIMIT_PER_IP: '1000000',
  HARK_PRIVACY_REQUEST_LIMIT_PER_IP: '1000000',
  HARK_PRIVACY_COMPLAINT_LIMIT_PER_IP: '1000000',
  HARK_ANALYTICS_LIMIT_PER_IP: '1000000',
  HARK_SMS_LIMIT_PER_IP: '1000000',
  HARK_SMS_LIMIT_PER_NUMBER: '1000000',
  HARK_API_KEY_LIMIT_PER_MINUTE: '1000000',
};

export interface DemoLogin {
  email: string;
  password: string;
  role: string;
}

/** What `hark serve --demo` printed: where things are and who may sign in. */
export interface DemoFacts {
  feedbackPaths: string[];
  /** A feedback page of one staff member (a sub-measure). */
  staffPath: string | null;
  logins: DemoLogin[];
  operatorLogin: DemoLogin | null;
}

/** Reads the start-up message of `hark serve --demo` (src/main.ts printUrls). */
export function parseDemoOutput(output: string, baseUrl: string): DemoFacts {
  const feedbackPaths = [...output.matchAll(/^ {2}feedback page: +(\S+)/gm)].map((m) => (m[1] ?? '').replace(baseUrl, ''));
  const staffPath = /^ {2}staff page: +(\S+)/m.exec(output)?.[1]?.replace(baseUrl, '') ?? null;
  const logins: DemoLogin[] = [];
  let operatorLogin: DemoLogin | null = null;
  for (const m of output.matchAll(/^ {2}login: (\S+) \/ (\S+) +\(([^,)]+)/gm)) {
    const login = { email: m[1] ?? '', password: m[2] ?? '', role: m[3] ?? '' };
    if (login.role.startsWith('operator staff')) operatorLogin = { ...login, role: 'operator' };
    else logins.push(login);
  }
  return { feedbackPaths, staffPath, logins, operatorLogin };
}

export interface RunningHark {
  baseUrl: string;
  demo: DemoFacts;
  logFile: string;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, '../..');

/** Starts `hark serve --demo` on the database and waits until /readyz answers 200. */
export async function startHark(database: ScanDatabase, reportDir: string): Promise<RunningHark> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hark-security-data-'));
  const inherited = Object.entries(process.env).filter(([name]) => !/^(HARK_|DATABASE_URL$|PORT$|HOST$|SMTP_URL$)/.test(name));
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(inherited),
    DATABASE_URL: database.url,
    HARK_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: String(port),
    HARK_PUBLIC_URL: baseUrl,
    HARK_MASTER_KEY: randomBytes(32).toString('base64'),
    // Warnings and errors only: a 500 shows here with its stack, and no request log of the
    // scanners' payloads fills the disk.
    HARK_LOG_LEVEL: 'warn',
    ...raisedRateLimits,
  };
  const logFile = path.join(reportDir, 'hark.log');
  const out = createWriteStream(logFile);
  const child = spawnTracked(process.execPath, [path.join(root, 'bin', 'hark.js'), 'serve', '--demo'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    out.write(chunk);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => out.write(chunk));

  const stop = async () => {
    await stopChild(child, 20_000);
    await new Promise<void>((resolve) => out.end(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`hark serve --demo ended during start-up; see ${logFile}`);
      if (Date.now() > deadline) throw new Error(`hark serve --demo was not ready within 5 minutes; see ${logFile}`);
      if (/^Mail from Hark goes to/m.test(stdout)) {
        const ready = await fetch(`${baseUrl}/readyz`).then((r) => r.status === 200, () => false);
        if (ready) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const demo = parseDemoOutput(stdout, baseUrl);
  if (demo.feedbackPaths.length === 0 || demo.logins.length === 0) {
    await stop();
    throw new Error(`hark serve --demo did not print the demo's feedback pages and logins; see ${logFile}`);
  }
  log(`Hark is ready at ${baseUrl} (log: ${logFile})`);
  return { baseUrl, demo, logFile, stop };
}
