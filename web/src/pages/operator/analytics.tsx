/**
 * Operator console → Website: the operator's own marketing site, per day (visitors, views,
 * time on page), its pages, sources, devices and browsers, and the beacons dropped and why.
 * Read from the daily summary rows; no client's data is here.
 */
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { analyticsApi, type WebsiteAnalytics } from '../../api/analytics.ts';
import { TextField } from '../../components/forms.tsx';
import { LoadError, Loading } from '../../components/status.tsx';
import { formatCount, formatShortDate } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const dropLabels: Record<string, string> = {
  do_not_track: 'Do Not Track or Global Privacy Control',
  bot: 'Bots and crawlers',
  no_user_agent: 'No user agent',
  invalid: 'Forged or invalid fields',
  too_large: 'Too large',
  unreadable: 'Unreadable',
  rate_limited: 'Too many from one address',
  overloaded: 'Database behind (dropped)',
};

function seconds(value: number | null): string {
  if (value === null) return '—';
  if (value < 60) return `${Math.round(value)} s`;
  return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

function ViewsChart({ days }: { days: WebsiteAnalytics['days'] }) {
  const max = Math.max(1, ...days.map((d) => d.views));
  const width = 600;
  const height = 120;
  const bar = width / Math.max(1, days.length);
  const total = days.reduce((n, d) => n + d.views, 0);
  const busiest = days.reduce<WebsiteAnalytics['days'][number] | null>((best, d) => (!best || d.views > best.views ? d : best), null);
  const label = busiest && total > 0 ? `Views per day: ${formatCount(total)} in all, most on ${formatShortDate(busiest.day)} (${formatCount(busiest.views)}).` : 'Views per day: none in this period.';
  return (
    <svg className="analytics-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} preserveAspectRatio="none" style={{ width: '100%', height: '8rem', display: 'block' }}>
      {days.map((d, i) => {
        const h = (d.views / max) * (height - 4);
        return <rect key={d.day} x={i * bar + 1} y={height - h} width={Math.max(1, bar - 2)} height={h} fill="#17456b" />;
      })}
    </svg>
  );
}

function Ranked<T extends { views: number }>({ caption, head, rows, name }: { caption: string; head: string; rows: T[]; name: (row: T) => string }) {
  return (
    <table className="table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col">Views</th>
        </tr>
      </thead>
      <tbody>
        {rows.length ? (
          rows.map((row) => (
            <tr key={name(row)}>
              <td>{name(row)}</td>
              <td>{formatCount(row.views)}</td>
            </tr>
          ))
        ) : (
          <tr>
            <td colSpan={2}>None in this period</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function OperatorAnalytics() {
  const [draft, setDraft] = useState({ from: '', to: '' });
  const [range, setRange] = useState({ from: '', to: '' });
  const report = useQuery({ queryKey: ['operator', 'analytics', range], queryFn: ({ signal }) => analyticsApi.website(range, signal) });
  function submit(event: FormEvent) {
    event.preventDefault();
    setRange(draft);
  }
  const data = report.data;
  return (
    <OperatorSection title="Website" intro="Visitors of this installation's public site, counted without cookies; days are UTC. Only operator staff see this.">
      <form onSubmit={submit} className="inline-form" aria-label="Period">
        <TextField label="From" type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        <TextField label="To" type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        <button type="submit" className="button button-small">
          Show
        </button>
      </form>
      {report.isPending ? <Loading /> : null}
      {report.error ? <LoadError error={report.error} what="The website figures" retry={() => void report.refetch()} /> : null}
      {data ? (
        <>
          <h3>
            {formatShortDate(data.from)} to {formatShortDate(data.to)}
          </h3>
          <dl className="analytics-totals">
            <div>
              <dt>Visitors</dt>
              <dd>{formatCount(data.totals.visitors)}</dd>
            </div>
            <div>
              <dt>Page views</dt>
              <dd>{formatCount(data.totals.views)}</dd>
            </div>
            <div>
              <dt>Average time on page</dt>
              <dd>{seconds(data.totals.averageSeconds)}</dd>
            </div>
            <div>
              <dt>Beacons dropped</dt>
              <dd>{formatCount(data.totals.dropped)}</dd>
            </div>
          </dl>
          <ViewsChart days={data.days} />
          <Ranked caption="Top pages" head="Page" rows={data.topPages} name={(r) => r.path} />
          <Ranked caption="Sources" head="Source" rows={data.sources} name={(r) => r.source} />
          <Ranked caption="Devices" head="Device" rows={data.devices} name={(r) => r.device} />
          <Ranked caption="Browsers" head="Browser" rows={data.browsers} name={(r) => r.browser} />
          <Ranked caption="Operating systems" head="Operating system" rows={data.operatingSystems} name={(r) => r.os} />
          <table className="table">
            <caption>Dropped beacons</caption>
            <thead>
              <tr>
                <th scope="col">Reason</th>
                <th scope="col">Count</th>
              </tr>
            </thead>
            <tbody>
              {data.dropped.length ? (
                data.dropped.map((d) => (
                  <tr key={d.reason}>
                    <td>{dropLabels[d.reason] ?? d.reason}</td>
                    <td>{formatCount(d.count)}</td>
                  </tr>
                ))
              ) : (
                <tr>
                  <td colSpan={2}>None in this period</td>
                </tr>
              )}
            </tbody>
          </table>
          <table className="table">
            <caption>Per day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Visitors</th>
                <th scope="col">Views</th>
                <th scope="col">Average time</th>
                <th scope="col">Dropped</th>
              </tr>
            </thead>
            <tbody>
              {[...data.days].reverse().map((d) => (
                <tr key={d.day}>
                  <td>{formatShortDate(d.day)}</td>
                  <td>{formatCount(d.visitors)}</td>
                  <td>{formatCount(d.views)}</td>
                  <td>{seconds(d.averageSeconds)}</td>
                  <td>{formatCount(Object.values(d.dropped).reduce((a, b) => a + b, 0))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </OperatorSection>
  );
}
