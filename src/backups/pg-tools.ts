/**
 * pg_dump and pg_restore, run as child processes. The tools must be at least the server's
 * major version (pg_dump refuses newer servers), so the one matching the server is looked
 * for first. The password never appears in the command line (other users can read that): it
 * goes to the child through PGPASSWORD.
 */
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BackupError } from './backup-error.ts';

const run = promisify(execFile);

export type PgTool = 'pg_dump' | 'pg_restore';

async function toolVersion(file: string): Promise<number | null> {
  try {
    await access(file, constants.X_OK);
    const { stdout } = await run(file, ['--version']);
    const match = /(\d+)(?:\.\d+)?/.exec(stdout);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

async function pgConfigBinDir(): Promise<string | null> {
  try {
    const { stdout } = await run('pg_config', ['--bindir']);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** The path of a tool that can work with a server of `serverMajor`; throws a BackupError saying how to get one. */
export async function findPgTool(tool: PgTool, serverMajor: number, binDir?: string): Promise<string> {
  const dirs = binDir
    ? [binDir]
    : [`/usr/lib/postgresql/${serverMajor}/bin`, await pgConfigBinDir(), ...(process.env.PATH ?? '').split(path.delimiter)].filter(
        (d): d is string => Boolean(d),
      );
  const tooOld: string[] = [];
  for (const dir of dirs) {
    const file = path.join(dir, tool);
    const major = await toolVersion(file);
    if (major === null) continue;
    if (major >= serverMajor) return file;
    tooOld.push(`${file} (${major})`);
  }
  const where = binDir ? `in HARK_PG_BIN_DIR (${binDir})` : 'on this machine';
  throw new BackupError(
    `No ${tool} for PostgreSQL ${serverMajor} or later ${where}${tooOld.length ? `; found only ${tooOld.join(', ')}` : ''}. ` +
      `Install the PostgreSQL ${serverMajor} client tools (e.g. apt install postgresql-client-${serverMajor}) or set HARK_PG_BIN_DIR to their folder.`,
  );
}

/** A connection URL without its password, and the password for PGPASSWORD. */
export function splitPassword(databaseUrl: string): { url: string; password: string | undefined } {
  const url = new URL(databaseUrl);
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.password = '';
  return { url: url.toString(), password };
}

/** Runs a tool to its end; a non-zero exit becomes a BackupError carrying the tool's last lines. */
export async function runPgTool(file: string, args: string[], databaseUrl: string): Promise<void> {
  const { url, password } = splitPassword(databaseUrl);
  const env = { ...process.env, ...(password !== undefined ? { PGPASSWORD: password } : {}) };
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, [...args, `--dbname=${url}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.on('error', (error) => reject(new BackupError(`${path.basename(file)} could not start: ${error.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new BackupError(`${path.basename(file)} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}
