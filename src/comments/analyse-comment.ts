/** One comment's analysis: sentiment, terms and matching themes, computed in process. */
import { scoreSentiment, type SentimentLabel } from './sentiment.ts';
import { extractTerms, type Term } from './terms.ts';

export interface ThemeMatcher {
  id: string;
  /** Stem keys of the theme's keywords (terms.ts `keywordKey`). */
  termKeys: readonly string[];
}

export interface CommentAnalysis {
  sentiment: SentimentLabel;
  /** -1 … 1. */
  score: number;
  terms: Term[];
  themeIds: string[];
}

/** Themes match when one of their keywords is one of the comment's terms (same stem). */
export function matchThemes(termKeys: readonly string[], themes: readonly ThemeMatcher[]): string[] {
  const keys = new Set(termKeys);
  return themes.filter((t) => t.termKeys.some((k) => keys.has(k))).map((t) => t.id);
}

export function analyseComment(text: string, themes: readonly ThemeMatcher[]): CommentAnalysis {
  const { label, score } = scoreSentiment(text);
  const terms = extractTerms(text);
  return { sentiment: label, score, terms, themeIds: matchThemes(terms.map((t) => t.key), themes) };
}
