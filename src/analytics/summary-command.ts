/**
 * `hark analytics summary [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]`: the operator's
 * website analytics for a period of UTC days (default: the 30 days to today), read from the
 * daily summaries by the same `readDashboard` as GET /api/v1/operator/analytics: visitors,
 * views, average time on page, top pages, sources and devices. No client's data is read.
 * Exit 0; 2 on bad input.
 */
import type { Config } from '../config.ts';
import { checkPeriodOrder, EXIT_BAD_INPUT, formatTable, parseOptions, printJson, withServices } from '../lib/operator-cli.ts';
import { dashboardPeriod } from './days.ts';
import { dashboardQuerySchema, MAX_RANGE_DAYS, type Dashboard } from './schemas.ts';

export interface SummaryCommandOptions {
  from?: string;
  to?: string;
  json?: boolean;
}

const seconds = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)} s`);

export function formatSummary(d: Dashboard): string {
  const section = (title: string, columns: { title: string; right?: boolean }[], rows: string[][]) => ['', title, rows.length ? formatTable(columns, rows) : '  (none)'];
  return [
    `Website analytics, ${d.from} to ${d.to} (UTC days)`,
    `Visitors ${d.totals.visitors}   Views ${d.totals.views}   Average time on page ${seconds(d.totals.averageSeconds)}   Beacons dropped ${d.totals.dropped}`,
    ...section('Top pages', [{ title: 'Page' }, { title: 'Views', right: true }, { title: 'Average time', right: true }], d.topPages.map((p) => [p.path, String(p.views), seconds(p.averageSeconds)])),
    ...section('Sources', [{ title: 'Source' }, { title: 'Views', right: true }], d.sources.map((s) => [s.source, String(s.views)])),
    ...section('Devices', [{ title: 'Device' }, { title: 'Views', right: true }], d.devices.map((s) => [s.device, String(s.views)])),
    '',
    'Visitors: the sum of daily visitors (each counted once a day, without cookies). Time on page: from leave beacons.',
  ].join('\n');
}

/** Returns the exit code. */
export async function runAnalyticsSummaryCommand(config: Config, options: SummaryCommandOptions): Promise<number> {
  const parsed = parseOptions(dashboardQuerySchema, { from: options.from, to: options.to });
  if (!parsed.ok) {
    console.error(parsed.message);
    return EXIT_BAD_INPUT;
  }
  const { from, to } = dashboardPeriod(parsed.value);
  const refusal = checkPeriodOrder({ from, to }, MAX_RANGE_DAYS);
  if (refusal) {
    console.error(options.to === undefined ? `${refusal} (--to is today, ${to}, unless given.)` : refusal);
    return EXIT_BAD_INPUT;
  }
  return withServices(config, async (services) => {
    const [{ readDashboard }, { analyticsDb }] = await Promise.all([import('./queries.ts'), import('./tables.ts')]);
    const dashboard = await readDashboard(analyticsDb(services.db), from, to);
    if (options.json) printJson(dashboard);
    else console.log(formatSummary(dashboard));
    return 0;
  });
}
