/**
 * Rankings: locations and staff ranked by a figure a few lucky answers cannot win (the score
 * shrunk towards the table's mean, or the lower end of its interval), each row with its raw
 * score, interval, count and change since the previous period, and the rule stated.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../api/endpoints.ts';
import { insightsApi, type Rankings, type RankingRule } from '../api/insights.ts';
import { ChangeMark } from '../components/change-mark.tsx';
import { SelectField } from '../components/forms.tsx';
import { IntervalBar } from '../components/interval-bar.tsx';
import { Page } from '../components/page.tsx';
import { LoadError, Loading } from '../components/status.tsx';
import { periodNames, presetRange, todayIn, type PeriodPreset } from '../lib/dates.ts';
import { formatCount, formatDate, formatInterval, formatScoreValue } from '../lib/format.ts';
import { useSession } from '../session.tsx';

type Preset = Exclude<PeriodPreset, 'custom'>;
const presets: Preset[] = ['7d', '30d', '90d', 'year'];
const ruleNames: Record<RankingRule, string> = { shrunk: 'Score shrunk towards the mean (empirical Bayes)', lower_bound: 'Lower end of the 95% interval' };

function RankingTable({ data, title, headingId }: { data: Rankings; title: string; headingId: string }) {
  const kind = data.scoreKind;
  const staff = data.by === 'staff';
  return (
    <section className="card section" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      <p className="section-note">{data.ranking}</p>
      {data.rows.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table className="table">
            <thead>
              <tr>
                <th scope="col" className="num">
                  Rank
                </th>
                <th scope="col">{staff ? 'Name' : 'Location'}</th>
                {staff ? <th scope="col">Location</th> : null}
                <th scope="col" className="num">
                  {kind === 'nps' ? 'NPS' : 'Score'}
                </th>
                <th scope="col">95% interval</th>
                <th scope="col" className="num">
                  Responses
                </th>
                <th scope="col" className="num">
                  {data.rule === 'shrunk' ? 'Ranked on' : 'Shrunk score'}
                </th>
                <th scope="col">Since previous period</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((row) => (
                <tr key={row.id}>
                  <td className="num">{row.rank ?? '–'}</td>
                  <th scope="row">{row.name}</th>
                  {staff ? <td>{row.locationName}</td> : null}
                  <td className="num">{row.score ? formatScoreValue(row.score.value, kind) : '–'}</td>
                  <td>
                    {row.score ? (
                      <span className="interval-cell">
                        <IntervalBar estimate={row.score} kind={kind} scale={data.scale} />
                        <span>{formatInterval(row.score, kind)}</span>
                      </span>
                    ) : (
                      <span className="muted">No responses</span>
                    )}
                  </td>
                  <td className="num">{formatCount(row.responses)}</td>
                  <td className="num">{row.shrunk === null ? '–' : kind === 'nps' ? formatScoreValue(row.shrunk, kind) : row.shrunk.toFixed(2)}</td>
                  <td>
                    <ChangeMark change={row.change} kind={kind} compact />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">Nothing to rank in this period.</p>
      )}
    </section>
  );
}

export function RankingsPage() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const client = useQuery({ queryKey: ['client'], queryFn: api.clientSettings, staleTime: 5 * 60_000, retry: false });
  const rawPreset = params.get('period');
  const preset: Preset = presets.find((p) => p === rawPreset) ?? '30d';
  const rule: RankingRule = params.get('rule') === 'lower_bound' ? 'lower_bound' : 'shrunk';
  const { from, to } = presetRange(preset, todayIn(client.data?.timezone));
  const enabled = Boolean(session.activeClientId) && !client.isPending;
  const locations = useQuery({
    queryKey: ['rankings', 'location', from, to, rule],
    queryFn: ({ signal }) => insightsApi.rankings({ by: 'location', from, to, rule }, signal),
    placeholderData: keepPreviousData,
    enabled,
  });
  const staff = useQuery({
    queryKey: ['rankings', 'staff', from, to, rule],
    queryFn: ({ signal }) => insightsApi.rankings({ by: 'staff', from, to, rule }, signal),
    placeholderData: keepPreviousData,
    enabled,
  });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next, { replace: true });
  };
  const data = locations.data;
  return (
    <Page title="Rankings" intro="Locations and staff ranked fairly: a handful of lucky answers cannot top a table.">
      <form className="filters card filters-row" aria-label="Rankings filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Period" value={preset} onChange={(e) => set('period', e.target.value)}>
          {presets.map((p) => (
            <option key={p} value={p}>
              {periodNames[p]}
            </option>
          ))}
        </SelectField>
        <SelectField label="Rank by" value={rule} onChange={(e) => set('rule', e.target.value)}>
          {(Object.keys(ruleNames) as RankingRule[]).map((r) => (
            <option key={r} value={r}>
              {ruleNames[r]}
            </option>
          ))}
        </SelectField>
      </form>
      {locations.isPending || staff.isPending ? <Loading label="Loading the rankings…" /> : null}
      {locations.error ? <LoadError error={locations.error} what="The location ranking" retry={() => void locations.refetch()} /> : null}
      {staff.error ? <LoadError error={staff.error} what="The staff ranking" retry={() => void staff.refetch()} /> : null}
      {data ? (
        <p className="period-line">
          {formatDate(data.period.from)} to {formatDate(data.period.to)}, compared with {formatDate(data.previousPeriod.from)} to {formatDate(data.previousPeriod.to)}
        </p>
      ) : null}
      {data ? <RankingTable data={data} title="Locations" headingId="ranking-locations" /> : null}
      {staff.data ? <RankingTable data={staff.data} title="Staff and other sub-measures" headingId="ranking-staff" /> : null}
      {data ? (
        <p className="section-note">
          <strong>Significance:</strong> {data.changeTest}
        </p>
      ) : null}
    </Page>
  );
}
