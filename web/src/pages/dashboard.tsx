/**
 * The dashboard: how the business is doing over a period — the score with its 95% interval,
 * how many answered and how, the trend, and each location and staff member, ranked by a
 * rule that is stated, not implied.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { isNotFound } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import { useLocations, useProgrammes, useSmsSettings } from '../api/queries.ts';
import type { Dashboard, Interval } from '../api/types.ts';
import { IntervalBar } from '../components/interval-bar.tsx';
import { ScoreChangeLine } from '../components/score-change-line.tsx';
import { LocationOptions } from '../components/location-options.tsx';
import { Page } from '../components/page.tsx';
import { Empty, LoadError, Loading } from '../components/status.tsx';
import { TrendChart } from '../components/trend-chart.tsx';
import { ThemeTrendsPanel } from '../components/theme-trends-panel.tsx';
import { defaultInterval, isIsoDay, isPeriodPreset, periodNames, presetRange, todayIn, type PeriodPreset } from '../lib/dates.ts';
import { channelNames, formatCount, formatDate, formatInterval, formatPercent, formatScoreValue, keys, plural, scaleMax } from '../lib/format.ts';
import { formatMinutes, formatShare } from '../lib/cases.ts';
import { useSession } from '../session.tsx';

const intervalNames: Record<Interval, string> = { day: 'Day', week: 'Week', month: 'Month' };

interface DashboardView {
  preset: PeriodPreset;
  from: string;
  to: string;
  locationId: string;
  programmeId: string;
  interval: Interval;
  intervalChosen: boolean;
}

function readView(params: URLSearchParams, today: string): DashboardView {
  const rawPeriod = params.get('period');
  let preset: PeriodPreset = isPeriodPreset(rawPeriod) ? rawPeriod : '30d';
  let range = preset === 'custom' ? null : presetRange(preset, today);
  if (preset === 'custom') {
    const from = params.get('from');
    const to = params.get('to');
    if (isIsoDay(from) && isIsoDay(to) && from <= to) range = { from, to };
    else {
      preset = '30d';
      range = presetRange('30d', today);
    }
  }
  const { from, to } = range ?? presetRange('30d', today);
  const rawInterval = params.get('interval');
  const intervalChosen = rawInterval === 'day' || rawInterval === 'week' || rawInterval === 'month';
  return { preset, from, to, locationId: params.get('location') ?? '', programmeId: params.get('programme') ?? '', interval: intervalChosen ? (rawInterval as Interval) : defaultInterval(from, to), intervalChosen };
}

function writeView(view: Partial<DashboardView> & { preset: PeriodPreset }, current: URLSearchParams): URLSearchParams {
  const next = new URLSearchParams(current);
  next.set('period', view.preset);
  if (view.preset === 'custom' && view.from && view.to) {
    next.set('from', view.from);
    next.set('to', view.to);
  } else {
    next.delete('from');
    next.delete('to');
  }
  return next;
}

function scoreTitle(data: Dashboard): string {
  return data.scoreKind === 'nps' ? 'Net Promoter Score' : 'Average score';
}

function ScoreCard({ data, locationId }: { data: Dashboard; locationId: string }) {
  const kind = data.scoreKind;
  return (
    <section className="card stat stat-main" aria-labelledby="stat-score">
      <h2 id="stat-score" className="stat-title">
        {scoreTitle(data)}
      </h2>
      {data.score ? (
        <>
          <p className="stat-value">
            {formatScoreValue(data.score.value, kind)}
            {kind === 'mean' ? <span className="stat-unit"> out of {scaleMax[data.scale]}</span> : null}
          </p>
          <p className="stat-detail">
            95% interval {formatInterval(data.score, kind)}
          </p>
          <IntervalBar estimate={data.score} kind={kind} scale={data.scale} />
          <ScoreChangeLine period={data.period} programmeId={data.programme.id} locationId={locationId} />
          <p className="stat-note">
            {kind === 'nps'
              ? 'Promoters (9–10) minus detractors (0–6), as a share of all responses.'
              : 'The mean of all scores.'}{' '}
            The true figure lies in the interval with 95% confidence; it narrows as more customers answer.
          </p>
        </>
      ) : (
        <p className="stat-empty">No scores in this period.</p>
      )}
    </section>
  );
}

function ResponsesCard({ data }: { data: Dashboard }) {
  const total = data.textVsOnline.text + data.textVsOnline.online;
  const textShare = total ? data.textVsOnline.text / total : 0;
  return (
    <section className="card stat" aria-labelledby="stat-responses">
      <h2 id="stat-responses" className="stat-title">
        Responses
      </h2>
      <p className="stat-value">{formatCount(data.responses)}</p>
      <p className="stat-detail">
        {formatCount(data.textVsOnline.text)} by text message · {formatCount(data.textVsOnline.online)} online
      </p>
      {total ? (
        <div className="split-bar" aria-hidden="true">
          <span className="split-a" style={{ width: `${textShare * 100}%` }} />
          <span className="split-b" style={{ width: `${(1 - textShare) * 100}%` }} />
        </div>
      ) : null}
      {data.channels.length ? (
        <ul className="channel-list">
          {data.channels
            .filter((c) => c.responses > 0)
            .sort((a, b) => b.responses - a.responses)
            .map((c) => (
              <li key={c.channel}>
                <span>{channelNames[c.channel]}</span>
                <span className="num">{formatCount(c.responses)}</span>
              </li>
            ))}
        </ul>
      ) : null}
    </section>
  );
}

/** 5-point scales: the share of the top two scores ("top-two box"). */
function TopBoxCard({ data }: { data: Dashboard }) {
  return (
    <section className="card stat" aria-labelledby="stat-topbox">
      <h2 id="stat-topbox" className="stat-title">
        Top scores (4–5)
      </h2>
      {data.topBox ? (
        <>
          <p className="stat-value">{formatPercent(data.topBox.value)}</p>
          <p className="stat-detail">
            95% interval {formatPercent(data.topBox.low)} to {formatPercent(data.topBox.high)}
          </p>
          <p className="stat-note">Share of responses scoring 4 or 5 out of 5.</p>
        </>
      ) : (
        <p className="stat-empty">No scores in this period.</p>
      )}
    </section>
  );
}

