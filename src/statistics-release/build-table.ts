/**
 * Turns per-client monthly contributions into the released table: cells by the chosen
 * dimensions, primary and complementary suppression on the true figures, then Laplace noise
 * on what is published. Pure: the randomness is passed in, the database is not touched.
 *
 * The unit protected is the whole client. Each client's figures in a cell are clipped to
 * `method.clipResponses` responses (a client with more is scaled down, its distribution
 * kept), so adding or removing one client changes a cell's response count by at most that,
 * its centred index sum by at most 50 × that, and its band counts by at most that in total;
 * a client lies in one industry and region, so in one cell per month at most (k cells:
 * the number of months when grouping by month, else 1). The release's epsilon is split in
 * three equal parts (count, sum, bands), each with scale 3·k·Δ/ε.
 */
import { industries, regions } from '../benchmarks/index.ts';

export const dimensions = ['industry', 'region', 'month'] as const;
export type Dimension = (typeof dimensions)[number];

/** The documented rules of every release (docs/anonymised-statistics.md). */
export const releaseRules = {
  minClients: 5,
  minResponses: 50,
  maxClientShare: 0.5,
  clipResponses: 20,
} as const;

export type ScaleFamily = 'nps' | 'five_point';

/** One client's responses in one month of one scale family, from the monthly rollups. */
export interface Contribution {
  clientId: string;
  industry: string;
  region: string;
  /** YYYY-MM */
  month: string;
  family: ScaleFamily;
  /** Responses per score 0..10 (the rollups' histogram). */
  histogram: readonly number[];
}

/** A released cell: only these fields leave Hark (the documented columns). */
export interface ReleasedCell {
  industry?: string;
  region?: string;
  month?: string;
  suppressed: boolean;
  responses: number | null;
  mean_index: number | null;
  share_low: number | null;
  share_middle: number | null;
  share_high: number | null;
}

export interface ReleaseMethod {
  rules: typeof releaseRules;
  /** How many cells one client can be in (the multiplier of the sensitivity). */
  cellsPerClient: number;
  noiseScale: { responses: number; centredIndexSum: number; bands: number };
  cells: { total: number; published: number; primarySuppressed: number; complementarySuppressed: number; empty: number };
}

interface Figures {
  responses: number;
  centredSum: number;
  bands: [number, number, number];
}

/** Index 0–100 and band of each score, per family: 0–10 ×10 (NPS bands), 1–5 as (s−1)×25. */
function scoreFigures(family: ScaleFamily, histogram: readonly number[]): Figures {
  const out: Figures = { responses: 0, centredSum: 0, bands: [0, 0, 0] };
  histogram.forEach((count, score) => {
    if (!count) return;
    if (family === 'five_point' && (score < 1 || score > 5)) return;
    const index = family === 'nps' ? score * 10 : (score - 1) * 25;
    const band = family === 'nps' ? (score <= 6 ? 0 : score <= 8 ? 1 : 2) : score <= 2 ? 0 : score === 3 ? 1 : 2;
    out.responses += count;
    out.centredSum += count * (index - 50);
    out.bands[band] += count;
  });
  return out;
}

interface CellTruth {
  key: string;
  values: Partial<Record<Dimension, string>>;
  /** True responses per client (for the thresholds). */
  perClient: Map<string, number>;
  responses: number;
  clipped: Figures;
  state: 'published' | 'primary' | 'complementary' | 'empty';
}

function valuesOf(dimension: Dimension, months: readonly string[]): string[] {
  if (dimension === 'industry') return [...industries.map((i) => i.id), 'unknown'];
  if (dimension === 'region') return [...regions.map((r) => r.id), 'unknown'];
  return [...months];
}

function passesRules(perClient: Map<string, number>, responses: number): boolean {
  const largest = Math.max(0, ...perClient.values());
  return perClient.size >= releaseRules.minClients && responses >= releaseRules.minResponses && largest <= releaseRules.maxClientShare * responses;
}

/** The dimensions in their fixed order (industry, region, month), whatever order was asked. */
export function orderDimensions(by: readonly Dimension[]): Dimension[] {
  return dimensions.filter((d) => by.includes(d));
}

