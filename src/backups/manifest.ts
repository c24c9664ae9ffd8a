/** The manifest written beside every backup's data file, and reading it back. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BackupError } from './backup-error.ts';

export const manifestSchema = z.object({
  format: z.literal('hark-backup/1'),
  kind: z.enum(['postgres', 'pglite']),
  createdAt: z.string().datetime(),
  schemaVersion: z.string().nullable(),
  serverVersion: z.string(),
  file: z.object({ name: z.string().regex(/^[a-z0-9._-]+$/), bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  tables: z.array(z.object({ name: z.string(), rows: z.number().int().nonnegative(), md5: z.string() })),
  auditChainHeads: z.array(z.object({ chainId: z.string(), seq: z.number().int(), hash: z.string() })),
  notes: z.array(z.string()),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export const manifestFileName = 'manifest.json';

/** What every manifest says about what is not in it. */
export const manifestNotes = [
  'Client data keys are stored wrapped by the master key; the master key (HARK_MASTER_KEY or the key file) is not in this backup. Keep it apart from the backups.',
  'Every table of the public schema is counted and checksummed; the job queue (schema pgboss) is in the data file but not checksummed.',
];

export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Reads a backup folder (or its manifest.json) and checks the data file against the
 * manifest's size and SHA-256. Every failure is a BackupError naming what is wrong.
 */
export async function readBackup(location: string): Promise<{ dir: string; manifest: BackupManifest; dataFile: string }> {
  const dir = path.basename(location) === manifestFileName ? path.dirname(location) : location;
  const manifestPath = path.join(dir, manifestFileName);
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new BackupError(`There is no backup at ${location}: ${manifestPath} does not exist. Give the folder that \`hark backup\` wrote (it holds manifest.json).`);
    }
    if (code === 'ENOTDIR') throw new BackupError(`${location} is a file: give the backup's folder (the one holding manifest.json), not a file inside it.`);
    throw new BackupError(`Cannot read ${manifestPath}: ${(error as Error).message}`);
  }
  let manifest: BackupManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(text));
  } catch {
    throw new BackupError(`${manifestPath} is not a Hark backup manifest (damaged, or not written by \`hark backup\`). Nothing was restored.`);
  }
  const dataFile = path.join(dir, manifest.file.name);
  let actual: { sha256: string; bytes: number };
  try {
    actual = await sha256File(dataFile);
  } catch {
    throw new BackupError(`The backup's data file ${dataFile} is missing. Nothing was restored.`);
  }
  if (actual.bytes !== manifest.file.bytes || actual.sha256 !== manifest.file.sha256) {
    throw new BackupError(
      `The backup's data file ${dataFile} is damaged: its SHA-256 is ${actual.sha256} (${actual.bytes} bytes), the manifest says ` +
        `${manifest.file.sha256} (${manifest.file.bytes} bytes). Nothing was restored; use another backup.`,
    );
  }
  return { dir, manifest, dataFile };
}
