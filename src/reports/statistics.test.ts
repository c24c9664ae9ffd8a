/**
 * The dashboard's statistics against values computed by hand (and checked with SciPy):
 * NPS with its adjusted Wald interval, the mean with its Student-t interval, top-box with
 * Wilson's, and the ranking rule that keeps small samples from topping a table.
 */
import { describe, expect, it } from 'vitest';
import {
  meanScore,
  netPromoterScore,
  rankByLowerBound,
  studentTCentralProbability,
  studentTQuantile975,
  topBoxShare,
  wilsonInterval,
  type Estimate,
} from './statistics.ts';

const fivePoint = { min: 1, max: 5 };

/** A histogram (index = score) from { score: count }. */
function histogramOf(counts: Record<number, number>): number[] {
  const h = Array.from({ length: 11 }, () => 0);
  for (const [score, n] of Object.entries(counts)) h[Number(score)] = n;
  return h;
}

function expectEstimate(actual: Estimate | null, expected: Estimate, digits = 6) {
  expect(actual).not.toBeNull();
  expect(actual?.value).toBeCloseTo(expected.value, digits);
  expect(actual?.low).toBeCloseTo(expected.low, digits);
  expect(actual?.high).toBeCloseTo(expected.high, digits);
}

describe("Student's t", () => {
  it('gives the 97.5% quantile for small and large degrees of freedom', () => {
    const table: [number, number][] = [
      [1, 12.706204736],
      [2, 4.30265273],
      [3, 3.182446305],
      [5, 2.570581836],
      [7, 2.364624252],
      [10, 2.228138852],
      [30, 2.042272456],
      [100, 1.983971519],
      [199, 1.971956544],
      [200, 1.971896224],
      [201, 1.971836507],
      [1000, 1.962339081],
      [1_000_000, 1.959966357],
    ];
    for (const [df, t] of table) expect(studentTQuantile975(df), `df ${df}`).toBeCloseTo(t, 7);
  });

  it('is a distribution: P(|T| ≤ 0) = 0, growing to 1', () => {
    expect(studentTCentralProbability(0, 4)).toBe(0);
    expect(studentTCentralProbability(1e6, 5)).toBeCloseTo(1, 9);
    expect(studentTCentralProbability(1, 1)).toBeCloseTo(0.5, 12); // Cauchy: P(|T| ≤ 1) = 1/2
  });
});

describe('NPS', () => {
  it('is % promoters − % detractors, with the adjusted Wald interval', () => {
    // 10 promoters (9–10), 4 passives (7–8), 6 detractors (0–6): NPS = (10 − 6) / 20 = 20.
    // Adjusted: n' = 23, p₊ = 10.75/23, p₋ = 6.75/23, d = 4/23,
    // var = (p₊ + p₋ − d²)/23 = 0.0317664…, ±1.96·√var = ±0.349331 → 17.3913 ± 34.9331.
    const h = histogramOf({ 10: 6, 9: 4, 8: 2, 7: 2, 6: 3, 3: 2, 0: 1 });
    expectEstimate(netPromoterScore(h), { value: 20, low: -17.541951648, high: 52.324560343 });
  });

  it('gives a wide interval to a few identical answers, where the plain Wald interval is 100 to 100', () => {
    expectEstimate(netPromoterScore(histogramOf({ 10: 2 })), { value: 100, low: -24.412172763, high: 100 });
    // Three detractors: n' = 6, p₊ = 0.125, p₋ = 0.625, var = (0.75 − 0.25)/6 → −50 ± 56.58.
    expectEstimate(netPromoterScore(histogramOf({ 0: 3 })), { value: -100, low: -100, high: 6.580326381 });
  });

  it('is null without responses and spans the scale for one', () => {
    expect(netPromoterScore(histogramOf({}))).toBeNull();
    expect(netPromoterScore(histogramOf({ 9: 1 }))).toEqual({ value: 100, low: -100, high: 100 });
    expect(netPromoterScore(histogramOf({ 7: 1 }))).toEqual({ value: 0, low: -100, high: 100 });
  });

  it('narrows as responses grow and stays within −100..100', () => {
    const big = netPromoterScore(histogramOf({ 10: 130, 8: 60, 2: 10 }));
    expectEstimate(big, { value: 60, low: 51.002723518, high: 67.223877467 });
    const huge = netPromoterScore(histogramOf({ 10: 1_000_000 }));
    expect(huge?.high).toBe(100);
    expect(huge?.low).toBeGreaterThan(99.99);
  });
});