export function buildReleaseTable(input: {
  contributions: readonly Contribution[];
  by: readonly Dimension[];
  months: readonly string[];
  epsilon: number;
  laplace: (scale: number) => number;
}): { cells: ReleasedCell[]; method: ReleaseMethod } {
  const by = orderDimensions(input.by);
  const keyOf = (values: Partial<Record<Dimension, string>>) => by.map((d) => values[d] ?? '').join('|');

  // The full grid, so an empty cell cannot be told from a suppressed one.
  let grid: Partial<Record<Dimension, string>>[] = [{}];
  for (const d of by) grid = grid.flatMap((partial) => valuesOf(d, input.months).map((v) => ({ ...partial, [d]: v })));
  const cells = new Map<string, CellTruth>();
  for (const values of grid) {
    cells.set(keyOf(values), { key: keyOf(values), values, perClient: new Map(), responses: 0, clipped: { responses: 0, centredSum: 0, bands: [0, 0, 0] }, state: 'empty' });
  }

  // Per client and cell first, so the clip applies to the client's whole part of the cell.
  const perClientCell = new Map<string, { cell: CellTruth; clientId: string; figures: Figures }>();
  for (const c of input.contributions) {
    const cell = cells.get(keyOf({ industry: c.industry, region: c.region, month: c.month }));
    if (!cell) continue;
    const figures = scoreFigures(c.family, c.histogram);
    if (!figures.responses) continue;
    const id = `${cell.key}#${c.clientId}`;
    const entry = perClientCell.get(id) ?? { cell, clientId: c.clientId, figures: { responses: 0, centredSum: 0, bands: [0, 0, 0] } };
    entry.figures.responses += figures.responses;
    entry.figures.centredSum += figures.centredSum;
    entry.figures.bands = [entry.figures.bands[0] + figures.bands[0], entry.figures.bands[1] + figures.bands[1], entry.figures.bands[2] + figures.bands[2]];
    perClientCell.set(id, entry);
  }
  for (const { cell, clientId, figures } of perClientCell.values()) {
    const scale = Math.min(1, releaseRules.clipResponses / figures.responses);
    cell.perClient.set(clientId, figures.responses);
    cell.responses += figures.responses;
    cell.clipped.responses += figures.responses * scale;
    cell.clipped.centredSum += figures.centredSum * scale;
    cell.clipped.bands = [cell.clipped.bands[0] + figures.bands[0] * scale, cell.clipped.bands[1] + figures.bands[1] * scale, cell.clipped.bands[2] + figures.bands[2] * scale];
  }

  // Primary suppression.
  for (const cell of cells.values()) {
    if (cell.responses === 0) continue;
    cell.state = passesRules(cell.perClient, cell.responses) ? 'published' : 'primary';
  }

  suppressComplements([...cells.values()], by);

  const cellsPerClient = by.includes('month') ? input.months.length : 1;
  const share = input.epsilon / 3;
  const noiseScale = {
    responses: (cellsPerClient * releaseRules.clipResponses) / share,
    centredIndexSum: (cellsPerClient * 50 * releaseRules.clipResponses) / share,
    bands: (cellsPerClient * releaseRules.clipResponses) / share,
  };

  const released: ReleasedCell[] = [...cells.values()].map((cell) => {
    const dims = Object.fromEntries(by.map((d) => [d, cell.values[d] ?? ''])) as Partial<Record<Dimension, string>>;
    if (cell.state !== 'published') return { ...dims, suppressed: true, responses: null, mean_index: null, share_low: null, share_middle: null, share_high: null };
    const count = cell.clipped.responses + input.laplace(noiseScale.responses);
    const sum = cell.clipped.centredSum + input.laplace(noiseScale.centredIndexSum);
    const bands = cell.clipped.bands.map((b) => Math.max(0, b + input.laplace(noiseScale.bands)));
    const bandTotal = bands.reduce((a, b) => a + b, 0);
    // Dividing by at least one client's worth keeps a tiny noisy count from blowing up the mean.
    const mean = Math.min(100, Math.max(0, 50 + sum / Math.max(count, releaseRules.clipResponses)));
    const shareOf = (i: number) => (bandTotal > 0 ? Math.round((1000 * (bands[i] ?? 0)) / bandTotal) / 1000 : null);
    return {
      ...dims,
      suppressed: false,
      responses: Math.round(count),
      mean_index: Math.round(mean * 10) / 10,
      share_low: shareOf(0),
      share_middle: shareOf(1),
      share_high: shareOf(2),
    };
  });

  const all = [...cells.values()];
  return {
    cells: released,
    method: {
      rules: releaseRules,
      cellsPerClient,
      noiseScale,
      cells: {
        total: all.length,
        published: all.filter((c) => c.state === 'published').length,
        primarySuppressed: all.filter((c) => c.state === 'primary').length,
        complementarySuppressed: all.filter((c) => c.state === 'complementary').length,
        empty: all.filter((c) => c.state === 'empty').length,
      },
    },
  };
}

/**
 * Complementary suppression. A line is the cells that differ in one dimension only (all
 * regions of one industry and month, …; with one dimension, every cell): its total is what
 * a release with one dimension fewer shows, so the total minus the published cells of the
 * line gives the sum of its suppressed cells. That sum must itself pass the primary rules
 * (at least 5 clients, at least 50 responses, no client over half) and span at least two
 * cells; while it does not, the published cell of the line with the fewest responses is
 * suppressed too. Repeated over every line until nothing changes. A line with no published
 * cell left is safe: its total holds the same clients as its suppressed cells, and the
 * coarser release applies the same primary rules to it.
 */
function suppressComplements(cells: CellTruth[], by: readonly Dimension[]): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const along of by) {
      const lines = new Map<string, CellTruth[]>();
      for (const cell of cells) {
        const lineKey = by.filter((d) => d !== along).map((d) => cell.values[d] ?? '').join('|');
        lines.set(lineKey, [...(lines.get(lineKey) ?? []), cell]);
      }
      for (const line of lines.values()) {
        for (;;) {
          const hidden = line.filter((c) => c.state === 'primary' || c.state === 'complementary');
          if (hidden.length === 0) break;
          const perClient = new Map<string, number>();
          for (const c of hidden) for (const [id, n] of c.perClient) perClient.set(id, (perClient.get(id) ?? 0) + n);
          const responses = hidden.reduce((n, c) => n + c.responses, 0);
          if (hidden.length >= 2 && passesRules(perClient, responses)) break;
          const next = line.filter((c) => c.state === 'published').sort((a, b) => a.responses - b.responses || a.key.localeCompare(b.key))[0];
          if (!next) break;
          next.state = 'complementary';
          changed = true;
        }
      }
    }
  }
}
