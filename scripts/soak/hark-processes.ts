/**
 * Hark processes of the soak run: `node bin/hark.js serve --role web|worker` (and `migrate`)
 * as child processes with the run's environment, each writing its output to a log file of
 * its own. Every child is watched: one that exits without being told to is a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const harkBin = path.join(repositoryRoot, 'bin', 'hark.js');

export type Env = Record<string, string>;

/** This process's environment without any Hark setting (a developer's DATABASE_URL must not leak in), plus `env`. */
function childEnv(env: Env): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !/^(HARK_|DATABASE_URL$|DATABASE_REPLICA_URL$|PORT$|HOST$|SMTP_URL$|TWILIO_)/.test(name));
  return { ...Object.fromEntries(inherited), ...env };
}

export interface ExitRecord {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** We stopped it (SIGKILL for the fault, SIGTERM at the end). */
  expected: boolean;
  at: number;
}

export class HarkProcess {
  readonly child: ChildProcess;
  readonly log: WriteStream;
  /** The last 20 000 characters it printed. */
  tail = '';
  exit: ExitRecord | null = null;
  readonly exited: Promise<ExitRecord>;
  #stopping = false;

  constructor(
    readonly name: string,
    args: readonly string[],
    env: Env,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [harkBin, ...args], { cwd: repositoryRoot, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (chunk: string) => {
      this.log.write(chunk);
      this.tail = (this.tail + chunk).slice(-20_000);
    };
    this.child.stdout?.setEncoding('utf8').on('data', take);
    this.child.stderr?.setEncoding('utf8').on('data', take);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { name: this.name, code, signal, expected: this.#stopping, at: Date.now() };
        this.log.end();
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** Resolves once its output matches `pattern`; rejects if it exits first or `timeoutMs` passes. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(this.tail)) {
      if (this.exit) throw new Error(`${this.name} exited (${this.exit.signal ?? `code ${this.exit.code}`}) before it was ready:\n${this.tail.slice(-3000)}`);
      if (Date.now() > until) throw new Error(`${this.name} was not ready within ${timeoutMs / 1000} s:\n${this.tail.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGKILL: the process dies at once, in the middle of whatever it holds. */
  async kill(): Promise<ExitRecord> {
    this.#stopping = true;
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not stopped within `graceMs`. */
  async stop(graceMs = 15_000): Promise<ExitRecord> {
    this.#stopping = true;
    if (!this.running) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs a `hark` command to its end; rejects, with its output, unless it exits 0. */
export async function runHarkCommand(name: string, args: readonly string[], env: Env, logFile: string, timeoutMs = 120_000): Promise<string> {
  const command = new HarkProcess(name, args, env, logFile);
  const timer = setTimeout(() => command.child.kill('SIGKILL'), timeoutMs);
  try {
    const exit = await command.exited;
    if (exit.code !== 0) throw new Error(`hark ${args.join(' ')} failed (${exit.signal ?? `exit code ${exit.code}`}):\n${command.tail.slice(-3000)}`);
    return command.tail;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `url` until it answers 200 (a web process's /readyz). */
export async function waitForHttpReady(process: HarkProcess, url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (process.exit) throw new Error(`${process.name} exited before it was ready:\n${process.tail.slice(-3000)}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${process.name} did not answer 200 at ${url} within ${timeoutMs / 1000} s:\n${process.tail.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
