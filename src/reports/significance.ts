/**
 * Figures that compare units and periods fairly, from score histograms alone (pure
 * functions): per-response values and their moments, Welch's t-test for a change between
 * two periods, and empirical-Bayes shrinkage of unit scores towards their common mean.
 *
 * Every figure works on per-response values: the score itself on 5-point scales (so their
 * mean is the mean score), and on 0–10 scales +100 for a promoter (9–10), 0 for a passive
 * (7–8) and −100 for a detractor (0–6), so that their mean is exactly the NPS. One method
 * then serves both kinds of scale.
 */
import { countResponses, studentTCentralProbability, type Histogram, type ScoreRange } from './statistics.ts';

export type ScoreKind = 'nps' | 'mean';

/** n, Σx and Σx² of the per-response values of a histogram. */
export interface Moments {
  n: number;
  sum: number;
  sumSquares: number;
}

/** The per-response value of a score (see the module comment). */
export function valueOfScore(score: number, kind: ScoreKind): number {
  if (kind === 'mean') return score;
  return score >= 9 ? 100 : score <= 6 ? -100 : 0;
}

export function momentsOf(histogram: Histogram, kind: ScoreKind): Moments {
  let sum = 0;
  let sumSquares = 0;
  histogram.forEach((count, score) => {
    const x = valueOfScore(score, kind);
    sum += count * x;
    sumSquares += count * x * x;
  });
  return { n: countResponses(histogram), sum, sumSquares };
}

/** Σ(x − mean)² of the values. */
function squaredDeviations(m: Moments): number {
  return m.n === 0 ? 0 : Math.max(0, m.sumSquares - (m.sum * m.sum) / m.n);
}

/**
 * The variance of values spread evenly over the scale: one pseudo-response of it is pooled
 * into every sample variance below, as in `meanScore`, so that a few identical answers
 * (two 5s) never claim zero spread. 2 on a 1–5 scale; about 6,116 for NPS values.
 */
export function priorVariance(kind: ScoreKind, range: ScoreRange): number {
  const uniform = Array.from({ length: range.max + 1 }, (_, score) => (score >= range.min ? 1 : 0));
  const m = momentsOf(uniform, kind);
  return squaredDeviations(m) / m.n;
}

// ── Period-over-period change ────────────────────────────────────────────────────────────

export const changeTestName = 'welch_t' as const;

export const changeTestDescription =
  "Welch's t-test (two-sided, 95%) on the mean of per-response values, from each period's histogram (n, sum, sum of squares): scores on 5-point scales; on 0–10 scales promoters +100, passives 0, detractors −100, whose mean is the NPS. Degrees of freedom by Welch–Satterthwaite, rounded down. Each period needs at least 2 responses.";

export interface ChangeTest {
  test: typeof changeTestName;
  /** This period's score less the previous period's (NPS points or score points). */
  difference: number;
  t: number;
  df: number;
  pValue: number;
  significant: boolean;
}

/**
 * Welch's t-test of `current` against `previous`: t = (m₁ − m₀) / √(s₁²/n₁ + s₀²/n₀), with
 * s² = (Σ(x − m)² + v₀) / n (the sample variance with one pseudo-response of the prior
 * variance v₀ pooled in, see `priorVariance`), and df = (s₁²/n₁ + s₀²/n₀)² /
 * ((s₁²/n₁)²/(n₁ − 1) + (s₀²/n₀)²/(n₀ − 1)), rounded down (a little conservative).
 * Null when either period has fewer than 2 responses: no test can say anything then.
 */
export function welchTest(current: Moments, previous: Moments, kind: ScoreKind, range: ScoreRange): ChangeTest | null {
  if (current.n < 2 || previous.n < 2) return null;
  const v0 = priorVariance(kind, range);
  const a = (squaredDeviations(current) + v0) / current.n / current.n;
  const b = (squaredDeviations(previous) + v0) / previous.n / previous.n;
  const difference = current.sum / current.n - previous.sum / previous.n;
  const t = difference / Math.sqrt(a + b);
  const df = Math.max(1, Math.floor((a + b) ** 2 / (a * a / (current.n - 1) + (b * b) / (previous.n - 1))));
  const pValue = Math.max(0, 1 - studentTCentralProbability(t, df));
  return { test: changeTestName, difference, t, df, pValue, significant: pValue < 0.05 };
}

// ── Empirical-Bayes shrinkage ─────────────────────────────────────────────────────────────

export interface Shrinkage {
  /** The common mean μ the scores shrink towards (value units: score, or NPS). */
  mean: number;
  /** Between-unit variance τ² (method of moments). */
  between: number;
  /** Within-unit variance σ² (pooled). */
  within: number;
  /** Each unit's shrunk score, in the order given; null for a unit without responses. */
  shrunk: (number | null)[];
}

/**
 * Shrinks each unit's mean towards the mean of all units' responses, by how much its own
 * responses can be trusted (the one-way random-effects model, moments estimators for
 * unequal group sizes):
 *
 *   N = Σnᵢ, k = units with responses, μ = Σ(Σx)ᵢ / N
 *   σ² = (Σᵢ Σ(x − mᵢ)² + v₀) / (N − k + 1)              within-unit variance (MSW, v₀ pooled in)
 *   MSB = Σ nᵢ (mᵢ − μ)² / (k − 1)                         between-unit mean square
 *   n₀ = (N − Σnᵢ² / N) / (k − 1)                          the effective unit size
 *   τ² = max(0, (MSB − σ²) / n₀)                           between-unit variance
 *   Bᵢ = τ² / (τ² + σ²/nᵢ),  shrunkᵢ = μ + Bᵢ (mᵢ − μ)
 *
 * A unit with two perfect scores has σ²/nᵢ large against τ², so it lands near μ; one with
 * 200 responses keeps nearly its own mean. When the units differ no more than chance would
 * make them (MSB ≤ σ²), τ² = 0 and every unit gets μ: the data cannot tell them apart, and
 * the ranking falls to its tie-breaks (lower bound of the interval, then count).
 */
export function shrinkTowardsMean(units: readonly Moments[], kind: ScoreKind, range: ScoreRange): Shrinkage {
  const present = units.filter((u) => u.n > 0);
  const total = present.reduce((s, u) => s + u.n, 0);
  const k = present.length;
  if (k === 0) return { mean: 0, between: 0, within: 0, shrunk: units.map(() => null) };
  const mean = present.reduce((s, u) => s + u.sum, 0) / total;
  const within = (present.reduce((s, u) => s + squaredDeviations(u), 0) + priorVariance(kind, range)) / (total - k + 1);
  let between = 0;
  if (k >= 2) {
    const msb = present.reduce((s, u) => s + u.n * (u.sum / u.n - mean) ** 2, 0) / (k - 1);
    const n0 = (total - present.reduce((s, u) => s + u.n * u.n, 0) / total) / (k - 1);
    between = n0 > 0 ? Math.max(0, (msb - within) / n0) : 0;
  }
  const shrunk = units.map((u) => {
    if (u.n === 0) return null;
    const weight = between / (between + within / u.n);
    return mean + weight * (u.sum / u.n - mean);
  });
  return { mean, between, within, shrunk };
}
