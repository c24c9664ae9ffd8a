/**
 * A score's change since the previous period, in words, marked significant or not by the
 * stated test: colour is never the only sign (an arrow and the words say it too).
 */
import type { Change, ScoreKind } from '../api/insights.ts';
import '../styles/insights.css';

function formatDifference(difference: number, kind: ScoreKind): string {
  const text = kind === 'nps' ? String(Math.round(Math.abs(difference))) : Math.abs(difference).toFixed(2);
  return `${difference > 0 ? '+' : difference < 0 ? '−' : '±'}${text}`;
}

export function ChangeMark({ change, kind, compact }: { change: Change | null; kind: ScoreKind; compact?: boolean }) {
  if (!change) return <span className="change change-none">{compact ? 'No test' : 'Too few responses in one of the periods to test the change'}</span>;
  const arrow = change.difference > 0 ? '▲' : change.difference < 0 ? '▼' : '•';
  const verdict = change.significant ? 'significant' : 'not significant';
  return (
    <span className={`change ${compact ? 'change-compact ' : ''}${change.significant ? `change-significant ${change.difference > 0 ? 'change-up' : 'change-down'}` : 'change-noise'}`}>
      <span aria-hidden="true">{arrow} </span>
      {formatDifference(change.difference, kind)} <span className="change-verdict">({verdict}{compact ? '' : ` at 95%, p = ${change.pValue < 0.001 ? '< 0.001' : change.pValue.toFixed(3)}`})</span>
    </span>
  );
}
