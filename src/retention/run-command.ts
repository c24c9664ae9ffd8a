/** `hark retention run [--dry-run]`: the counts per table it prints. */
import type { Config } from '../config.ts';
import { openServices } from '../start.ts';
import { runRetention } from './run-retention.ts';

export async function runRetentionCommand(cfg: Config, dryRun: boolean): Promise<number> {
  const { services, database } = await openServices(cfg, { supervise: false });
  try {
    const report = await runRetention(services, { dryRun, trigger: 'cli' });
    const verb = report.dryRun ? 'would be' : 'were';
    console.log(`${report.dryRun ? 'Dry run: nothing was changed. ' : ''}Retention over ${report.clients} client${report.clients === 1 ? '' : 's'} (run ${report.runId}):`);
    const tables = Object.entries(report.totals);
    if (!tables.length) console.log('  nothing is past its retention period.');
    for (const [table, c] of tables) {
      const parts = [c.anonymised ? `${c.anonymised} ${verb} anonymised` : '', c.deleted ? `${c.deleted} ${verb} deleted` : ''].filter(Boolean);
      console.log(`  ${table.padEnd(20)} ${parts.join(', ')}`);
    }
    if (report.skipped.legal_hold) console.log(`  left alone: ${report.skipped.legal_hold} feedback under a legal hold`);
    if (report.skipped.open_privacy_request) console.log(`  left alone: ${report.skipped.open_privacy_request} feedback of people with an open privacy request`);
    return 0;
  } finally {
    await services.jobs.stop();
    await services.mailer.close();
    await database.close();
  }
}
