/**
 * The figures of closing the loop (GET /cases/summary): open and overdue cases now, and for
 * the period the median time to a first response, the share resolved within the service
 * level and the recovery rate, each with what it is out of.
 */
import type { CaseSummary } from '../api/types.ts';
import { formatMinutes, formatShare } from '../lib/cases.ts';
import { formatCount, plural } from '../lib/format.ts';

export function CaseFigures({ summary }: { summary: CaseSummary }) {
  return (
    <dl className="figures">
      <div>
        <dt>Open now</dt>
        <dd className="figure-value">{formatCount(summary.open)}</dd>
      </div>
      <div className={summary.overdue ? 'figure-alarm' : undefined}>
        <dt>Overdue now</dt>
        <dd className="figure-value">{formatCount(summary.overdue)}</dd>
      </div>
      <div>
        <dt>Median time to first response</dt>
        <dd className="figure-value">{summary.medianMinutesToFirstResponse === null ? '–' : formatMinutes(summary.medianMinutesToFirstResponse)}</dd>
        <dd className="figure-note">Of {plural(summary.opened, 'case')} opened in the period.</dd>
      </div>
      <div>
        <dt>Resolved within the service level</dt>
        <dd className="figure-value">{formatShare(summary.resolvedWithinServiceLevel)}</dd>
        <dd className="figure-note">Of {plural(summary.resolved, 'case')} resolved in the period.</dd>
      </div>
      <div>
        <dt>Recovery rate</dt>
        <dd className="figure-value">{formatShare(summary.recoveryRate)}</dd>
        <dd className="figure-note">Customers who said “yes, it is fixed”, of {plural(summary.followUpsAnswered, 'answer')} to “did we fix it?”.</dd>
      </div>
    </dl>
  );
}
