/**
 * Clients for anonymised-statistics tests: a benchmark profile (or none) and monthly
 * rollups written directly (test/helpers/rollups.ts), so dozens of clients take seconds.
 */
import { sql } from 'kysely';
import type { Services } from '../../src/context.ts';
import type { Scale } from '../../src/db/schema.ts';
import { createTestClient, type TestClient } from './factories.ts';
import { insertRollup } from './rollups.ts';

export interface StatisticsClient {
  industry: string | null;
  region: string | null;
  /** Default true; false: the client opted out of contributing. */
  contributes?: boolean;
  /** Default true; false: the client never saved a benchmark profile. */
  profile?: boolean;
  /** YYYY-MM months, each given `scores` (score → responses). */
  months: readonly string[];
  scores: Record<number, number>;
  scale?: Scale;
  name?: string;
}

export async function addStatisticsClient(services: Services, spec: StatisticsClient): Promise<TestClient> {
  const client = await createTestClient(services, { scale: spec.scale, ...(spec.name ? { name: spec.name } : {}) });
  if (spec.profile !== false) {
    await sql`insert into client_benchmark_profiles (client_id, industry, region, contributes)
      values (${client.clientId}, ${spec.industry}, ${spec.region}, ${spec.contributes ?? true})`.execute(services.db);
  }
  for (const month of spec.months) await insertRollup(services, client.clientId, { locationId: client.location.id, day: `${month}-01`, scores: spec.scores });
  return client;
}

/** Adds `count` clients of one spec. */
export async function addStatisticsClients(services: Services, count: number, spec: StatisticsClient): Promise<TestClient[]> {
  const made: TestClient[] = [];
  for (let i = 0; i < count; i++) made.push(await addStatisticsClient(services, spec));
  return made;
}

export interface ReleaseCell {
  industry?: string;
  region?: string;
  month?: string;
  suppressed: boolean;
  responses: number | null;
  mean_index: number | null;
  share_low: number | null;
  share_middle: number | null;
  share_high: number | null;
}

export interface ReleaseDocument {
  release: {
    id: string;
    period: { label: string; fromMonth: string; toMonth: string };
    by: string[];
    epsilon: number;
    noiseScale: { responses: number; centredIndexSum: number; bands: number };
    columns: string[];
  };
  cells: ReleaseCell[];
}

/** The cell of a release with these dimension values. */
export function cellOf(document: ReleaseDocument, values: { industry?: string; region?: string; month?: string }): ReleaseCell {
  const cell = document.cells.find((c) => c.industry === values.industry && c.region === values.region && c.month === values.month);
  if (!cell) throw new Error(`no cell ${JSON.stringify(values)} in release ${document.release.id}`);
  return cell;
}
