/**
 * The figures of a dashboard, computed from score histograms alone (pure functions, no
 * database): NPS, mean score and top-box share, each with its 95% confidence interval, and
 * the ranking rule of the location and staff tables.
 *
 * A histogram is indexed by score: `histogram[s]` counts the responses that gave score `s`
 * (0..10; five-point scales use 1..5). This is the rollups' `score_histogram` read as a
 * zero-based array.
 *
 * Small samples: an interval must never claim certainty that a handful of answers cannot
 * give, or a staff member with two perfect scores would top a table ranked by lower bound.
 * Each method below is chosen (and adjusted where the textbook one collapses) so that a few
 * identical answers still get a wide interval.
 */

/** A point estimate and its 95% confidence interval, low ≤ value ≤ high. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

export type Histogram = readonly number[];

/** The normal quantile used for 95% intervals of proportions (NPS, top-box). */
export const Z95 = 1.96;

/** The range of a scale's scores. */
export interface ScoreRange {
  min: number;
  max: number;
}

export function countResponses(histogram: Histogram): number {
  let n = 0;
  for (const count of histogram) n += count;
  return n;
}

/** Adds `histogram` into `total` (which grows to fit), and returns `total`. */
export function addHistogram(total: number[], histogram: Histogram): number[] {
  histogram.forEach((count, score) => {
    total[score] = (total[score] ?? 0) + count;
  });
  return total;
}

