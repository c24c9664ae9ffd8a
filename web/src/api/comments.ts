/** Comments: the cloud, the comments behind a term, themes and their trends (as the API documents them). */
import { apiRequest } from './client.ts';
import type { Scale } from './types.ts';

export type Sentiment = 'positive' | 'neutral' | 'negative';

export interface CloudTerm {
  term: string;
  label: string;
  kind: 'word' | 'phrase';
  comments: number;
  averageSentiment: number;
  averageRatingPercent: number;
}

export interface Cloud {
  from: string;
  to: string;
  terms: CloudTerm[];
}

export interface CommentItem {
  feedbackId: string;
  comment: string;
  score: number;
  scale: Scale;
  sentiment: Sentiment;
  sentimentScore: number;
  themes: { id: string; name: string }[];
  locationId: string;
  locationName: string;
  submittedAt: string;
}

export interface CommentPage {
  items: CommentItem[];
  nextCursor: string | null;
}

export interface Theme {
  id: string;
  name: string;
  keywords: string[];
  updatedAt: string;
}

export interface ThemeBody {
  name: string;
  keywords: string[];
}

export interface ThemeFigures {
  comments: number;
  averageSentiment: number | null;
  averageRatingPercent: number | null;
}

export interface ThemeTrend {
  from: string;
  to: string;
  interval: 'day' | 'week' | 'month';
  themes: { id: string; name: string; total: ThemeFigures; points: (ThemeFigures & { period: string })[] }[];
}

export interface PeriodQuery {
  from: string;
  to: string;
  locationId?: string | undefined;
}

const enc = encodeURIComponent;

export const commentsApi = {
  cloud: (query: PeriodQuery & { minCount?: number }, signal?: AbortSignal) => apiRequest<Cloud>('GET', '/comments/cloud', { query: { ...query }, signal }),
  comments: (query: PeriodQuery & { term: string }, cursor: string | null, signal?: AbortSignal) =>
    apiRequest<CommentPage>('GET', '/comments', { query: { ...query, cursor: cursor ?? undefined, limit: 20 }, signal }),
  themeTrends: (query: PeriodQuery & { interval: 'day' | 'week' | 'month' }, signal?: AbortSignal) => apiRequest<ThemeTrend>('GET', '/comments/theme-trends', { query: { ...query }, signal }),
  themes: () => apiRequest<Theme[]>('GET', '/themes'),
  createTheme: (body: ThemeBody) => apiRequest<Theme>('POST', '/themes', { body }),
  replaceTheme: (id: string, body: ThemeBody) => apiRequest<Theme>('PUT', `/themes/${enc(id)}`, { body }),
  deleteTheme: (id: string) => apiRequest<{ ok: true }>('DELETE', `/themes/${enc(id)}`),
};

/** Sentiment from -1 to 1 in five bands, each with a colour class and a name for the legend. */
export const sentimentBands = [
  { key: 'very-negative', name: 'Very negative', below: -0.5 },
  { key: 'negative', name: 'Negative', below: -0.15 },
  { key: 'neutral', name: 'Neutral', below: 0.15 },
  { key: 'positive', name: 'Positive', below: 0.5 },
  { key: 'very-positive', name: 'Very positive', below: Infinity },
] as const;

export function sentimentBandOf(score: number) {
  return sentimentBands.find((b) => score < b.below) ?? sentimentBands[4];
}

export function formatSentiment(score: number | null): string {
  if (score === null) return '–';
  return `${score > 0 ? '+' : score < 0 ? '−' : ''}${Math.abs(score).toFixed(2)}`;
}
