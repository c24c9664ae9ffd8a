import type { Estimate, Scale } from '../api/types.ts';

const ranges: Record<Scale, [number, number]> = { recommend_5: [1, 5], nps_10: [0, 10], csat_5: [1, 5], stars_5: [1, 5] };

/** A small drawing of a score and its interval on the whole scale; the figures beside it say the same in words. */
export function IntervalBar({ estimate, kind, scale }: { estimate: Estimate; kind: 'nps' | 'mean'; scale: Scale }) {
  const [min, max] = kind === 'nps' ? [-100, 100] : ranges[scale];
  const pos = (v: number) => 4 + ((Math.min(Math.max(v, min), max) - min) / (max - min)) * 112;
  return (
    <svg className="interval-bar" width="120" height="16" viewBox="0 0 120 16" aria-hidden="true" focusable="false">
      <line className="interval-track" x1="4" x2="116" y1="8" y2="8" />
      <line className="interval-range" x1={pos(estimate.low)} x2={pos(estimate.high)} y1="8" y2="8" />
      <circle className="interval-dot" cx={pos(estimate.value)} cy="8" r="4" />
    </svg>
  );
}
