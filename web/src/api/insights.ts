/** Rankings, the headline score's change, and benchmarks: the portal's calls and their shapes (as the API documents them). */
import { apiRequest } from './client.ts';
import type { Estimate, Scale } from './types.ts';

export type ScoreKind = 'nps' | 'mean';
export type RankingRule = 'shrunk' | 'lower_bound';

export interface Change {
  test: 'welch_t';
  difference: number;
  t: number;
  df: number;
  pValue: number;
  significant: boolean;
}

export interface Period {
  from: string;
  to: string;
}

export interface RankingRow {
  rank: number | null;
  id: string;
  name: string;
  locationId: string;
  locationName: string;
  responses: number;
  score: Estimate | null;
  shrunk: number | null;
  previous: { responses: number; score: number | null };
  change: Change | null;
}

export interface Rankings {
  programme: { id: string; name: string };
  scale: Scale;
  scoreKind: ScoreKind;
  by: 'location' | 'staff';
  period: Period;
  previousPeriod: Period;
  rule: RankingRule;
  ranking: string;
  shrinkage: { mean: number | null; betweenVariance: number; withinVariance: number };
  changeTest: string;
  rows: RankingRow[];
}

export interface RankingsQuery {
  by: 'location' | 'staff';
  from: string;
  to: string;
  rule?: RankingRule;
  locationId?: string;
}

export interface ScoreChange {
  programme: { id: string; name: string };
  scoreKind: ScoreKind;
  period: Period;
  previousPeriod: Period;
  current: { responses: number; score: Estimate | null };
  previous: { responses: number; score: Estimate | null };
  change: Change | null;
  changeTest: string;
}

export type HiddenRule = 'not_configured' | 'too_few_clients' | 'too_few_responses' | 'dominant_client' | 'complement_too_small';

export interface Benchmarks {
  period: { label: string; from: string; to: string };
  cell: 'industry' | 'region';
  industry: string | null;
  region: string | null;
  contributes: boolean;
  scoreKind: ScoreKind;
  own: { responses: number; score: number | null };
  shown: boolean;
  hidden: { rule: HiddenRule; message: string } | null;
  figures: { otherClients: string; responses: number; q1: number; median: number; q3: number; percentile: number | null } | null;
  thresholds: { minOtherClients: number; minCellResponses: number; minClientResponses: number; maxClientShare: number };
}

export interface BenchmarkProfile {
  industry: string | null;
  region: string | null;
  contributes: boolean;
  industries: { id: string; name: string }[];
  regions: { id: string; name: string }[];
}

export type BenchmarkProfileBody = Pick<BenchmarkProfile, 'industry' | 'region' | 'contributes'>;

export const insightsApi = {
  rankings: (query: RankingsQuery, signal?: AbortSignal) => apiRequest<Rankings>('GET', '/rankings', { query: { ...query }, signal }),
  scoreChange: (query: { from: string; to: string; locationId?: string; programmeId?: string }, signal?: AbortSignal) =>
    apiRequest<ScoreChange>('GET', '/dashboard/change', { query: { ...query }, signal }),
  benchmarks: (query: { period: string; cell: 'industry' | 'region' }, signal?: AbortSignal) =>
    apiRequest<Benchmarks>('GET', '/benchmarks', { query: { ...query }, signal }),
  benchmarkProfile: () => apiRequest<BenchmarkProfile>('GET', '/benchmarks/profile'),
  updateBenchmarkProfile: (body: BenchmarkProfileBody) => apiRequest<BenchmarkProfile>('PUT', '/benchmarks/profile', { body }),
};
