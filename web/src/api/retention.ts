/** Operator console → Retention: runs, dry runs and legal holds. */
import { apiRequest } from './client.ts';

export type TableCounts = Record<string, { anonymised: number; deleted: number }>;

export interface RetentionRun {
  id: string;
  dryRun: boolean;
  trigger: 'schedule' | 'cli' | 'operator';
  startedAt: string;
  finishedAt: string | null;
  clients: number;
  totals: TableCounts;
  skipped: Record<string, number>;
  error: string | null;
}

export interface RetentionReport {
  runId: string;
  dryRun: boolean;
  startedAt: string;
  finishedAt: string;
  clients: number;
  totals: TableCounts;
  skipped: Record<string, number>;
}

export interface LegalHold {
  id: string;
  scope: 'client' | 'end_customer' | 'feedback';
  feedbackId: string | null;
  endCustomerId: string | null;
  reason: string;
  placedAt: string;
  releasedAt: string | null;
}

export const retentionApi = {
  runs: () => apiRequest<RetentionRun[]>('GET', '/operator/retention-runs'),
  run: (dryRun: boolean) => apiRequest<RetentionReport>('POST', '/operator/retention-runs', { body: { dryRun } }),
  holds: (clientId: string) => apiRequest<LegalHold[]>('GET', `/operator/clients/${clientId}/legal-holds`),
  placeHold: (clientId: string, body: { reason: string; feedbackId?: string; endCustomerId?: string }) =>
    apiRequest<{ id: string }>('POST', `/operator/clients/${clientId}/legal-holds`, { body }),
  releaseHold: (clientId: string, holdId: string) => apiRequest<{ ok: true }>('POST', `/operator/clients/${clientId}/legal-holds/${holdId}/release`),
};
