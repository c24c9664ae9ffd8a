/** The dashboard's themes panel: each theme's comments in the period, their average sentiment and score, and a small bar per interval. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { commentsApi, formatSentiment, sentimentBandOf } from '../api/comments.ts';
import { formatShortDate, plural } from '../lib/format.ts';
import '../styles/comments.css';
import { LoadError } from './status.tsx';

export function ThemeTrendsPanel({ from, to, locationId, interval }: { from: string; to: string; locationId?: string | undefined; interval: 'day' | 'week' | 'month' }) {
  const query = { from, to, locationId, interval };
  const trend = useQuery({
    queryKey: ['comments', 'theme-trends', query],
    queryFn: ({ signal }) => commentsApi.themeTrends(query, signal),
    placeholderData: keepPreviousData,
  });
  const data = trend.data;
  return (
    <section className="card section" aria-labelledby="themes-heading">
      <h2 id="themes-heading">Themes</h2>
      {trend.error ? <LoadError error={trend.error} what="The themes" retry={() => void trend.refetch()} /> : null}
      {data ? (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Themes in comments">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Theme</th>
                <th scope="col" className="num">
                  Comments
                </th>
                <th scope="col" className="num">
                  Average sentiment
                </th>
                <th scope="col" className="num">
                  Average score
                </th>
                <th scope="col">Comments per {data.interval}</th>
              </tr>
            </thead>
            <tbody>
              {data.themes.map((t) => {
                const max = Math.max(1, ...t.points.map((p) => p.comments));
                return (
                  <tr key={t.id}>
                    <th scope="row">
                      <Link to={`/inbox?theme=${t.id}`}>{t.name}</Link>
                    </th>
                    <td className="num">{t.total.comments}</td>
                    <td className="num">
                      {t.total.averageSentiment === null ? '–' : `${formatSentiment(t.total.averageSentiment)} (${sentimentBandOf(t.total.averageSentiment).name.toLowerCase()})`}
                    </td>
                    <td className="num">{t.total.averageRatingPercent === null ? '–' : `${Math.round(t.total.averageRatingPercent)}%`}</td>
                    <td>
                      {t.points.length ? (
                        <>
                          <span className="theme-bars" aria-hidden="true">
                            {t.points.map((p) => (
                              <span key={p.period} style={{ height: `${Math.round((100 * p.comments) / max)}%` }} title={`${formatShortDate(p.period)}: ${p.comments}`} />
                            ))}
                          </span>
                          <span className="visually-hidden">{t.points.map((p) => `${formatShortDate(p.period)}: ${plural(p.comments, 'comment')}`).join('; ')}</span>
                        </>
                      ) : (
                        <span className="muted">None</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="section-note">
        Sentiment runs from −1 (negative) to +1 (positive). <Link to="/comments">See the words customers use</Link>.
      </p>
    </section>
  );
}
