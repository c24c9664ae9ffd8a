/**
 * `hark rankings --client <c> --by location|staff --from --to [--location] [--rule] [--json]`:
 * the fair ranking table of GET /api/v1/rankings (the same `buildRankings`), for operator
 * staff at the command line. Exit 0; 2 on bad input, an unknown client or location; 1 when
 * the client has nothing to rank.
 */
import type { Config } from '../config.ts';
import { EXIT_BAD_INPUT, formatTable, lookIntoClient, parsePeriodOptions, printJson } from '../lib/operator-cli.ts';
import { rankingsQuerySchema, type Rankings } from './ranking-schemas.ts';

export interface RankingsCommandOptions {
  client: string;
  by: string;
  from: string;
  to: string;
  location?: string;
  rule?: string;
  json?: boolean;
}

function fixed(value: number | null | undefined, kind: Rankings['scoreKind']): string {
  return value === null || value === undefined ? '-' : value.toFixed(kind === 'nps' ? 1 : 2);
}

/** The table as a person reads it: rank, name, raw score with its interval, count, the figure ranked by, and the rule. */
export function formatRankings(rankings: Rankings, heading: string): string {
  const kind = rankings.scoreKind;
  const staff = rankings.by === 'staff';
  const byLowerBound = rankings.rule === 'lower_bound';
  const columns = [
    { title: 'Rank', right: true },
    { title: staff ? 'Staff member' : 'Location' },
    ...(staff ? [{ title: 'Location' }] : []),
    { title: kind === 'nps' ? 'NPS' : 'Mean', right: true },
    { title: '95% interval', right: true },
    { title: 'Responses', right: true },
    { title: byLowerBound ? 'Lower bound' : 'Shrunk', right: true },
  ];
  const rows = rankings.rows.map((row) => [
    row.rank === null ? '-' : String(row.rank),
    row.name,
    ...(staff ? [row.locationName] : []),
    fixed(row.score?.value, kind),
    row.score ? `${fixed(row.score.low, kind)} to ${fixed(row.score.high, kind)}` : '-',
    String(row.responses),
    fixed(byLowerBound ? row.score?.low : row.shrunk, kind),
  ]);
  const scale = kind === 'nps' ? 'NPS on the 0-10 scale' : `mean score on the ${rankings.scale} scale`;
  return [
    heading,
    `Programme ${rankings.programme.name}, ${scale}, ${rankings.period.from} to ${rankings.period.to}.`,
    '',
    rows.length ? formatTable(columns, rows) : `No ${staff ? 'staff members' : 'locations'} to rank.`,
    '',
    `Rule (${rankings.rule}): ${rankings.ranking}`,
  ].join('\n');
}

/** Returns the exit code. */
export async function runRankingsCommand(config: Config, options: RankingsCommandOptions): Promise<number> {
  const parsed = parsePeriodOptions(rankingsQuerySchema, { by: options.by, from: options.from, to: options.to, rule: options.rule });
  if (!parsed.ok) {
    console.error(parsed.message);
    return EXIT_BAD_INPUT;
  }
  const query = parsed.value;
  return lookIntoClient(
    config,
    options.client,
    { command: 'rankings', details: { by: query.by, from: options.from, to: options.to, location: options.location ?? null } },
    async ({ services, access, client, findLocation }) => {
      const location = options.location === undefined ? null : await findLocation(options.location);
      if (location && !location.ok) {
        console.error(location.message);
        return EXIT_BAD_INPUT;
      }
      const { buildRankings } = await import('./rankings.ts');
      const result = await buildRankings(services, access, { ...query, locationId: location?.value.id });
      if (!result.ok) {
        if (result.reason === 'invalid_period') {
          console.error(result.message);
          return EXIT_BAD_INPUT;
        }
        console.error(result.reason === 'location_not_found' ? `The client has no location "${options.location ?? ''}".` : `${client.name} has no programme with locations to rank.`);
        return 1;
      }
      if (options.json) printJson(result.rankings);
      else {
        const scope = location ? `${location.value.name} and the locations below it` : 'all locations';
        console.log(formatRankings(result.rankings, `${client.name}: ${query.by === 'staff' ? 'staff' : 'locations'} ranked (${scope})`));
      }
      return 0;
    },
  );
}
