/**
 * The score over time, drawn in SVG: the score as a line with its 95% interval as a shaded
 * band, and the number of responses per period as bars beneath. The drawing is one image
 * with a spoken summary; the same figures are in a table for screen readers.
 */
import type { Dashboard, Interval, Scale } from '../api/types.ts';
import { formatCount, formatMonth, formatScoreValue, formatShortDate, formatDate, plural } from '../lib/format.ts';
import { useWidth } from '../lib/use-width.ts';

type Trend = Dashboard['trend'];

const scaleDomain: Record<Scale, [number, number]> = { recommend_5: [1, 5], nps_10: [0, 10], csat_5: [1, 5], stars_5: [1, 5] };

function domainOf(kind: 'nps' | 'mean', scale: Scale): { min: number; max: number; ticks: number[] } {
  if (kind === 'nps') return { min: -100, max: 100, ticks: [-100, -50, 0, 50, 100] };
  const [min, max] = scaleDomain[scale];
  const step = max - min > 5 ? 2 : 1;
  const ticks: number[] = [];
  for (let t = min; t <= max; t += step) ticks.push(t);
  return { min, max, ticks };
}

export function periodLabel(start: string, interval: Interval): string {
  if (interval === 'month') return formatMonth(start);
  if (interval === 'week') return `Week of ${formatDate(start)}`;
  return formatDate(start);
}

function axisLabel(start: string, interval: Interval): string {
  return interval === 'month' ? formatMonth(start) : formatShortDate(start);
}

/** One sentence a screen reader says for the chart. */
export function summariseTrend(trend: Trend, interval: Interval, kind: 'nps' | 'mean'): string {
  const unit = interval === 'day' ? 'day' : interval;
  const scored = trend.filter((p) => p.score !== null);
  const total = trend.reduce((sum, p) => sum + p.responses, 0);
  const first = trend[0];
  const last = trend[trend.length - 1];
  if (!first || !last) return 'Score trend: no data for this period.';
  const span = `${periodLabel(first.start, interval)} to ${periodLabel(last.start, interval)}`;
  if (!scored.length) return `Score by ${unit}, ${span}: no scores yet; ${plural(total, 'response')} in all.`;
  const firstScore = scored[0]!.score!.value;
  const lastScore = scored[scored.length - 1]!.score!.value;
  const best = scored.reduce((a, b) => (b.score!.value > a.score!.value ? b : a));
  const worst = scored.reduce((a, b) => (b.score!.value < a.score!.value ? b : a));
  const direction = lastScore > firstScore ? 'rose' : lastScore < firstScore ? 'fell' : 'held';
  return (
    `Score by ${unit}, ${span}: ${direction} from ${formatScoreValue(firstScore, kind)} to ${formatScoreValue(lastScore, kind)}; ` +
    `highest ${formatScoreValue(best.score!.value, kind)} (${periodLabel(best.start, interval)}), lowest ${formatScoreValue(worst.score!.value, kind)} (${periodLabel(worst.start, interval)}); ` +
    `${plural(total, 'response')} in all.`
  );
}

