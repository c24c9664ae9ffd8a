/**
 * `hark benchmarks --client <c> [--period 2025-03|2025-Q1|2025] [--cell industry|region] [--json]`:
 * where a client stands among similar businesses, as GET /api/v1/benchmarks gives it (the
 * same `buildBenchmarks`): its percentile and the cell's median and quartiles, or the rule
 * that hides the cell. Exit 0; 2 on bad input or an unknown client.
 */
import type { Config } from '../config.ts';
import { EXIT_BAD_INPUT, lookIntoClient, parseOptions, printJson } from '../lib/operator-cli.ts';
import { industries, regions } from './cells.ts';
import { benchmarksQuerySchema, type Benchmarks } from './schemas.ts';

export interface BenchmarksCommandOptions {
  client: string;
  period?: string;
  cell?: string;
  json?: boolean;
}

export function formatBenchmarks(b: Benchmarks, clientName: string): string {
  const digits = b.scoreKind === 'nps' ? 1 : 2;
  const score = (value: number | null) => (value === null ? 'no score' : value.toFixed(digits));
  const figure = b.scoreKind === 'nps' ? 'NPS' : 'mean score';
  const industry = industries.find((i) => i.id === b.industry)?.name ?? 'no industry chosen';
  const region = regions.find((r) => r.id === b.region)?.name ?? 'no region chosen';
  const cell = b.cell === 'region' ? `${industry} in ${region}` : industry;
  const lines = [`${clientName}: benchmark for ${b.period.label} (${b.period.from} to ${b.period.to}), cell: ${cell}, compared on ${figure}.`];
  // Without an industry there is no cell, and the database reads no figures at all.
  if (b.hidden?.rule !== 'not_configured') lines.push(`Own ${figure}: ${score(b.own.score)} from ${b.own.responses} responses.`);
  lines.push(`${b.contributes ? 'Contributes' : 'Does not contribute'} to other businesses' benchmarks.`);
  if (b.figures) {
    lines.push(
      `Percentile: ${b.figures.percentile === null ? `none (fewer than ${b.thresholds.minClientResponses} responses of its own)` : `${b.figures.percentile} (the share of other businesses scoring below, ties counting half)`}.`,
      `Cell: ${b.figures.otherClients} other businesses, about ${b.figures.responses} responses; lower quartile ${score(b.figures.q1)}, median ${score(b.figures.median)}, upper quartile ${score(b.figures.q3)}.`,
    );
  } else {
    lines.push(`The comparison is hidden (${b.hidden?.rule ?? 'unknown rule'}): ${b.hidden?.message ?? ''}`);
  }
  return lines.join('\n');
}

/** Returns the exit code. */
export async function runBenchmarksCommand(config: Config, options: BenchmarksCommandOptions): Promise<number> {
  const parsed = parseOptions(benchmarksQuerySchema, { period: options.period, cell: options.cell });
  if (!parsed.ok) {
    console.error(parsed.message);
    return EXIT_BAD_INPUT;
  }
  const query = parsed.value;
  return lookIntoClient(config, options.client, { command: 'benchmarks', details: { period: query.period ?? null, cell: query.cell ?? null } }, async ({ services, access, client }) => {
    const { buildBenchmarks } = await import('./service.ts');
    const result = await buildBenchmarks(services, access, query);
    if (!result.ok) {
      // An operator's look covers every location, so only the period can be refused.
      console.error(result.reason === 'invalid_period' ? result.message : 'Benchmarks compare whole businesses.');
      return EXIT_BAD_INPUT;
    }
    if (options.json) printJson(result.benchmarks);
    else console.log(formatBenchmarks(result.benchmarks, client.name));
    return 0;
  });
}
