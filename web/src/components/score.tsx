import type { Scale, ScoreBand } from '../api/types.ts';
import { bandNames, scaleMax } from '../lib/format.ts';

/** A feedback's score, coloured by its band, with the band in words for those who cannot see colour. */
export function ScoreBadge({ score, scale, band, size = 'normal' }: { score: number; scale: Scale; band: ScoreBand; size?: 'normal' | 'large' }) {
  return (
    <span className={`score score-${band} score-${size}`}>
      <span className="score-number">{score}</span>
      <span className="score-max">/{scaleMax[scale]}</span>
      <span className="visually-hidden">, {bandNames[band].toLowerCase()} score</span>
    </span>
  );
}
