/**
 * `hark client export <client> --out x.zip`: the CLI face of the client export. Writes to
 * a temporary name beside the target and renames it when whole, so a file at `--out` is
 * always a complete export; an existing file is never overwritten.
 */
import { createWriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.ts';
import { openServices } from '../start.ts';
import { findClientByIdOrName, startClientExport } from './export-client.ts';

/** Returns the exit code. */
export async function runExportCommand(config: Config, clientRef: string, options: { out: string }): Promise<number> {
  const target = path.resolve(options.out);
  if (
    await access(target).then(
      () => true,
      () => false,
    )
  ) {
    console.error(`${target} exists already; give a new file name.`);
    return 1;
  }
  const { services, database } = await openServices(config, { supervise: false });
  const partial = `${target}.partial`;
  try {
    const found = await findClientByIdOrName(services, clientRef);
    if (!found.ok) {
      console.error(found.reason === 'ambiguous' ? `More than one client has that name; give the id: ${found.names?.join(', ')}` : `There is no client "${clientRef}".`);
      return 1;
    }
    const started = await startClientExport(services, found.id, { via: 'cli', userId: null, label: `${os.userInfo().username}@${os.hostname()}` });
    if (!started) {
      console.error(`There is no client "${clientRef}".`);
      return 1;
    }
    console.log(`Exporting ${started.clientName} (${started.clientId})…`);
    const written = await started.run(createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    await rename(partial, target);
    for (const [kind, rows] of Object.entries(written.manifest.rowCounts)) console.log(`  ${kind.padEnd(16)} ${rows}`);
    console.log(`Wrote ${target}: ${written.manifest.totalRows} rows, ${written.bytes} bytes, sha256 ${written.sha256} (export ${started.exportId}).`);
    return 0;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    await services.jobs.stop();
    await services.mailer.close();
    await database.close();
  }
}
