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
