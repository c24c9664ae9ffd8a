/**
 * Benchmarks: where the business stands among similar ones (same industry, optionally same
 * region): its percentile and the median and quartiles of their scores, or which rule hides
 * the comparison to keep other businesses' figures private.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/endpoints.ts';
import { insightsApi, type Benchmarks, type HiddenRule } from '../api/insights.ts';
import { SelectField } from '../components/forms.tsx';
import { Page } from '../components/page.tsx';
import { LoadError, Loading } from '../components/status.tsx';
import { todayIn } from '../lib/dates.ts';
import { formatCount, formatDate, formatScoreValue } from '../lib/format.ts';
import { useSession } from '../session.tsx';
import '../styles/insights.css';

const ruleNames: Record<HiddenRule, string> = {
  not_configured: 'Industry not chosen',
  too_few_clients: 'Too few businesses',
  too_few_responses: 'Too few responses',
  dominant_client: 'One business dominates',
  complement_too_small: 'Would single out businesses outside your region',
};

/** The periods offered: last month, the last whole quarter and the last whole year, in the business's calendar. */
function periodOptions(today: string): { value: string; name: string }[] {
  const [y = 1970, m = 1] = today.split('-').map(Number);
  const lastMonth = m === 1 ? { y: y - 1, m: 12 } : { y, m: m - 1 };
  const quarter = Math.floor((m - 1) / 3); // the current quarter, 0-based
  const lastQuarter = quarter === 0 ? { y: y - 1, q: 4 } : { y, q: quarter };
  const monthName = new Date(Date.UTC(lastMonth.y, lastMonth.m - 1, 1)).toLocaleDateString('en-NZ', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  return [
    { value: `${lastMonth.y}-${String(lastMonth.m).padStart(2, '0')}`, name: `Last month (${monthName})` },
    { value: `${lastQuarter.y}-Q${lastQuarter.q}`, name: `Last quarter (Q${lastQuarter.q} ${lastQuarter.y})` },
    { value: String(y - 1), name: `Last year (${y - 1})` },
  ];
}

function Figures({ data }: { data: Benchmarks }) {
  const kind = data.scoreKind;
  const f = data.figures;
  if (!f) return null;
  const score = (v: number) => (kind === 'nps' ? formatScoreValue(v, kind) : v.toFixed(2));
  return (
    <section className="card section" aria-labelledby="benchmark-figures">
      <h2 id="benchmark-figures">{data.cell === 'region' ? 'Your industry in your region' : 'Your industry'}</h2>
      <p>
        {f.percentile === null
          ? `Your business needs at least ${data.thresholds.minClientResponses} responses in the period for a percentile.`
          : `Your score is higher than ${f.percentile}% of the other businesses in this comparison.`}
      </p>
      <dl className="benchmark-figures">
        <div>
          <dt>Your {kind === 'nps' ? 'NPS' : 'score'}</dt>
          <dd>{data.own.score === null ? '–' : score(data.own.score)}</dd>
        </div>
        <div>
          <dt>Percentile</dt>
          <dd>{f.percentile === null ? '–' : f.percentile}</dd>
        </div>
        <div>
          <dt>Lower quartile</dt>
          <dd>{score(f.q1)}</dd>
        </div>
        <div>
          <dt>Median</dt>
          <dd>{score(f.median)}</dd>
        </div>
        <div>
          <dt>Upper quartile</dt>
          <dd>{score(f.q3)}</dd>
        </div>
      </dl>
      <p className="section-note">
        {f.otherClients} other businesses and about {formatCount(f.responses)} responses in the comparison. Each business counts once, by its {kind === 'nps' ? 'NPS' : 'mean score'}; the
        quartiles are of those business scores.
      </p>
    </section>
  );
}

export function BenchmarksPage() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const client = useQuery({ queryKey: ['client'], queryFn: api.clientSettings, staleTime: 5 * 60_000, retry: false });
  const options = periodOptions(todayIn(client.data?.timezone));
  const period = options.find((o) => o.value === params.get('period'))?.value ?? options[0]?.value ?? '';
  const cell = params.get('cell') === 'region' ? 'region' : 'industry';
  const benchmarks = useQuery({
    queryKey: ['benchmarks', period, cell],
    queryFn: ({ signal }) => insightsApi.benchmarks({ period, cell }, signal),
    placeholderData: keepPreviousData,
    enabled: Boolean(session.activeClientId) && !client.isPending,
  });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    next.set(key, value);
    setParams(next, { replace: true });
  };
  const data = benchmarks.data;
  return (
    <Page title="Benchmarks" intro="How your score compares with similar businesses on Hark, anonymously.">
      <form className="filters card filters-row" aria-label="Benchmark filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Period" value={period} onChange={(e) => set('period', e.target.value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.name}
            </option>
          ))}
        </SelectField>
        <SelectField label="Compare with" value={cell} onChange={(e) => set('cell', e.target.value)}>
          <option value="industry">My whole industry</option>
          <option value="region">My industry in my region</option>
        </SelectField>
      </form>
      {benchmarks.isPending && session.activeClientId ? <Loading label="Loading the benchmark…" /> : null}
      {benchmarks.error ? <LoadError error={benchmarks.error} what="The benchmark" retry={() => void benchmarks.refetch()} /> : null}
      {data ? (
        <>
          <p className="period-line">
            {formatDate(data.period.from)} to {formatDate(data.period.to)}
          </p>
          {data.hidden ? (
            <section className="card section" aria-labelledby="benchmark-hidden">
              <h2 id="benchmark-hidden">Comparison hidden: {ruleNames[data.hidden.rule]}</h2>
              <p>{data.hidden.message}</p>
              {data.hidden.rule === 'not_configured' && session.can('settings.manage') ? (
                <p>
                  <Link to="/settings/benchmarks">Choose your industry and region</Link>
                </p>
              ) : null}
              {data.own.score !== null ? (
                <p className="muted">
                  Your own {data.scoreKind === 'nps' ? 'NPS' : 'score'} in the period: {data.scoreKind === 'nps' ? formatScoreValue(data.own.score, 'nps') : data.own.score.toFixed(2)} on{' '}
                  {formatCount(data.own.responses)} responses.
                </p>
              ) : null}
            </section>
          ) : (
            <Figures data={data} />
          )}
          <p className="section-note">
            A comparison is shown only when at least {data.thresholds.minOtherClients} other businesses with at least {data.thresholds.minClientResponses} responses each contribute, with at least{' '}
            {data.thresholds.minCellResponses} responses in all, and no business gives more than half of them.
            {data.contributes ? ' Your business contributes its figures, anonymously.' : ' Your business does not contribute its figures.'}
          </p>
        </>
      ) : null}
    </Page>
  );
}
