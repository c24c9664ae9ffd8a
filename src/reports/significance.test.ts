/** The pure figures behind fair rankings and significance marks, against hand computations. */
import { describe, expect, it } from 'vitest';
import { momentsOf, priorVariance, shrinkTowardsMean, welchTest } from './significance.ts';

const fivePoint = { min: 1, max: 5 };
const zeroToTen = { min: 0, max: 10 };

describe('per-response values', () => {
  it('gives the mean score on 5-point scales and exactly the NPS on 0–10 scales', () => {
    const five = momentsOf([0, 0, 0, 1, 2, 1], 'mean'); // 3, 4, 4, 5
    expect(five).toEqual({ n: 4, sum: 16, sumSquares: 66 });
    const nps = momentsOf([1, 0, 0, 0, 0, 0, 0, 2, 0, 3, 4], 'nps'); // 1 detractor, 2 passives, 7 promoters
    expect((100 * nps.sum) / nps.n / 100).toBe(60);
    expect(priorVariance('mean', fivePoint)).toBe(2);
    expect(priorVariance('nps', zeroToTen)).toBeCloseTo(10000 * (9 / 11) - (100 * (-5 / 11)) ** 2, 6);
  });
});

describe("Welch's t-test", () => {
  it('matches a hand computation and needs 2 responses a period', () => {
    const now = momentsOf([0, 0, 0, 0, 50, 50], 'mean'); // mean 4.5, SS 25
    const before = momentsOf([0, 0, 50, 50], 'mean'); // mean 2.5, SS 25
    const s2 = (25 + 2) / 100; // with the pseudo-response of prior variance
    const t = 2 / Math.sqrt(s2 / 100 + s2 / 100);
    const test = welchTest(now, before, 'mean', fivePoint);
    expect(test?.t).toBeCloseTo(t, 9);
    expect(test?.df).toBe(Math.floor((2 * s2 / 100) ** 2 / (2 * (s2 / 100) ** 2 / 99)));
    expect(test?.significant).toBe(true);
    expect(welchTest(momentsOf([0, 0, 0, 0, 0, 1], 'mean'), before, 'mean', fivePoint)).toBeNull();
  });

  it('does not call two identical perfect pairs a change, nor two answers apart significant', () => {
    expect(welchTest(momentsOf([0, 0, 0, 0, 0, 2], 'mean'), momentsOf([0, 0, 0, 0, 0, 2], 'mean'), 'mean', fivePoint)?.significant).toBe(false);
    expect(welchTest(momentsOf([0, 0, 0, 0, 0, 2], 'mean'), momentsOf([0, 0, 0, 0, 2], 'mean'), 'mean', fivePoint)?.significant).toBe(false);
  });
});

describe('empirical-Bayes shrinkage', () => {
  it('gives every unit the common mean when they differ no more than chance, and none to units without responses', () => {
    const result = shrinkTowardsMean([momentsOf([0, 0, 0, 0, 0, 2], 'mean'), momentsOf([0, 0, 0, 0, 40, 160], 'mean'), momentsOf([], 'mean')], 'mean', fivePoint);
    expect(result.between).toBe(0);
    expect(result.shrunk[0]).toBeCloseTo(970 / 202, 9);
    expect(result.shrunk[1]).toBeCloseTo(970 / 202, 9);
    expect(result.shrunk[2]).toBeNull();
  });
});
