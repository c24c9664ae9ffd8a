/** `hark backup` and `hark restore`: what they print and their exit codes. */
import path from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../config.ts';
import type { DatabaseHandle } from '../db/connect.ts';
import { openConfiguredDatabase } from '../start.ts';
import { BackupError } from './backup-error.ts';
import { makeBackup } from './make-backup.ts';
import { describeTarget, restoreBackup, type RestoreTarget } from './restore-backup.ts';
import { recordCliBackup, summariseManifest } from './service.ts';

/** Opens the configured database; an embedded one that a running Hark holds gets a backup-specific hint. */
async function openForBackup(cfg: Config): Promise<DatabaseHandle> {
  try {
    return await openConfiguredDatabase(cfg, { poolMax: 1 });
  } catch (error) {
    if (!cfg.databaseUrl && error instanceof Error && /already open/.test(error.message)) {
      throw new BackupError(
        `Hark is running on the embedded database in ${cfg.dataDir}, and only that process may read it. Make the backup from the ` +
          'operator console (Backups, "Back up now"), which runs inside that Hark, or stop Hark and run `hark backup` again.',
      );
    }
    throw error;
  }
}

export async function runBackupCommand(cfg: Config, options: { out?: string | undefined }): Promise<number> {
  const outDir = path.resolve(options.out ?? cfg.backups.dir);
  const database = await openForBackup(cfg);
  try {
    const startedAt = new Date();
    const made = await makeBackup(database, { outDir, databaseUrl: cfg.databaseUrl, pgBinDir: cfg.backups.pgBinDir, now: startedAt });
    const { rows } = await sql<{ present: boolean }>`select to_regclass('public.backups') is not null as present`.execute(database.db);
    if (rows[0]?.present) await recordCliBackup(database.db, made, startedAt);
    const summary = summariseManifest(made);
    console.log(
      [
        `Backup written to ${made.location}`,
        `  data file: ${made.manifest.file.name}, ${made.manifest.file.bytes} bytes, SHA-256 ${made.manifest.file.sha256}`,
        `  ${summary.tables} tables, ${summary.rows} rows, ${summary.auditChains} audit chains, schema ${summary.schemaVersion ?? '(none)'}`,
        `  manifest: ${path.join(made.location, 'manifest.json')}`,
        'Keep the master key (HARK_MASTER_KEY or the key file) apart from the backups: it is not in them.',
      ].join('\n'),
    );
    return 0;
  } finally {
    await database.close();
  }
}

export function parseRestoreTarget(cfg: Config, into: string | undefined): RestoreTarget {
  if (into === undefined) {
    return cfg.databaseUrl ? { kind: 'postgres', url: cfg.databaseUrl } : { kind: 'pglite', dir: path.join(cfg.dataDir, 'pgdata') };
  }
  if (/^postgres(ql)?:\/\//.test(into)) {
    if (!URL.canParse(into)) throw new BackupError('--into is not a valid postgres:// URL.');
    return { kind: 'postgres', url: into };
  }
  return { kind: 'pglite', dir: path.resolve(into) };
}

export async function runRestoreCommand(cfg: Config, backup: string, options: { into?: string | undefined }): Promise<number> {
  const target = parseRestoreTarget(cfg, options.into);
  console.log(`Restoring ${path.resolve(backup)} into ${describeTarget(target)}…`);
  const report = await restoreBackup(path.resolve(backup), target, { pgBinDir: cfg.backups.pgBinDir });
  const rows = report.manifest.tables.reduce((n, t) => n + t.rows, 0);
  const lines: string[] = [];
  for (const d of report.differences) {
    const expected = d.expected ? `${d.expected.rows} rows, md5 ${d.expected.md5}` : 'not in the backup';
    const found = d.found ? `${d.found.rows} rows, md5 ${d.found.md5}` : 'missing';
    lines.push(`  MISMATCH ${d.table}: backup ${expected}; restored ${found}`);
  }
  for (const chain of report.chainHeadsDiffering) lines.push(`  MISMATCH audit chain ${chain}: does not end where the manifest says`);
  for (const chain of report.chains.filter((c) => c.problem)) lines.push(`  BROKEN audit chain ${chain.chainId} at seq ${chain.problem?.seq}: ${chain.problem?.message}`);
  if (report.ok) {
    lines.unshift(
      `Restored and checked: ${report.manifest.tables.length} tables, ${rows} rows, counts and checksums match the manifest; ` +
        `${report.chains.length} audit chains verify.`,
    );
    if (target.kind === 'pglite') {
      lines.push(
        path.basename(target.dir) === 'pgdata'
          ? `To run Hark on it: HARK_DATA_DIR=${path.dirname(target.dir)}, with the same master key.`
          : `To run Hark on it: move the folder to <HARK_DATA_DIR>/pgdata, and keep the same master key.`,
      );
    }
    console.log(lines.join('\n'));
    return 0;
  }
  console.error(['The restored database does NOT match the backup:', ...lines, 'Do not use it; drop it and restore another backup.'].join('\n'));
  return 1;
}
