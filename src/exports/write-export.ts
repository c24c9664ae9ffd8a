/**
 * Writes a client's data (or a scope of it) into a zip on `destination`: per kind a JSON
 * Lines file and a CSV file, then SCHEMA.md and manifest.json. Rows are read a batch at a
 * time by keyset cursor; only one batch is ever in memory.
 */
import type { Writable } from 'node:stream';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { ClientId } from '../db/tenancy.ts';
import type { ClientKeyring } from '../keys/index.ts';
import { renderSchemaMarkdown, toCsvHeader, toCsvLine, toJsonLine } from './formats.ts';
import { exportKinds, type Cursor, type ReadContext } from './kinds.ts';
import type { ExportScope } from './scope.ts';
import { EncryptedSpool, makeSpoolDir } from './spool.ts';
import { StreamingZip } from './zip-writer.ts';

export const exportFormat = 'hark-client-export/1';

export interface ManifestFile {
  name: string;
  kind: string;
  format: 'jsonl' | 'csv' | 'markdown';
  rows: number | null;
  sha256: string;
  bytes: number;
}

export interface ExportManifest {
  format: typeof exportFormat;
  schemaVersion: string;
  createdAt: string;
  client: { id: string; name: string };
  /** 'full', or what a disclosure's scope was (without identifiers). */
  scope: 'full' | { disclosureId: string };
  rowCounts: Record<string, number>;
  totalRows: number;
  files: ManifestFile[];
}

export interface WrittenExport {
  manifest: ExportManifest;
  /** SHA-256 (hex) and size of the zip as written. */
  sha256: string;
  bytes: number;
}

export interface WriteExportInput {
  db: Db;
  clientId: ClientId;
  clientName: string;
  keyring: ClientKeyring;
  scope: ExportScope | null;
  disclosureId?: string;
  schemaVersion: string;
  destination: Writable;
  batchSize?: number;
  /** Called after each batch (the benchmark samples memory here). */
  onBatch?: (kind: string, rows: number) => void;
}

/** The newest applied migration: the export's schema version. */
export async function currentSchemaVersion(db: Db): Promise<string> {
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(db);
  return rows[0]?.name ?? 'unknown';
}

export async function writeExport(input: WriteExportInput): Promise<WrittenExport> {
  const batchSize = input.batchSize ?? 2000;
  const zip = new StreamingZip(input.destination);
  const spools = await makeSpoolDir();
  const ctx: ReadContext = { db: input.db, clientId: input.clientId, keyring: input.keyring, scope: input.scope };
  const kinds = exportKinds.filter((k) => !input.scope || k.inScopedExport);
  const files: ManifestFile[] = [];
  const rowCounts: Record<string, number> = {};
  try {
    for (const kind of kinds) {
      const csv = await EncryptedSpool.create(spools.dir);
      try {
        await csv.write(toCsvHeader(kind.columns));
        let rows = 0;
        const jsonl = await zip.addEntry(`${kind.name}.jsonl`, async (write) => {
          let cursor: Cursor | null = null;
          do {
            const batch = await kind.readBatch(ctx, cursor, batchSize);
            if (batch.records.length) {
              await write(batch.records.map(toJsonLine).join(''));
              await csv.write(batch.records.map((r) => toCsvLine(r, kind.columns)).join(''));
            }
            rows += batch.records.length;
            input.onBatch?.(kind.name, batch.records.length);
            cursor = batch.next;
          } while (cursor !== null);
        });
        const csvDigest = await zip.addEntry(`${kind.name}.csv`, async (write) => {
          for await (const chunk of csv.readBack()) await write(chunk);
        });
        rowCounts[kind.name] = rows;
        files.push({ name: `${kind.name}.jsonl`, kind: kind.name, format: 'jsonl', rows, ...jsonl });
        files.push({ name: `${kind.name}.csv`, kind: kind.name, format: 'csv', rows, ...csvDigest });
      } finally {
        await csv.remove();
      }
    }
    const schemaText = renderSchemaMarkdown(kinds, input.schemaVersion);
    const schemaDigest = await zip.addEntry('SCHEMA.md', (write) => write(schemaText));
    files.push({ name: 'SCHEMA.md', kind: 'schema', format: 'markdown', rows: null, ...schemaDigest });
    const manifest: ExportManifest = {
      format: exportFormat,
      schemaVersion: input.schemaVersion,
      createdAt: new Date().toISOString(),
      client: { id: input.clientId, name: input.clientName },
      scope: input.disclosureId ? { disclosureId: input.disclosureId } : 'full',
      rowCounts,
      totalRows: Object.values(rowCounts).reduce((a, b) => a + b, 0),
      files,
    };
    await zip.addEntry('manifest.json', (write) => write(`${JSON.stringify(manifest, null, 2)}\n`));
    const archive = await zip.finish();
    return { manifest, ...archive };
  } catch (error) {
    zip.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await spools.remove();
  }
}