describe('mean score on a 5-point scale', () => {
  it('has a Student-t interval from the histogram', () => {
    // Scores 5,5,5,4,4,3,2,1: mean 29/8 = 3.625, Σ(x − mean)² = 15.875,
    // s² = (15.875 + 2)/8 = 2.234375 (2: one pseudo-answer spread evenly over 1–5),
    // t(0.975, 7) = 2.364624 → ±2.364624·√2.234375/√8 = ±1.249670.
    const h = histogramOf({ 5: 3, 4: 2, 3: 1, 2: 1, 1: 1 });
    expectEstimate(meanScore(h, fivePoint), { value: 3.625, low: 2.375330479, high: 4.874669521 });
  });

  it('is null without responses, spans the scale for one, and stays on the scale', () => {
    expect(meanScore(histogramOf({}), fivePoint)).toBeNull();
    expect(meanScore(histogramOf({ 4: 1 }), fivePoint)).toEqual({ value: 4, low: 1, high: 5 });
    // Two 5s: s² = (0 + 2)/2 = 1, t(0.975, 1) = 12.706 → ±8.98, clamped to the scale.
    expect(meanScore(histogramOf({ 5: 2 }), fivePoint)).toEqual({ value: 5, low: 1, high: 5 });
  });

  it('with 200 answers averaging 4.8 the interval is tight', () => {
    // 160 × 5 and 40 × 4: Σ(x − 4.8)² = 32, s² = 34/200, t(0.975, 199) = 1.971957.
    expectEstimate(meanScore(histogramOf({ 5: 160, 4: 40 }), fivePoint), { value: 4.8, low: 4.742508081, high: 4.857491919 });
  });
});

describe('top-box share and the Wilson interval', () => {
  it('matches Wilson score intervals computed by hand', () => {
    expectEstimate(wilsonInterval(8, 10), { value: 0.8, low: 0.490156847, high: 0.943319052 });
    expectEstimate(wilsonInterval(0, 10), { value: 0, low: 0, high: 0.277540169 });
    expectEstimate(wilsonInterval(10, 10), { value: 1, low: 0.722459831, high: 1 });
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('is the % of the top two scores, in percent', () => {
    const h = histogramOf({ 5: 3, 4: 2, 3: 1, 2: 1, 1: 1 });
    expectEstimate(topBoxShare(h, fivePoint), { value: 62.5, low: 30.573785458, high: 86.315824054 });
    expect(topBoxShare(histogramOf({}), fivePoint)).toBeNull();
  });
});

describe('ranking by lower bound', () => {
  it('puts 200 answers averaging 4.8 above two perfect scores', () => {
    const lucky = { name: 'Aroha', responses: 2, score: meanScore(histogramOf({ 5: 2 }), fivePoint) };
    const steady = { name: 'Wiremu', responses: 200, score: meanScore(histogramOf({ 5: 160, 4: 40 }), fivePoint) };
    expect(lucky.score?.value).toBeGreaterThan(steady.score?.value ?? Infinity);
    expect(rankByLowerBound([lucky, steady]).map((r) => r.name)).toEqual(['Wiremu', 'Aroha']);
  });

  it('does the same for NPS: two promoters below 200 answers at NPS 60', () => {
    const lucky = { name: 'Aroha', responses: 2, score: netPromoterScore(histogramOf({ 10: 2 })) };
    const steady = { name: 'Wiremu', responses: 200, score: netPromoterScore(histogramOf({ 10: 130, 8: 60, 2: 10 })) };
    expect(rankByLowerBound([lucky, steady]).map((r) => r.name)).toEqual(['Wiremu', 'Aroha']);
  });

  it('breaks ties by responses, then name, and puts rows without responses last', () => {
    const tie = { value: 4, low: 3, high: 5 };
    const rows = [
      { name: 'none', responses: 0, score: null },
      { name: 'b', responses: 5, score: tie },
      { name: 'a', responses: 5, score: tie },
      { name: 'more', responses: 9, score: tie },
      { name: 'best', responses: 1, score: { value: 5, low: 4, high: 5 } },
    ];
    expect(rankByLowerBound(rows).map((r) => r.name)).toEqual(['best', 'more', 'a', 'b', 'none']);
  });
});
