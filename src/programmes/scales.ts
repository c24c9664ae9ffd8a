import type { Scale } from '../db/schema.ts';

export interface ScaleDefinition {
  readonly id: Scale;
  readonly min: number;
  readonly max: number;
  /** Words for the two ends of the scale, shown beside the numbers. */
  readonly lowLabel: string;
  readonly highLabel: string;
  /** Stars are drawn as ★ with the number as their accessible name. */
  readonly stars: boolean;
}

export const scales: Readonly<Record<Scale, ScaleDefinition>> = {
  recommend_5: { id: 'recommend_5', min: 1, max: 5, lowLabel: 'Not at all likely', highLabel: 'Extremely likely', stars: false },
  nps_10: { id: 'nps_10', min: 0, max: 10, lowLabel: 'Not at all likely', highLabel: 'Extremely likely', stars: false },
  csat_5: { id: 'csat_5', min: 1, max: 5, lowLabel: 'Very dissatisfied', highLabel: 'Very satisfied', stars: false },
  stars_5: { id: 'stars_5', min: 1, max: 5, lowLabel: 'Poor', highLabel: 'Excellent', stars: true },
};

export function scaleOf(scale: Scale): ScaleDefinition {
  return scales[scale];
}

export type ScoreBandName = 'low' | 'middle' | 'high';

/**
 * The score ranges of each band: for NPS, detractors (0–6), passives (7–8) and promoters
 * (9–10); for five-point scales 1–2, 3 and 4–5. Templates, filters and alerts use them.
 */
export const scoreBands: Readonly<Record<Scale, Readonly<Record<ScoreBandName, readonly [number, number]>>>> = {
  nps_10: { low: [0, 6], middle: [7, 8], high: [9, 10] },
  recommend_5: { low: [1, 2], middle: [3, 3], high: [4, 5] },
  csat_5: { low: [1, 2], middle: [3, 3], high: [4, 5] },
  stars_5: { low: [1, 2], middle: [3, 3], high: [4, 5] },
};

export function scoreBandOf(scale: Scale, score: number): ScoreBandName {
  const bands = scoreBands[scale];
  if (score <= bands.low[1]) return 'low';
  if (score <= bands.middle[1]) return 'middle';
  return 'high';
}
