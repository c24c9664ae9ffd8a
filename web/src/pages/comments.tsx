/**
 * Comments: the words and two-word phrases customers used in the period, sized by how many
 * comments use them and coloured by those comments' average sentiment; choosing one lists
 * its comments. The same words are offered as a table, and every word says its figures to
 * screen readers, so nothing depends on size or colour alone.
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/endpoints.ts';
import { commentsApi, formatSentiment, sentimentBandOf, sentimentBands, type Cloud, type CloudTerm, type CommentItem } from '../api/comments.ts';
import { useLocations } from '../api/queries.ts';
import { SelectField } from '../components/forms.tsx';
import { LocationOptions } from '../components/location-options.tsx';
import { Page } from '../components/page.tsx';
import { Empty, LoadError, Loading } from '../components/status.tsx';
import { periodNames, presetRange, todayIn, type PeriodPreset } from '../lib/dates.ts';
import { formatDate, formatDateTime, plural } from '../lib/format.ts';
import { useClientTimeZone } from '../lib/use-client-time-zone.ts';
import { useSession } from '../session.tsx';
import '../styles/comments.css';

type Preset = Exclude<PeriodPreset, 'custom'>;
const presets: Preset[] = ['7d', '30d', '90d', 'year'];

const sentimentWords = { positive: 'Positive', neutral: 'Neutral', negative: 'Negative' } as const;

function describeTerm(t: CloudTerm): string {
  return `${t.label}: ${plural(t.comments, 'comment')}, average sentiment ${formatSentiment(t.averageSentiment)} (${sentimentBandOf(t.averageSentiment).name.toLowerCase()})`;
}

/** Font size from 0.9 to 2.6 rem by the square root of the count, so one very common word does not dwarf the rest. */
function sizeOf(count: number, max: number): string {
  const share = Math.sqrt(count) / Math.sqrt(Math.max(1, max));
  return `${(0.9 + 1.7 * share).toFixed(2)}rem`;
}

function WordCloud({ cloud, selected, onSelect }: { cloud: Cloud; selected: string | null; onSelect: (term: string) => void }) {
  const max = Math.max(1, ...cloud.terms.map((t) => t.comments));
  // Alphabetical, as clouds read best, with size and colour carrying the figures.
  const words = [...cloud.terms].sort((a, b) => a.label.localeCompare(b.label));
  return (
    <ul className="word-cloud" aria-label="Words and phrases; choose one to see its comments">
      {words.map((t) => (
        <li key={t.term}>
          <button
            type="button"
            className={`sentiment-${sentimentBandOf(t.averageSentiment).key}`}
            style={{ fontSize: sizeOf(t.comments, max) }}
            aria-pressed={selected === t.term}
            aria-label={describeTerm(t)}
            title={describeTerm(t)}
            onClick={() => onSelect(t.term)}
          >
            {t.label}
          </button>
        </li>
      ))}
    </ul>
  );
}

