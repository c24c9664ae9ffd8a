/**
 * `hark stats export --period … --by … [--epsilon 0.5] [--out file.csv|file.json]`: makes a
 * release (charged to the privacy budget) and writes it for the third party, CSV to stdout
 * without --out. Every refusal is checked before anything is recorded, and names the problem.
 */
import { access, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.ts';
import { openServices } from '../start.ts';
import { renderReleaseCsv, renderReleaseJson } from './render.ts';
import { checkReleaseRequest, createStatisticsRelease, findStatisticsRelease } from './service.ts';

export interface StatsExportOptions {
  period: string;
  by: string;
  epsilon?: string;
  out?: string;
}

/** Returns the exit code. */
export async function runStatsExportCommand(config: Config, options: StatsExportOptions): Promise<number> {
  const epsilonText = options.epsilon ?? '0.5';
  if (!/^\d+(\.\d+)?$/.test(epsilonText.trim())) {
    console.error(`--epsilon must be a number above 0 such as 0.5; "${epsilonText}" is not.`);
    return 2;
  }
  const target = options.out ? path.resolve(options.out) : null;
  const format = target ? path.extname(target).toLowerCase().slice(1) : 'csv';
  if (format !== 'csv' && format !== 'json') {
    console.error(`--out must name a .csv or .json file; "${options.out ?? ''}" is neither.`);
    return 2;
  }
  if (
    target &&
    (await access(target).then(
      () => true,
      () => false,
    ))
  ) {
    console.error(`${target} exists already; give a new file name.`);
    return 2;
  }
  const by = options.by
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  const checked = checkReleaseRequest({ period: options.period, by, epsilon: Number(epsilonText) });
  if (!checked.ok) {
    console.error(checked.message);
    return 2;
  }
  const { services, database } = await openServices(config, { supervise: false });
  try {
    const result = await createStatisticsRelease(services, {
      period: options.period,
      by,
      epsilon: Number(epsilonText),
      via: 'cli',
      operatorId: null,
      requestedBy: `${os.userInfo().username}@${os.hostname()}`,
    });
    if (!result.ok) {
      console.error(result.message);
      return result.reason === 'budget_exceeded' ? 3 : 2;
    }
    const { release, budget } = result;
    const stored = await findStatisticsRelease(services, release.id);
    if (!stored) throw new Error('the release just made was not found');
    const body = format === 'json' ? `${JSON.stringify(renderReleaseJson(stored.release, stored.cells), null, 2)}\n` : renderReleaseCsv(stored.release, stored.cells);
    const info = `Release ${release.id}: ${release.period.label} by ${release.by.join(', ')}, epsilon ${release.epsilon}; ${release.method.cells.published} of ${release.method.cells.total} cells published. Budget: ${budget.spent} of ${budget.total} spent, ${budget.remaining} left.`;
    if (target) {
      const partial = `${target}.partial`;
      try {
        await writeFile(partial, body, { flag: 'wx', mode: 0o600 });
        await rename(partial, target);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      console.log(`${info}\nWrote ${target}.`);
    } else {
      process.stdout.write(body);
      console.error(info);
    }
    return 0;
  } finally {
    await services.jobs.stop();
    await services.mailer.close();
    await database.close();
  }
}