function countBetween(histogram: Histogram, from: number, to: number): number {
  let n = 0;
  for (let score = from; score <= to; score++) n += histogram[score] ?? 0;
  return n;
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

/**
 * Net Promoter Score on the 0–10 scale: % promoters (9–10) − % detractors (0–6), from −100
 * to 100; null without responses.
 *
 * Interval: the adjusted Wald interval (Rocks 2016, The American Statistician 70:4, the best
 * of six methods compared there): add 3/4 of a response to the promoters, 3/4 to the
 * detractors and 3 to n (so 3/2 to the passives), then ±1.96·√var around the adjusted NPS
 * with the multinomial variance var = (p₊ + p₋ − (p₊ − p₋)²) / n, clamped to [−100, 100].
 * The plain Wald interval has zero width when every answer falls in one group (two promoters
 * would give 100 to 100); the adjustment keeps it honest and vanishes as n grows.
 * With one response the interval is the whole scale, −100 to 100.
 */
export function netPromoterScore(histogram: Histogram): Estimate | null {
  const n = countResponses(histogram);
  if (n === 0) return null;
  const promoters = countBetween(histogram, 9, 10);
  const detractors = countBetween(histogram, 0, 6);
  const value = (100 * (promoters - detractors)) / n;
  if (n === 1) return { value, low: -100, high: 100 };
  const adjustedN = n + 3;
  const pPlus = (promoters + 0.75) / adjustedN;
  const pMinus = (detractors + 0.75) / adjustedN;
  const centre = pPlus - pMinus;
  const half = Z95 * Math.sqrt((pPlus + pMinus - centre * centre) / adjustedN);
  return {
    value,
    low: Math.min(value, clamp(100 * (centre - half), -100, 100)),
    high: Math.max(value, clamp(100 * (centre + half), -100, 100)),
  };
}

/**
 * The mean score, with a Student-t interval: mean ± t(0.975, n − 1) · s / √n, clamped to
 * the scale; null without responses. With one response the interval is the whole scale
 * (one answer says nothing about spread).
 *
 * s² is the histogram's sample variance with one pseudo-response of prior variance pooled
 * in: s² = (Σ(x − mean)² + v₀) / n, where v₀ is the variance of answers spread evenly over
 * the scale (2 on a 1–5 scale). Without it, identical answers (two 5s) give s = 0 and an
 * interval of zero width; with 200 answers it moves s by well under 1%.
 */
export function meanScore(histogram: Histogram, range: ScoreRange): Estimate | null {
  const n = countResponses(histogram);
  if (n === 0) return null;
  let sum = 0;
  histogram.forEach((count, score) => {
    sum += count * score;
  });
  const value = sum / n;
  if (n === 1) return { value, low: range.min, high: range.max };
  let squares = 0;
  histogram.forEach((count, score) => {
    squares += count * (score - value) ** 2;
  });
  const steps = range.max - range.min + 1;
  const priorVariance = (steps * steps - 1) / 12;
  const s = Math.sqrt((squares + priorVariance) / n);
  const half = (studentTQuantile975(n - 1) * s) / Math.sqrt(n);
  return { value, low: clamp(value - half, range.min, value), high: clamp(value + half, value, range.max) };
}

/**
 * The Wilson score interval of a proportion (successes of n), as fractions 0..1; null when
 * n is 0. It stays inside 0..1 and does not collapse at 0% or 100%.
 */
export function wilsonInterval(successes: number, n: number, z: number = Z95): Estimate | null {
  if (n === 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { value: p, low: Math.max(0, Math.min(p, centre - half)), high: Math.min(1, Math.max(p, centre + half)) };
}

/**
 * The top-box share of a five-point scale: % of responses giving one of the top two scores
 * (4 or 5 on 1–5), with its Wilson interval, in percent; null without responses.
 */
export function topBoxShare(histogram: Histogram, range: ScoreRange): Estimate | null {
  const share = wilsonInterval(countBetween(histogram, range.max - 1, range.max), countResponses(histogram));
  return share && { value: 100 * share.value, low: 100 * share.low, high: 100 * share.high };
}

// ── Student's t ──────────────────────────────────────────────────────────────────────────

/** P(|T| ≤ t) for Student's t with `df` degrees of freedom (Abramowitz & Stegun 26.7.3–4). */
export function studentTCentralProbability(t: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError('degrees of freedom must be a positive integer');
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const cos2 = Math.cos(theta) ** 2;
  const sin = Math.sin(theta);
  if (df % 2 === 1) {
    // 2/π · (θ + sin θ · (cos θ + 2/3 cos³θ + 2·4/(3·5) cos⁵θ + … up to cos^(df−2)θ))
    let term = Math.cos(theta);
    let series = df > 1 ? term : 0;
    for (let k = 3; k <= df - 2; k += 2) {
      term *= (cos2 * (k - 1)) / k;
      series += term;
    }
    return (2 / Math.PI) * (theta + sin * series);
  }
  // sin θ · (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + … up to cos^(df−2)θ)
  let term = 1;
  let series = 1;
  for (let k = 2; k <= df - 2; k += 2) {
    term *= (cos2 * (k - 1)) / k;
    series += term;
  }
  return sin * series;
}

const quantiles = new Map<number, number>();

/**
 * The two-sided 95% quantile of Student's t, t(0.975, df): exact (by bisection on the CDF)
 * up to 200 degrees of freedom, the Cornish–Fisher expansion beyond (error below 1e-9).
 */
export function studentTQuantile975(df: number): number {
  const known = quantiles.get(df);
  if (known !== undefined) return known;
  let t: number;
  if (df > 200) {
    const z = 1.959963984540054;
    const g1 = (z ** 3 + z) / 4;
    const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
    const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
    const g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160;
    t = z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
  } else {
    let low = 0;
    let high = 100;
    for (let i = 0; i < 100; i++) {
      const mid = (low + high) / 2;
      if (studentTCentralProbability(mid, df) < 0.95) low = mid;
      else high = mid;
    }
    t = (low + high) / 2;
  }
  quantiles.set(df, t);
  return t;
}

// ── Ranking ──────────────────────────────────────────────────────────────────────────────

/** The sort rule of the ranked tables, as the dashboard states it. */
export const rankingRule =
  'Sorted by the lower bound of the 95% confidence interval (highest first), then by number of responses, so a few lucky answers cannot top the table; rows without responses come last.';

export interface Rankable {
  name: string;
  responses: number;
  score: Estimate | null;
}

/**
 * Orders rows by the lower bound of their interval (desc), then responses (desc), then
 * name; rows without a score last. A location with 200 answers averaging 4.8 outranks one
 * with two 5s, whose interval reaches far lower.
 */
export function rankByLowerBound<T extends Rankable>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => {
    if (a.score && b.score && a.score.low !== b.score.low) return b.score.low - a.score.low;
    if (a.score && !b.score) return -1;
    if (!a.score && b.score) return 1;
    if (a.responses !== b.responses) return b.responses - a.responses;
    return a.name.localeCompare(b.name);
  });
}