function Legend() {
  return (
    <div>
      <p className="section-note">Larger words are used by more comments. Colour shows the average sentiment of those comments:</p>
      <ul className="cloud-legend" aria-label="Colour legend">
        {sentimentBands.map((b) => (
          <li key={b.key} className={`sentiment-${b.key}`}>
            <span className="swatch" aria-hidden="true" />
            <span>{b.name}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function TermTable({ cloud, onSelect }: { cloud: Cloud; onSelect: (term: string) => void }) {
  return (
    <details className="section">
      <summary>The same words as a table</summary>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Words and phrases as a table">
        <table className="table">
          <caption className="visually-hidden">Words and phrases in comments, most used first</caption>
          <thead>
            <tr>
              <th scope="col">Word or phrase</th>
              <th scope="col" className="num">
                Comments
              </th>
              <th scope="col" className="num">
                Average sentiment
              </th>
              <th scope="col" className="num">
                Average score
              </th>
            </tr>
          </thead>
          <tbody>
            {cloud.terms.map((t) => (
              <tr key={t.term}>
                <th scope="row">
                  <button type="button" className="button-link" onClick={() => onSelect(t.term)}>
                    {t.label}
                  </button>
                </th>
                <td className="num">{t.comments}</td>
                <td className="num">
                  {formatSentiment(t.averageSentiment)} ({sentimentBandOf(t.averageSentiment).name.toLowerCase()})
                </td>
                <td className="num">{Math.round(t.averageRatingPercent)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function CommentRow({ item }: { item: CommentItem }) {
  const timeZone = useClientTimeZone();
  return (
    <li>
      <Link to={`/feedback/${item.feedbackId}`}>{item.comment}</Link>
      <p className="feedback-meta">
        <span>{sentimentWords[item.sentiment]}</span>
        <span>{item.locationName}</span>
        {item.themes.length ? <span>{item.themes.map((t) => t.name).join(', ')}</span> : null}
        <time dateTime={item.submittedAt}>{formatDateTime(item.submittedAt, timeZone)}</time>
      </p>
    </li>
  );
}

function TermComments({ term, label, from, to, locationId }: { term: string; label: string; from: string; to: string; locationId: string | undefined }) {
  const query = { term, from, to, locationId };
  const comments = useInfiniteQuery({
    queryKey: ['comments', 'term', query],
    queryFn: ({ pageParam, signal }) => commentsApi.comments(query, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = comments.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="card section" aria-labelledby="term-comments-heading" aria-busy={comments.isFetching}>
      <h2 id="term-comments-heading">Comments using “{label}”</h2>
      {comments.isPending ? <Loading label="Loading the comments…" /> : null}
      {comments.error ? <LoadError error={comments.error} what="The comments" retry={() => void comments.refetch()} /> : null}
      {comments.data ? (
        items.length ? (
          <ul className="comment-list">
            {items.map((item) => (
              <CommentRow key={item.feedbackId} item={item} />
            ))}
          </ul>
        ) : (
          <p className="muted">No comments use it in this period.</p>
        )
      ) : null}
      {comments.hasNextPage ? (
        <button type="button" className="button button-secondary" onClick={() => void comments.fetchNextPage()} disabled={comments.isFetchingNextPage}>
          {comments.isFetchingNextPage ? 'Loading…' : 'Show more comments'}
        </button>
      ) : null}
    </section>
  );
}

export function CommentsPage() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const client = useQuery({ queryKey: ['client'], queryFn: api.clientSettings, staleTime: 5 * 60_000, retry: false });
  const locations = useLocations();
  const rawPreset = params.get('period');
  const preset: Preset = presets.find((p) => p === rawPreset) ?? '30d';
  const locationId = params.get('location') || undefined;
  const selected = params.get('term');
  const { from, to } = presetRange(preset, todayIn(client.data?.timezone));
  const query = { from, to, locationId };
  const cloud = useQuery({
    queryKey: ['comments', 'cloud', query],
    queryFn: ({ signal }) => commentsApi.cloud(query, signal),
    placeholderData: keepPreviousData,
    enabled: Boolean(session.activeClientId) && !client.isPending,
  });
  const set = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  };
  const chosen = cloud.data?.terms.find((t) => t.term === selected);

  return (
    <Page title="Comments" intro="What customers talk about: the words and phrases that come up most, and how the comments using them feel.">
      <form className="filters card filters-row" aria-label="Comments filters" onSubmit={(e) => e.preventDefault()}>
        <SelectField label="Period" value={preset} onChange={(e) => set({ period: e.target.value, term: null })}>
          {presets.map((p) => (
            <option key={p} value={p}>
              {periodNames[p]}
            </option>
          ))}
        </SelectField>
        <SelectField label="Location" value={locationId ?? ''} onChange={(e) => set({ location: e.target.value, term: null })}>
          <option value="">All locations</option>
          {locations.data ? <LocationOptions locations={locations.data} /> : null}
        </SelectField>
      </form>
      <p className="visually-hidden" role="status">
        {cloud.isFetching ? 'Loading the words…' : cloud.data ? `${plural(cloud.data.terms.length, 'word or phrase', 'words and phrases')} shown.` : ''}
      </p>
      {cloud.isPending && session.activeClientId ? <Loading label="Loading the words…" /> : null}
      {cloud.error ? <LoadError error={cloud.error} what="The comments cloud" retry={() => void cloud.refetch()} /> : null}
      {cloud.data ? (
        <section className={`card section${cloud.isPlaceholderData ? ' is-stale' : ''}`} aria-labelledby="cloud-heading">
          <h2 id="cloud-heading">
            Words and phrases, {formatDate(cloud.data.from)} to {formatDate(cloud.data.to)}
          </h2>
          {cloud.data.terms.length ? (
            <>
              <Legend />
              <WordCloud cloud={cloud.data} selected={selected} onSelect={(term) => set({ term })} />
              <TermTable cloud={cloud.data} onSelect={(term) => set({ term })} />
            </>
          ) : (
            <Empty title="Not enough comments in this period">
              <p>Words appear here once at least two comments use them. Try a longer period or another location.</p>
            </Empty>
          )}
        </section>
      ) : null}
      {selected ? <TermComments term={selected} label={chosen?.label ?? selected} from={from} to={to} locationId={locationId} /> : null}
    </Page>
  );
}
