/**
 * The pure parts of a release: Laplace noise by the inverse distribution function, period
 * parsing, and complementary suppression when two hidden cells together are still too few.
 */
import { describe, expect, it } from 'vitest';
import { buildReleaseTable, type Contribution } from './build-table.ts';
import { sampleLaplace } from './laplace.ts';
import { parseReleasePeriod } from './periods.ts';

describe('Laplace noise', () => {
  it('inverts the distribution function', () => {
    expect(sampleLaplace(2, () => 0.75)).toBeCloseTo(2 * Math.LN2, 12);
    expect(sampleLaplace(2, () => 0.25)).toBeCloseTo(-2 * Math.LN2, 12);
    expect(() => sampleLaplace(0)).toThrow(RangeError);
  });

  it('draws from crypto randomness with mean |x| = scale (20,000 draws, 7 standard errors)', () => {
    const draws = Array.from({ length: 20_000 }, () => sampleLaplace(10));
    const meanAbs = draws.reduce((s, x) => s + Math.abs(x), 0) / draws.length;
    expect(Math.abs(meanAbs - 10)).toBeLessThan((7 * 10) / Math.sqrt(draws.length));
    expect(draws.every(Number.isFinite)).toBe(true);
  });
});

describe('periods', () => {
  it('reads months, quarters, years and ranges, whole months before the current one', () => {
    const ok = (text: string) => {
      const parsed = parseReleasePeriod(text, '2025-06');
      if (!parsed.ok) throw new Error(parsed.message);
      return [parsed.period.fromMonth, parsed.period.toMonth, parsed.period.months.length];
    };
    expect(ok('2025-03')).toEqual(['2025-03-01', '2025-03-01', 1]);
    expect(ok('2024-Q4')).toEqual(['2024-10-01', '2024-12-01', 3]);
    expect(ok('2024')).toEqual(['2024-01-01', '2024-12-01', 12]);
    expect(ok('2024..2025-05')).toEqual(['2024-01-01', '2025-05-01', 17]);
    expect(parseReleasePeriod('2025-06', '2025-06')).toMatchObject({ ok: false, message: expect.stringMatching(/not over yet: choose months up to 2025-05/) });
    expect(parseReleasePeriod('2010..2024', '2025-06')).toMatchObject({ ok: false, message: expect.stringMatching(/at most 60/) });
    expect(parseReleasePeriod('2024-00', '2025-06').ok).toBe(false);
  });
});

describe('complementary suppression', () => {
  const contribution = (clientId: string, region: string, responses: number): Contribution => ({
    clientId,
    industry: 'retail',
    region,
    month: '2024-01',
    family: 'five_point',
    histogram: [0, 0, 0, 0, responses, 0, 0, 0, 0, 0, 0],
  });
  const clients = (prefix: string, region: string, n: number, responses: number) => Array.from({ length: n }, (_, i) => contribution(`${prefix}${i}`, region, responses));

  it('hides more cells of a line until its hidden cells together pass the rules', () => {
    // Two hidden cells of 2 clients each: 4 clients, still too few; the smallest published
    // cell of the line (otago, 5 × 12) joins them; auckland (6 × 20) stays.
    const table = buildReleaseTable({
      contributions: [...clients('n', 'nelson', 2, 20), ...clients('t', 'tasman', 2, 20), ...clients('o', 'otago', 5, 12), ...clients('a', 'auckland', 6, 20)],
      by: ['industry', 'region'],
      months: ['2024-01'],
      epsilon: 1,
      laplace: () => 0,
    });
    const cell = (region: string) => table.cells.find((c) => c.industry === 'retail' && c.region === region);
    expect(cell('nelson')?.suppressed).toBe(true);
    expect(cell('tasman')?.suppressed).toBe(true);
    expect(cell('otago')?.suppressed).toBe(true);
    // Without noise the figures are the clipped truth: 6 clients × 20, all scored 4 (index 75).
    expect(cell('auckland')).toMatchObject({ suppressed: false, responses: 120, mean_index: 75, share_high: 1 });
    expect(table.method.cells).toMatchObject({ published: 1, primarySuppressed: 2, complementarySuppressed: 1 });
  });

  it('clips each client to 20 responses per cell, keeping its distribution', () => {
    const table = buildReleaseTable({
      contributions: [...clients('a', 'auckland', 5, 20), { ...contribution('big', 'auckland', 0), histogram: [0, 40, 0, 0, 0, 40, 0, 0, 0, 0, 0] }],
      by: ['region'],
      months: ['2024-01'],
      epsilon: 1,
      laplace: () => 0,
    });
    // 5 × 20 at index 75, plus the big client as 20 responses: 10 at 0, 10 at 100.
    expect(table.cells.find((c) => c.region === 'auckland')).toMatchObject({ responses: 120, mean_index: 70.8, share_low: Math.round((1000 * 10) / 120) / 1000 });
  });
});
