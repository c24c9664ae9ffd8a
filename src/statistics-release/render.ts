/**
 * The files a third party receives: CSV (one row per cell, the documented columns only) or
 * JSON (the release's description and its cells).
 */
import type { Dimension, ReleasedCell } from './build-table.ts';
import type { ReleaseSummary } from './service.ts';

/** Every column a release may hold, in order; the dimensions appear only when grouped by. */
export const figureColumns = ['suppressed', 'responses', 'mean_index', 'share_low', 'share_middle', 'share_high'] as const;

export function releaseColumns(by: readonly Dimension[]): string[] {
  return [...by, ...figureColumns];
}

function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function renderReleaseCsv(release: ReleaseSummary, cells: readonly ReleasedCell[]): string {
  const columns = releaseColumns(release.by);
  const lines = [columns.join(',')];
  for (const cell of cells) {
    const record = cell as unknown as Record<string, string | number | boolean | null | undefined>;
    lines.push(columns.map((c) => csvField(record[c])).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON document: what the release is and how it was made, then the cells. */
export function renderReleaseJson(release: ReleaseSummary, cells: readonly ReleasedCell[]) {
  return {
    release: {
      id: release.id,
      createdAt: release.createdAt,
      period: release.period,
      by: release.by,
      epsilon: release.epsilon,
      privacyUnit: 'client' as const,
      scoreIndex: 'nps_10 scores × 10; five-point scores (s − 1) × 25; 0–100',
      bands: 'low: 0–6 (nps_10) or 1–2 (five-point); middle: 7–8 or 3; high: 9–10 or 4–5',
      rules: release.method.rules,
      noiseScale: release.method.noiseScale,
      columns: releaseColumns(release.by),
    },
    cells: [...cells],
  };
}
