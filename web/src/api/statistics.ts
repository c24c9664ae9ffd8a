/** Operator console → Statistics: anonymised releases for third parties and the privacy budget. */
import { apiRequest } from './client.ts';

export type StatisticsDimension = 'industry' | 'region' | 'month';

export interface StatisticsBudget {
  total: number;
  spent: number;
  remaining: number;
  releases: number;
}

export interface StatisticsRelease {
  id: string;
  createdAt: string;
  via: 'operator' | 'cli';
  period: { label: string; fromMonth: string; toMonth: string };
  by: StatisticsDimension[];
  epsilon: number;
  method: { cells: { total: number; published: number; primarySuppressed: number; complementarySuppressed: number; empty: number } };
}

export const statisticsApi = {
  list: () => apiRequest<{ budget: StatisticsBudget; releases: StatisticsRelease[] }>('GET', '/operator/statistics-releases'),
  create: (body: { period: string; by: StatisticsDimension[]; epsilon: number }) =>
    apiRequest<{ release: StatisticsRelease; budget: StatisticsBudget }>('POST', '/operator/statistics-releases', { body }),
  downloadUrl: (id: string, format: 'csv' | 'json') => `/api/v1/operator/statistics-releases/${id}?format=${format}`,
};
