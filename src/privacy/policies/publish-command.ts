/**
 * `hark policy publish <file>`: checks the file before touching the database (a file that
 * is empty, too large or not UTF-8 changes nothing), then publishes it as the next version.
 * Returns the exit code.
 */
import { open, stat } from 'node:fs/promises';
import type { Config } from '../../config.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { openConfiguredDatabase } from '../../start.ts';
import type { PolicyFormat } from '../tables.ts';
import { checkPolicyBytes, formatOfFileName, MAX_POLICY_BYTES, policyTextMessages } from './policy-text.ts';
import { publishPolicy } from './service.ts';

export interface PublishCommandOptions {
  format?: PolicyFormat;
  print?: (line: string) => void;
  printError?: (line: string) => void;
}

async function readAtMost(file: string, limit: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    const { bytesRead } = await handle.read(buffer, 0, limit + 1, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export async function runPolicyPublishCommand(config: Config, file: string, options: PublishCommandOptions = {}): Promise<number> {
  const print = options.print ?? ((line: string) => console.log(line));
  const printError = options.printError ?? ((line: string) => console.error(line));
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) {
      printError(`hark policy publish: ${file} is not a file.`);
      return 1;
    }
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    printError(`hark policy publish: cannot read ${file}${code === 'ENOENT' ? ': there is no such file' : code === 'EACCES' ? ': permission denied' : ''}.`);
    return 1;
  }
  // A BOM may sit before a text at the limit.
  if (size > MAX_POLICY_BYTES + 3) {
    printError(`hark policy publish: ${file} is ${Math.ceil(size / 1024)} KB. ${policyTextMessages.too_large} Nothing was published.`);
    return 1;
  }
  const checked = checkPolicyBytes(await readAtMost(file, MAX_POLICY_BYTES + 3));
  if (!checked.ok) {
    printError(`hark policy publish: ${file}: ${checked.message} Nothing was published.`);
    return 1;
  }
  const database = await openConfiguredDatabase(config, { poolMax: 2 });
  try {
    await migrateToLatest(database.db);
    const result = await publishPolicy(database.db, { text: checked, format: options.format ?? formatOfFileName(file), source: 'cli', publishedBy: null });
    if (!result.ok) {
      printError(`hark policy publish: ${result.message} Nothing was published.`);
      return 1;
    }
    print(`Published version ${result.policy.version} of the privacy policy (SHA-256 ${result.policy.sha256}).`);
    print(`It is at ${config.publicUrl}/privacy and now governs all personal information held.`);
    return 0;
  } finally {
    await database.close();
  }
}
