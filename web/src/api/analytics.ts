/** The operator's website analytics (operator staff only): GET /api/v1/operator/analytics. */
import { apiRequest } from './client.ts';

export interface WebsiteAnalytics {
  from: string;
  to: string;
  totals: { visitors: number; views: number; averageSeconds: number | null; dropped: number };
  days: { day: string; visitors: number; views: number; averageSeconds: number | null; dropped: Record<string, number> }[];
  topPages: { path: string; views: number; averageSeconds: number | null }[];
  sources: { source: string; views: number }[];
  devices: { device: string; views: number }[];
  browsers: { browser: string; views: number }[];
  operatingSystems: { os: string; views: number }[];
  dropped: { reason: string; count: number }[];
}

export const analyticsApi = {
  website: (range: { from?: string; to?: string }, signal?: AbortSignal) =>
    apiRequest<WebsiteAnalytics>('GET', '/operator/analytics', { query: { from: range.from || undefined, to: range.to || undefined }, signal }),
};