export function TrendChart({ trend, interval, kind, scale }: { trend: Trend; interval: Interval; kind: 'nps' | 'mean'; scale: Scale }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const w = Math.max(width, 280);
  const margin = { left: 44, right: 12, top: 12 };
  const scoreHeight = 190;
  const gap = 34;
  const barHeight = 56;
  const height = margin.top + scoreHeight + gap + barHeight + 22;
  const innerW = w - margin.left - margin.right;
  const n = Math.max(trend.length, 1);
  const step = innerW / n;
  const x = (i: number) => margin.left + step * (i + 0.5);
  const domain = domainOf(kind, scale);
  const y = (v: number) => margin.top + scoreHeight - ((Math.min(Math.max(v, domain.min), domain.max) - domain.min) / (domain.max - domain.min)) * scoreHeight;
  const barTop = margin.top + scoreHeight + gap;
  const maxResponses = Math.max(1, ...trend.map((p) => p.responses));
  const barY = (v: number) => barTop + barHeight - (v / maxResponses) * barHeight;
  const barWidth = Math.max(2, Math.min(28, step * 0.7));

  // Runs of consecutive scored periods: lines and bands break where a period had no score.
  const runs: { i: number; value: number; low: number; high: number }[][] = [];
  let run: { i: number; value: number; low: number; high: number }[] = [];
  trend.forEach((p, i) => {
    if (p.score) run.push({ i, ...p.score });
    else if (run.length) {
      runs.push(run);
      run = [];
    }
  });
  if (run.length) runs.push(run);

  const labelEvery = Math.max(1, Math.ceil(n / Math.max(2, Math.floor(innerW / 72))));
  const summary = summariseTrend(trend, interval, kind);

  return (
    <figure className="chart">
      <div ref={ref} className="chart-frame">
        <svg role="img" aria-label={summary} width={w} height={height} viewBox={`0 0 ${w} ${height}`} className="chart-svg">
          {/* score gridlines and axis */}
          {domain.ticks.map((t) => (
            <g key={t}>
              <line x1={margin.left} x2={w - margin.right} y1={y(t)} y2={y(t)} className={t === 0 && kind === 'nps' ? 'grid grid-zero' : 'grid'} />
              <text x={margin.left - 8} y={y(t)} dy="0.32em" textAnchor="end" className="tick">
                {kind === 'nps' ? formatScoreValue(t, 'nps') : t}
              </text>
            </g>
          ))}
          {runs.map((r, k) =>
            r.length > 1 ? (
              <path
                key={`band-${k}`}
                className="band"
                d={`M${r.map((p) => `${x(p.i)},${y(p.high)}`).join('L')}L${[...r]
                  .reverse()
                  .map((p) => `${x(p.i)},${y(p.low)}`)
                  .join('L')}Z`}
              />
            ) : (
              <line key={`band-${k}`} className="whisker" x1={x(r[0]!.i)} x2={x(r[0]!.i)} y1={y(r[0]!.high)} y2={y(r[0]!.low)} />
            ),
          )}
          {runs.map((r, k) => (r.length > 1 ? <path key={`line-${k}`} className="line" d={`M${r.map((p) => `${x(p.i)},${y(p.value)}`).join('L')}`} /> : null))}
          {n <= 60 ? runs.flat().map((p) => <circle key={`dot-${p.i}`} className="dot" cx={x(p.i)} cy={y(p.value)} r={3} />) : null}
          {/* responses */}
          <text x={margin.left} y={barTop - 10} className="panel-label">
            Responses (most: {formatCount(maxResponses)})
          </text>
          <line x1={margin.left} x2={w - margin.right} y1={barTop + barHeight} y2={barTop + barHeight} className="axis" />
          {trend.map((p, i) =>
            p.responses > 0 ? <rect key={`bar-${p.start}`} className="bar" x={x(i) - barWidth / 2} y={barY(p.responses)} width={barWidth} height={barTop + barHeight - barY(p.responses)} rx={1.5} /> : null,
          )}
          {trend.map((p, i) =>
            i % labelEvery === 0 ? (
              <text key={`x-${p.start}`} x={x(i)} y={barTop + barHeight + 16} textAnchor="middle" className="tick">
                {axisLabel(p.start, interval)}
              </text>
            ) : null,
          )}
        </svg>
      </div>
      <figcaption className="chart-legend">
        <span className="legend-item">
          <span className="legend-line" aria-hidden="true" /> Score
        </span>
        <span className="legend-item">
          <span className="legend-band" aria-hidden="true" /> 95% interval
        </span>
        <span className="legend-item">
          <span className="legend-bar" aria-hidden="true" /> Responses
        </span>
      </figcaption>
      <div className="visually-hidden">
      <table>
        <caption>Score and responses by {interval}</caption>
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col">Score</th>
            <th scope="col">95% interval</th>
            <th scope="col">Responses</th>
          </tr>
        </thead>
        <tbody>
          {trend.map((p) => (
            <tr key={p.start}>
              <th scope="row">{periodLabel(p.start, interval)}</th>
              <td>{p.score ? formatScoreValue(p.score.value, kind) : 'no score'}</td>
              <td>{p.score ? `${formatScoreValue(p.score.low, kind)} to ${formatScoreValue(p.score.high, kind)}` : '–'}</td>
              <td>{formatCount(p.responses)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}
