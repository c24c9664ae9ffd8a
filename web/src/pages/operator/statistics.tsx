/**
 * Operator console → Statistics: anonymised statistics for third parties. Lists the releases
 * with the epsilon each spent and the budget left, makes a release (period, grouping,
 * epsilon) and downloads one as it was made.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { statisticsApi, type StatisticsDimension } from '../../api/statistics.ts';
import { FormMessage, TextField } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const dimensionNames: Record<StatisticsDimension, string> = { industry: 'Industry', region: 'Region', month: 'Month' };
const allDimensions: StatisticsDimension[] = ['industry', 'region', 'month'];

function NewRelease({ remaining }: { remaining: number }) {
  const queryClient = useQueryClient();
  const [period, setPeriod] = useState('');
  const [by, setBy] = useState<StatisticsDimension[]>(['industry', 'region']);
  const [epsilon, setEpsilon] = useState('0.5');
  const [done, setDone] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => statisticsApi.create({ period: period.trim(), by, epsilon: Number(epsilon) }),
    onSuccess: (result) => {
      setDone(`Release made: ${result.release.method.cells.published} of ${result.release.method.cells.total} cells published; ${result.budget.remaining} of the budget left.`);
      void queryClient.invalidateQueries({ queryKey: ['operator', 'statistics-releases'] });
    },
    onMutate: () => setDone(null),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }
  const toggle = (d: StatisticsDimension) => setBy((current) => (current.includes(d) ? current.filter((x) => x !== d) : allDimensions.filter((x) => x === d || current.includes(x))));
  return (
    <form className="stack" onSubmit={submit} noValidate aria-labelledby="new-release-heading">
      <h3 id="new-release-heading">Make a release</h3>
      <TextField label="Period" hint="Whole past months: 2025-03, 2025-Q1, 2025, or a range such as 2024-07..2025-03." value={period} onChange={(e) => setPeriod(e.target.value)} required />
      <fieldset className="field">
        <legend>Cells by</legend>
        {allDimensions.map((d) => (
          <div className="checkbox" key={d}>
            <input type="checkbox" id={`release-by-${d}`} checked={by.includes(d)} onChange={() => toggle(d)} />
            <label htmlFor={`release-by-${d}`}>{dimensionNames[d]}</label>
          </div>
        ))}
      </fieldset>
      <TextField label="Epsilon" hint={`Privacy budget this release spends; ${remaining} remains. Smaller means more noise.`} inputMode="decimal" value={epsilon} onChange={(e) => setEpsilon(e.target.value)} required />
      <div className="form-actions">
        <button type="submit" className="button" disabled={create.isPending}>
          Make release
        </button>
      </div>
      <FormMessage error={create.error ? errorMessage(create.error) : null} success={done} />
    </form>
  );
}

export function OperatorStatistics() {
  const list = useQuery({ queryKey: ['operator', 'statistics-releases'], queryFn: statisticsApi.list });
  return (
    <OperatorSection
      title="Statistics"
      intro="Anonymised figures for third parties, by industry, region and month, from clients that contribute: small cells and their complements are hidden, and Laplace noise protects each client. Every release spends part of the privacy budget."
    >
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <LoadError error={list.error} what="The statistics releases" retry={() => void list.refetch()} />
      ) : (
        <div className="stack">
          <p>
            Privacy budget: <strong>{list.data.budget.spent}</strong> of {list.data.budget.total} spent over {list.data.budget.releases} release
            {list.data.budget.releases === 1 ? '' : 's'}; <strong>{list.data.budget.remaining} remaining</strong>.
          </p>
          <NewRelease remaining={list.data.budget.remaining} />
          <h3>Releases</h3>
          {list.data.releases.length === 0 ? (
            <Empty title="No releases yet">Releases you make here or with hark stats export appear here.</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">Statistics releases, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Made</th>
                    <th scope="col">Period</th>
                    <th scope="col">Cells by</th>
                    <th scope="col">Epsilon</th>
                    <th scope="col">Published cells</th>
                    <th scope="col">Download</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.releases.map((r) => (
                    <tr key={r.id}>
                      <td>
                        {formatDateTime(r.createdAt)} ({r.via === 'cli' ? 'CLI' : 'console'})
                      </td>
                      <td>{r.period.label}</td>
                      <td>{r.by.map((d) => dimensionNames[d]).join(', ')}</td>
                      <td>{r.epsilon}</td>
                      <td>
                        {r.method.cells.published} of {r.method.cells.total}
                      </td>
                      <td>
                        <a href={statisticsApi.downloadUrl(r.id, 'csv')} download aria-label={`Download the ${r.period.label} release as CSV`}>
                          CSV
                        </a>{' '}
                        <a href={statisticsApi.downloadUrl(r.id, 'json')} download aria-label={`Download the ${r.period.label} release as JSON`}>
                          JSON
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </OperatorSection>
  );
}