/**
 * Texts sent and received over the same period: what the business's SMS costs, in the
 * segments providers charge by. The count covers every location the viewer can see.
 */
function TextsCard({ from, to, locationId }: { from: string; to: string; locationId: string }) {
  const usage = useQuery({
    queryKey: ['sms-usage', from, to, locationId],
    queryFn: ({ signal }) => api.smsUsage(from, to, locationId, signal),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const settings = useSmsSettings();
  const data = usage.data;
  // A business that does not text at all is not shown a card of zeros.
  const idle = data && settings.data && !settings.data.number && data.sent.messages + data.received.messages + data.failed + data.blocked + data.waiting === 0;
  if (idle) return null;
  return (
    <section className="card stat" aria-labelledby="stat-texts">
      <h2 id="stat-texts" className="stat-title">
        Texts
      </h2>
      {usage.isPending ? <Loading label="Loading the texts…" /> : null}
      {usage.error ? <p className="stat-empty">{isNotFound(usage.error) ? 'Not available on this Hark.' : 'The texts could not be counted.'}</p> : null}
      {data ? (
        <>
          <p className="stat-value">
            {formatCount(data.sent.messages)}
            <span className="stat-unit"> sent</span>
          </p>
          <p className="stat-detail">
            {plural(data.sent.segments, 'segment')} sent · {formatCount(data.received.messages)} received ({plural(data.received.segments, 'segment')})
          </p>
          <ul className="channel-list">
            <li>
              <span>Failed</span>
              <span className="num">{formatCount(data.failed)}</span>
            </li>
            <li>
              <span>Blocked (opted out)</span>
              <span className="num">{formatCount(data.blocked)}</span>
            </li>
            {data.waiting ? (
              <li>
                <span>Waiting to send</span>
                <span className="num">{formatCount(data.waiting)}</span>
              </li>
            ) : null}
          </ul>
          <p className="stat-note">Providers charge by the segment: 160 plain characters, or 70 with characters such as emoji.</p>
        </>
      ) : null}
    </section>
  );
}

/**
 * Closing the loop over the same period: cases open and overdue now, and the recovery rate
 * (customers who said a resolved case was fixed). The figures cover every location the
 * viewer can see, or the location chosen and those below it.
 */
function CasesCard({ from, to, locationId }: { from: string; to: string; locationId: string }) {
  const summary = useQuery({
    queryKey: ['cases', 'summary', from, to, locationId],
    queryFn: ({ signal }) => api.caseSummary(from, to, locationId, signal),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const data = summary.data;
  return (
    <section className="card stat" aria-labelledby="stat-cases">
      <h2 id="stat-cases" className="stat-title">
        Cases
      </h2>
      {summary.isPending ? <Loading label="Loading the cases…" /> : null}
      {summary.error ? <p className="stat-empty">{isNotFound(summary.error) ? 'Not available on this Hark.' : 'The cases could not be counted.'}</p> : null}
      {data ? (
        <>
          <p className="stat-value">
            {formatCount(data.open)}
            <span className="stat-unit"> open</span>
          </p>
          <p className="stat-detail">{data.overdue ? <span className="pill pill-attention">{formatCount(data.overdue)} overdue</span> : 'None overdue'}</p>
          <ul className="channel-list">
            <li>
              <span>Recovery rate</span>
              <span className="num">{formatShare(data.recoveryRate)}</span>
            </li>
            <li>
              <span>Resolved within the service level</span>
              <span className="num">{formatShare(data.resolvedWithinServiceLevel)}</span>
            </li>
            <li>
              <span>Median time to first response</span>
              <span className="num">{data.medianMinutesToFirstResponse === null ? '–' : formatMinutes(data.medianMinutesToFirstResponse)}</span>
            </li>
          </ul>
          <p className="stat-note">
            Recovery rate: customers who said “yes, it is fixed”, of {plural(data.followUpsAnswered, 'answer')} in the period.{' '}
            <Link to="/cases">See the cases</Link>
          </p>
        </>
      ) : null}
    </section>
  );
}

function EstimateCells({ estimate, data }: { estimate: Dashboard['score']; data: Dashboard }) {
  if (!estimate) {
    return (
      <>
        <td className="num">–</td>
        <td>
          <span className="muted">no responses</span>
        </td>
      </>
    );
  }
  return (
    <>
      <td className="num strong">{formatScoreValue(estimate.value, data.scoreKind)}</td>
      <td className="interval-cell">
        <IntervalBar estimate={estimate} kind={data.scoreKind} scale={data.scale} />
        <span>{formatInterval(estimate, data.scoreKind)}</span>
      </td>
    </>
  );
}

function RankingTables({ data }: { data: Dashboard }) {
  return (
    <>
      <section className="card section" aria-labelledby="locations-heading">
        <h2 id="locations-heading">Locations</h2>
        <p className="section-note">{data.ranking}</p>
        {data.locations.length ? (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Location</th>
                  <th scope="col" className="num">
                    {data.scoreKind === 'nps' ? 'NPS' : 'Score'}
                  </th>
                  <th scope="col">95% interval</th>
                  <th scope="col" className="num">
                    Responses
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.locations.map((l) => (
                  <tr key={l.id}>
                    <th scope="row">
                      <Link to={`/inbox?location=${encodeURIComponent(l.id)}&from=${data.period.from}&to=${data.period.to}`}>{l.name}</Link>
                    </th>
                    <EstimateCells estimate={l.score} data={data} />
                    <td className="num">{formatCount(l.responses)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No locations have feedback in this period.</p>
        )}
      </section>
      <section className="card section" aria-labelledby="staff-heading">
        <h2 id="staff-heading">Staff and other sub-measures</h2>
        <p className="section-note">Ranked the same way as the locations.</p>
        {data.subMeasures.length ? (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Location</th>
                  <th scope="col" className="num">
                    {data.scoreKind === 'nps' ? 'NPS' : 'Score'}
                  </th>
                  <th scope="col">95% interval</th>
                  <th scope="col" className="num">
                    Responses
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.subMeasures.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">
                      <Link to={`/inbox?location=${encodeURIComponent(s.locationId)}&subMeasure=${encodeURIComponent(s.id)}&from=${data.period.from}&to=${data.period.to}`}>{s.name}</Link>
                    </th>
                    <td>{s.locationName}</td>
                    <EstimateCells estimate={s.score} data={data} />
                    <td className="num">{formatCount(s.responses)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No staff or sub-measures have feedback in this period.</p>
        )}
      </section>
    </>
  );
}

function Filters({ view, onChange }: { view: DashboardView; onChange: (params: URLSearchParams) => void }) {
  const [params] = useSearchParams();
  const locations = useLocations();
  const programmes = useProgrammes();
  const [from, setFrom] = useState(view.from);
  const [to, setTo] = useState(view.to);
  const [dateError, setDateError] = useState<string | null>(null);
  const ids = { period: useId(), location: useId(), interval: useId(), from: useId(), to: useId(), error: useId(), programme: useId() };

  function setPeriod(preset: PeriodPreset) {
    if (preset === 'custom') {
      onChange(writeView({ preset, from: view.from, to: view.to }, params));
      setFrom(view.from);
      setTo(view.to);
      return;
    }
    onChange(writeView({ preset }, params));
  }

  function applyDates(event: FormEvent) {
    event.preventDefault();
    if (!isIsoDay(from) || !isIsoDay(to)) return setDateError('Enter both dates.');
    if (from > to) return setDateError('The start date must be on or before the end date.');
    setDateError(null);
    onChange(writeView({ preset: 'custom', from, to }, params));
  }

  function setParam(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    onChange(next);
  }

  return (
    <form className="toolbar card" onSubmit={applyDates} aria-label="What to show">
      <div className="field">
        <label className="field-label" htmlFor={ids.period}>
          Period
        </label>
        <select id={ids.period} value={view.preset} onChange={(e) => setPeriod(e.target.value as PeriodPreset)}>
          {keys(periodNames).map((p) => (
            <option key={p} value={p}>
              {periodNames[p]}
            </option>
          ))}
        </select>
      </div>
      {view.preset === 'custom' ? (
        <>
          <div className="field">
            <label className="field-label" htmlFor={ids.from}>
              From
            </label>
            <input id={ids.from} type="date" value={from} max={to || undefined} onChange={(e) => setFrom(e.target.value)} aria-invalid={dateError ? true : undefined} aria-describedby={dateError ? ids.error : undefined} />
          </div>
          <div className="field">
            <label className="field-label" htmlFor={ids.to}>
              To
            </label>
            <input id={ids.to} type="date" value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} aria-invalid={dateError ? true : undefined} aria-describedby={dateError ? ids.error : undefined} />
          </div>
          <div className="field field-button">
            <button type="submit" className="button button-secondary">
              Show
            </button>
          </div>
        </>
      ) : null}
      {programmes.data && programmes.data.length > 1 ? (
        <div className="field">
          <label className="field-label" htmlFor={ids.programme}>
            Programme
          </label>
          <select id={ids.programme} value={view.programmeId} onChange={(e) => setParam('programme', e.target.value)}>
            <option value="">Main programme</option>
            {programmes.data.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div className="field">
        <label className="field-label" htmlFor={ids.location}>
          Location
        </label>
        <select id={ids.location} value={view.locationId} onChange={(e) => setParam('location', e.target.value)}>
          <option value="">All locations</option>
          {locations.data ? <LocationOptions locations={locations.data} /> : null}
        </select>
      </div>
      <div className="field">
        <label className="field-label" htmlFor={ids.interval}>
          Group by
        </label>
        <select id={ids.interval} value={view.intervalChosen ? view.interval : ''} onChange={(e) => setParam('interval', e.target.value)}>
          <option value="">Automatic ({intervalNames[defaultInterval(view.from, view.to)].toLowerCase()})</option>
          {keys(intervalNames).map((i) => (
            <option key={i} value={i}>
              {intervalNames[i]}
            </option>
          ))}
        </select>
      </div>
      {dateError ? (
        <p className="field-error toolbar-error" id={ids.error} role="alert">
          {dateError}
        </p>
      ) : null}
    </form>
  );
}

export function DashboardPage() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  // Periods follow the business's calendar: wait for its time zone (a failure falls back to the browser's).
  const client = useQuery({ queryKey: ['client'], queryFn: api.clientSettings, staleTime: 5 * 60_000, retry: false });
  const view = readView(params, todayIn(client.data?.timezone));
  const query = { from: view.from, to: view.to, interval: view.interval, ...(view.locationId ? { locationId: view.locationId } : {}), ...(view.programmeId ? { programmeId: view.programmeId } : {}) };
  const dashboard = useQuery({
    queryKey: ['dashboard', query],
    queryFn: ({ signal }) => api.dashboard(query, signal),
    placeholderData: keepPreviousData,
    enabled: Boolean(session.activeClientId) && !client.isPending,
  });
  const data = dashboard.data;

  return (
    <Page title="Dashboard" documentTitle={`Dashboard · ${session.activeMembership?.clientName ?? ''}`}>
      <Filters key={`${view.preset}-${view.from}-${view.to}`} view={view} onChange={(next) => setParams(next, { replace: true })} />
      <p className="visually-hidden" role="status">
        {dashboard.isFetching ? 'Loading the dashboard…' : data ? `Showing ${formatDate(data.period.from)} to ${formatDate(data.period.to)}: ${plural(data.responses, 'response')}.` : ''}
      </p>
      {(dashboard.isPending || client.isPending) && session.activeClientId ? <Loading label="Loading the dashboard…" /> : null}
      {dashboard.error ? <LoadError error={dashboard.error} what="The dashboard" retry={() => void dashboard.refetch()} /> : null}
      {data ? (
        <div className={dashboard.isPlaceholderData ? 'dashboard is-stale' : 'dashboard'} aria-busy={dashboard.isFetching}>
          <p className="period-line">
            {formatDate(data.period.from)} to {formatDate(data.period.to)}
          </p>
          {data.responses === 0 ? (
            <>
              <Empty title="No feedback in this period">
                <p>Try a longer period or another location. Customers can give feedback by the links and QR codes in Settings → Locations.</p>
              </Empty>
              <div className="stat-grid">
                <CasesCard from={data.period.from} to={data.period.to} locationId={view.locationId} />
                <TextsCard from={data.period.from} to={data.period.to} locationId={view.locationId} />
              </div>
            </>
          ) : (
            <>
              <div className="stat-grid">
                <ScoreCard data={data} locationId={view.locationId} />
                {data.scoreKind === 'mean' ? <TopBoxCard data={data} /> : null}
                <ResponsesCard data={data} />
                <CasesCard from={data.period.from} to={data.period.to} locationId={view.locationId} />
                <TextsCard from={data.period.from} to={data.period.to} locationId={view.locationId} />
              </div>
              <section className="card section" aria-labelledby="trend-heading">
                <h2 id="trend-heading">Trend</h2>
                <TrendChart trend={data.trend} interval={data.interval} kind={data.scoreKind} scale={data.scale} />
              </section>
              <RankingTables data={data} />
              <ThemeTrendsPanel from={data.period.from} to={data.period.to} locationId={view.locationId} interval={data.interval} />
            </>
          )}
        </div>
      ) : null}
    </Page>
  );
}
