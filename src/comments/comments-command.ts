/**
 * `hark comments cloud` and `hark comments themes`: the comments cloud (terms, how many
 * comments use each, their average score and sentiment) and the theme counts of a period,
 * as GET /api/v1/comments/cloud and /api/v1/comments/theme-trends give them (the same
 * `findCloud` and `findThemeTrend`). Exit 0; 2 on bad input or an unknown client or location.
 */
import type { Config } from '../config.ts';
import { EXIT_BAD_INPUT, formatTable, lookIntoClient, parsePeriodOptions, printJson, type ClientLook } from '../lib/operator-cli.ts';
import { cloudQuerySchema, trendQuerySchema, type Cloud, type ThemeTrend } from './schemas.ts';

interface PeriodOptions {
  client: string;
  from: string;
  to: string;
  location?: string;
  json?: boolean;
}

export interface CloudCommandOptions extends PeriodOptions {
  minCount?: string;
  limit?: string;
}

export interface ThemesCommandOptions extends PeriodOptions {
  interval?: string;
}

const flags = { locationId: '--location' };

/** The location option (none without one), or the exit code of a refusal. */
async function locationOf(look: ClientLook, ref: string | undefined): Promise<{ id: string; name: string } | null | number> {
  if (ref === undefined) return null;
  const found = await look.findLocation(ref);
  if (found.ok) return found.value;
  console.error(found.message);
  return EXIT_BAD_INPUT;
}

const percent = (value: number | null) => (value === null ? '-' : `${value.toFixed(1)}%`);
const sentiment = (value: number | null) => (value === null ? '-' : value.toFixed(2));

export function formatCloud(cloud: Cloud, heading: string): string {
  const rows = cloud.terms.map((t) => [t.label, t.kind, String(t.comments), percent(t.averageRatingPercent), sentiment(t.averageSentiment)]);
  return [
    heading,
    '',
    rows.length
      ? formatTable([{ title: 'Term' }, { title: 'Kind' }, { title: 'Comments', right: true }, { title: 'Average rating', right: true }, { title: 'Sentiment', right: true }], rows)
      : 'No term is used often enough in this period.',
    '',
    'Average rating: the mean score of the comments using the term, as a share of the top of the scale. Sentiment: -1 (negative) to 1 (positive).',
  ].join('\n');
}

export function formatThemes(trend: ThemeTrend, heading: string): string {
  const themes = [...trend.themes].sort((a, b) => b.total.comments - a.total.comments || a.name.localeCompare(b.name));
  const rows = themes.map((t) => [t.name, String(t.total.comments), percent(t.total.averageRatingPercent), sentiment(t.total.averageSentiment)]);
  return [
    heading,
    '',
    rows.length ? formatTable([{ title: 'Theme' }, { title: 'Comments', right: true }, { title: 'Average rating', right: true }, { title: 'Sentiment', right: true }], rows) : 'This business has no themes.',
    '',
    'Average rating: the mean score of the theme’s comments, as a share of the top of the scale.',
  ].join('\n');
}

/** `hark comments cloud`; returns the exit code. */
export async function runCommentsCloudCommand(config: Config, options: CloudCommandOptions): Promise<number> {
  const parsed = parsePeriodOptions(cloudQuerySchema, { from: options.from, to: options.to, minCount: options.minCount, limit: options.limit }, { flags });
  if (!parsed.ok) {
    console.error(parsed.message);
    return EXIT_BAD_INPUT;
  }
  const query = parsed.value;
  return lookIntoClient(config, options.client, { command: 'comments cloud', details: { from: options.from, to: options.to, location: options.location ?? null } }, async (look) => {
    const location = await locationOf(look, options.location);
    if (typeof location === 'number') return location;
    const { findCloud } = await import('./cloud.ts');
    const result = await findCloud(look.services, look.access, { ...query, locationId: location?.id });
    if (!result.ok) {
      console.error(`The client has no location "${options.location ?? ''}".`);
      return EXIT_BAD_INPUT;
    }
    if (options.json) printJson(result.cloud);
    else console.log(formatCloud(result.cloud, `${look.client.name}: comments cloud, ${result.cloud.from} to ${result.cloud.to}${location ? ` (${location.name} and the locations below it)` : ''}`));
    return 0;
  });
}

/** `hark comments themes`; returns the exit code. */
export async function runCommentsThemesCommand(config: Config, options: ThemesCommandOptions): Promise<number> {
  const parsed = parsePeriodOptions(trendQuerySchema, { from: options.from, to: options.to, interval: options.interval }, { flags });
  if (!parsed.ok) {
    console.error(parsed.message);
    return EXIT_BAD_INPUT;
  }
  const query = parsed.value;
  return lookIntoClient(config, options.client, { command: 'comments themes', details: { from: options.from, to: options.to, location: options.location ?? null } }, async (look) => {
    const location = await locationOf(look, options.location);
    if (typeof location === 'number') return location;
    const { findThemeTrend } = await import('./theme-trends.ts');
    const result = await findThemeTrend(look.services, look.access, { ...query, locationId: location?.id });
    if (!result.ok) {
      console.error(`The client has no location "${options.location ?? ''}".`);
      return EXIT_BAD_INPUT;
    }
    if (options.json) printJson(result.trend);
    else console.log(formatThemes(result.trend, `${look.client.name}: themes in comments, ${result.trend.from} to ${result.trend.to}${location ? ` (${location.name} and the locations below it)` : ''}`));
    return 0;
  });
}
