/**
 * `hark report monthly --client <c> --month YYYY-MM [--location <l>] --out report.pdf`: the
 * PDF the portal downloads (`gatherMonthlyReport` and `renderMonthlyReportPdf`, as GET
 * /api/v1/reports/monthly), of the whole client or of one location and those below it.
 * Written under a temporary name and renamed when whole, so a file at --out is always a
 * complete report; an existing file is never overwritten. Exit 0; 2 on bad input or an
 * unknown client or location; 1 when the client has nothing to report.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../config.ts';
import { checkNewFile, EXIT_BAD_INPUT, lookIntoClient, parseOptions } from '../../lib/operator-cli.ts';
import { monthlyReportQuerySchema } from './schemas.ts';

export interface ReportCommandOptions {
  client: string;
  month: string;
  location?: string;
  out: string;
}

/** Returns the exit code. */
export async function runMonthlyReportCommand(config: Config, options: ReportCommandOptions): Promise<number> {
  const parsed = parseOptions(monthlyReportQuerySchema.pick({ month: true }), { month: options.month });
  if (!parsed.ok) {
    console.error(parsed.message);
    return EXIT_BAD_INPUT;
  }
  const target = await checkNewFile(options.out);
  if (!target.ok) {
    console.error(target.message);
    return EXIT_BAD_INPUT;
  }
  const { month } = parsed.value;
  return lookIntoClient(
    config,
    options.client,
    { command: 'report monthly', details: { month, location: options.location ?? null } },
    async ({ services, access, findLocation }) => {
      const location = options.location === undefined ? null : await findLocation(options.location);
      if (location && !location.ok) {
        console.error(location.message);
        return EXIT_BAD_INPUT;
      }
      const [{ gatherMonthlyReport }, { renderMonthlyReportPdf }] = await Promise.all([import('./gather-report.ts'), import('./render-pdf.ts')]);
      const result = await gatherMonthlyReport(services, access, { month, locationId: location?.value.id });
      if (!result.ok) {
        if (result.reason === 'invalid_month') {
          console.error(result.message);
          return EXIT_BAD_INPUT;
        }
        console.error(result.reason === 'location_not_found' ? `The client has no location "${options.location ?? ''}".` : 'This business has no programme to report on.');
        return 1;
      }
      const { report } = result;
      const partial = `${target.value}.partial`;
      const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
      try {
        await pipeline(renderMonthlyReportPdf(report), file);
        await rename(partial, target.value);
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
      console.log(`Wrote ${target.value} (${file.bytesWritten} bytes): monthly report of ${report.clientName} for ${report.monthLabel} (${report.scopeLabel}): ${report.dashboard.responses} responses.`);
      return 0;
    },
  );
}
