/**
 * The inbox: every feedback, newest first, filtered by a form whose answers live in the
 * address, so a filtered inbox ("low scores at Cuba Street, not resolved") can be bookmarked
 * and shared.
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/endpoints.ts';
import { commentsApi, type Sentiment } from '../api/comments.ts';
import { useLocations } from '../api/queries.ts';
import type { Channel, FeedbackCategory, FeedbackFilters, FeedbackItem, FeedbackStatus, Location, ScoreBand } from '../api/types.ts';
import { Checkbox, SelectField, TextField } from '../components/forms.tsx';
import { LocationOptions } from '../components/location-options.tsx';
import { Page } from '../components/page.tsx';
import { ScoreBadge } from '../components/score.tsx';
import { Empty, LoadError, Loading } from '../components/status.tsx';
import { isIsoDay } from '../lib/dates.ts';
import { useClientTimeZone } from '../lib/use-client-time-zone.ts';
import { bandNames, categoryNames, channelNames, formatDateTime, formatRelative, keys, plural, statusNames } from '../lib/format.ts';
import { useSession } from '../session.tsx';

/** The filter form's fields, as strings, the way the address holds them. */
interface FilterForm {
  q: string;
  from: string;
  to: string;
  location: string;
  subMeasure: string;
  scoreBand: string;
  channel: string;
  status: string;
  category: string;
  sentiment: string;
  theme: string;
  hasContact: boolean;
}

const emptyForm: FilterForm = { q: '', from: '', to: '', location: '', subMeasure: '', scoreBand: '', channel: '', status: '', category: '', sentiment: '', theme: '', hasContact: false };

function readForm(params: URLSearchParams): FilterForm {
  return {
    q: params.get('q') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    location: params.get('location') ?? '',
    subMeasure: params.get('subMeasure') ?? '',
    scoreBand: params.get('scoreBand') ?? '',
    channel: params.get('channel') ?? '',
    status: params.get('status') ?? '',
    category: params.get('category') ?? '',
    sentiment: params.get('sentiment') ?? '',
    theme: params.get('theme') ?? '',
    hasContact: params.get('hasContact') === 'true',
  };
}

function writeForm(form: FilterForm): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form) as [keyof FilterForm, string | boolean][]) {
    if (typeof value === 'boolean') {
      if (value) params.set(key, 'true');
    } else if (value.trim()) params.set(key, value.trim());
  }
  return params;
}

const sentimentNames: Record<Sentiment, string> = { positive: 'Positive', neutral: 'Neutral', negative: 'Negative' };

function pick<T extends string>(value: string, allowed: Record<T, string>): T | undefined {
  return value in allowed ? (value as T) : undefined;
}

/** The API's filters from the address, dropping anything that is not a valid value. */
function toFilters(form: FilterForm): FeedbackFilters {
  const filters: FeedbackFilters = {};
  if (form.q.trim()) filters.q = form.q.trim();
  if (isIsoDay(form.from)) filters.from = form.from;
  if (isIsoDay(form.to)) filters.to = form.to;
  if (form.location) filters.locationId = form.location;
  if (form.subMeasure) filters.subMeasureId = form.subMeasure;
  const band = pick<ScoreBand>(form.scoreBand, bandNames);
  if (band) filters.scoreBand = band;
  const channel = pick<Channel>(form.channel, channelNames);
  if (channel) filters.channel = channel;
  const status = pick<FeedbackStatus>(form.status, statusNames);
  if (status) filters.status = status;
  const category = pick<FeedbackCategory>(form.category, categoryNames);
  if (category) filters.category = category;
  if (form.hasContact) filters.hasContact = true;
  const sentiment = pick<Sentiment>(form.sentiment, sentimentNames);
  if (sentiment) filters.sentiment = sentiment;
  if (/^[0-9a-f-]{36}$/i.test(form.theme)) filters.theme = form.theme;
  return filters;
}

function countActive(form: FilterForm): number {
  return Object.entries(form).filter(([, v]) => (typeof v === 'boolean' ? v : v.trim() !== '')).length;
}

function subMeasuresOf(locations: Location[] | undefined, locationId: string) {
  if (!locations) return [];
  return locations
    .filter((l) => !locationId || l.id === locationId)
    .flatMap((l) => l.subMeasures.filter((s) => !s.archived).map((s) => ({ id: s.id, name: locationId ? s.name : `${s.name} (${l.name})` })));
}

function FilterPanel({ initial, onApply, locations }: { initial: FilterForm; onApply: (form: FilterForm) => void; locations: Location[] | undefined }) {
  const [form, setForm] = useState(initial);
  const [dateError, setDateError] = useState<string | null>(null);
  const set = <K extends keyof FilterForm>(key: K, value: FilterForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const active = countActive(initial);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (form.from && form.to && form.from > form.to) {
      setDateError('The start date must be on or before the end date.');
      return;
    }
    setDateError(null);
    onApply(form);
  }

  const subMeasures = subMeasuresOf(locations, form.location);
  const themes = useQuery({ queryKey: ['themes'], queryFn: commentsApi.themes, staleTime: 60_000 });
  return (
    <form className="card filters" onSubmit={submit} role="search" aria-label="Filter feedback">
      <div className="filters-search">
        <TextField label="Search comments" type="search" value={form.q} onChange={(e) => set('q', e.target.value)} placeholder="Words in the comment" />
      </div>
      <details className="filters-more" open={active > (initial.q ? 1 : 0) || undefined}>
        <summary>More filters{active ? ` (${active} on)` : ''}</summary>
        <div className="filters-grid">
          <TextField label="From" type="date" value={form.from} onChange={(e) => set('from', e.target.value)} error={dateError} />
          <TextField label="To" type="date" value={form.to} onChange={(e) => set('to', e.target.value)} />
          <SelectField
            label="Location"
            value={form.location}
            onChange={(e) => setForm((f) => ({ ...f, location: e.target.value, subMeasure: '' }))}
          >
            <option value="">All locations</option>
            {locations ? <LocationOptions locations={locations} /> : null}
          </SelectField>
          <SelectField label="Staff or sub-measure" value={form.subMeasure} onChange={(e) => set('subMeasure', e.target.value)} disabled={!subMeasures.length}>
            <option value="">All</option>
            {subMeasures.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </SelectField>
          <SelectField label="Score" value={form.scoreBand} onChange={(e) => set('scoreBand', e.target.value)}>
            <option value="">Any score</option>
            {keys(bandNames).map((b) => (
              <option key={b} value={b}>
                {bandNames[b]} scores
              </option>
            ))}
          </SelectField>
          <SelectField label="Status" value={form.status} onChange={(e) => set('status', e.target.value)}>
            <option value="">Any status</option>
            {keys(statusNames).map((s) => (
              <option key={s} value={s}>
                {statusNames[s]}
              </option>
            ))}
          </SelectField>
          <SelectField label="Category" value={form.category} onChange={(e) => set('category', e.target.value)}>
            <option value="">Any category</option>
            {keys(categoryNames).map((c) => (
              <option key={c} value={c}>
                {categoryNames[c]}
              </option>
            ))}
          </SelectField>
          <SelectField label="Channel" value={form.channel} onChange={(e) => set('channel', e.target.value)}>
            <option value="">Any channel</option>
            {keys(channelNames).map((c) => (
              <option key={c} value={c}>
                {channelNames[c]}
              </option>
            ))}
          </SelectField>
          <SelectField label="Sentiment" value={form.sentiment} onChange={(e) => set('sentiment', e.target.value)}>
            <option value="">Any sentiment</option>
            {keys(sentimentNames).map((s) => (
              <option key={s} value={s}>
                {sentimentNames[s]}
              </option>
            ))}
          </SelectField>
          <SelectField label="Theme" value={form.theme} onChange={(e) => set('theme', e.target.value)}>
            <option value="">Any theme</option>
            {themes.data?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </SelectField>
          <Checkbox label="Only with contact details" checked={form.hasContact} onChange={(e) => set('hasContact', e.target.checked)} />
        </div>
      </details>
      <div className="form-actions">
        <button type="submit" className="button button-primary">
          Apply filters
        </button>
        {active ? (
          <button type="button" className="button button-quiet" onClick={() => onApply(emptyForm)}>
            Clear filters
          </button>
        ) : null}
      </div>
    </form>
  );
}

function FeedbackRow({ item }: { item: FeedbackItem }) {
  const timeZone = useClientTimeZone();
  const comment = item.comment.trim();
  return (
    <li className={`feedback-row status-${item.status}`}>
      <ScoreBadge score={item.score} scale={item.scale} band={item.scoreBand} />
      <div className="feedback-row-body">
        <Link to={`/feedback/${item.id}`} className="feedback-row-link">
          {comment ? <span className="feedback-comment">{comment}</span> : <span className="feedback-comment muted">No comment</span>}
        </Link>
        <p className="feedback-meta">
          <span>{item.locationName}</span>
          {item.subMeasureName ? <span>{item.subMeasureName}</span> : null}
          <span>{channelNames[item.channel]}</span>
          <time dateTime={item.submittedAt} title={formatDateTime(item.submittedAt, timeZone)}>
            {formatRelative(item.submittedAt)}
          </time>
        </p>
      </div>
      <div className="feedback-tags">
        <span className={`pill pill-${item.status}`}>{statusNames[item.status]}</span>
        {item.category !== 'general' ? <span className="pill">{categoryNames[item.category]}</span> : null}
        {item.contactRequested && !item.responded ? <span className="pill pill-attention">Wants a reply</span> : null}
        {item.responded ? <span className="pill pill-quiet">Replied</span> : null}
      </div>
    </li>
  );
}

export function InboxPage() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const form = readForm(params);
  const filters = toFilters(form);
  const locations = useLocations();
  const feedback = useInfiniteQuery({
    queryKey: ['feedback', 'list', filters],
    queryFn: ({ pageParam, signal }) => api.feedbackList(filters, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const items = feedback.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = countActive(form) > 0;

  return (
    <Page
      title="Inbox"
      documentTitle={`Inbox · ${session.activeMembership?.clientName ?? ''}`}
      actions={
        session.can('feedback.respond') ? (
          <Link to="/inbox/invite" className="button button-secondary">
            Invite customers by text
          </Link>
        ) : null
      }
    >
      <FilterPanel key={params.toString()} initial={form} locations={locations.data} onApply={(next) => setParams(writeForm(next))} />
      <p className="visually-hidden" role="status">
        {feedback.isFetching ? 'Loading feedback…' : feedback.data ? `${plural(items.length, 'feedback', 'feedback')} shown${feedback.hasNextPage ? ', more to load' : ''}.` : ''}
      </p>
      {feedback.isPending ? <Loading label="Loading feedback…" /> : null}
      {feedback.error && !feedback.isFetchNextPageError ? <LoadError error={feedback.error} what="The inbox" retry={() => void feedback.refetch()} /> : null}
      {feedback.data ? (
        items.length ? (
          <section aria-labelledby="feedback-list-heading" aria-busy={feedback.isFetching}>
            <h2 id="feedback-list-heading" className="list-heading">
              {filtered ? 'Matching feedback' : 'All feedback'}, newest first
            </h2>
            <ul className={`feedback-list card${feedback.isPlaceholderData ? ' is-stale' : ''}`}>
              {items.map((item) => (
                <FeedbackRow key={item.id} item={item} />
              ))}
            </ul>
            {feedback.isFetchNextPageError ? <LoadError error={feedback.error} what="More feedback" /> : null}
            {feedback.hasNextPage ? (
              <p className="load-more">
                <button type="button" className="button button-secondary" onClick={() => void feedback.fetchNextPage()} disabled={feedback.isFetchingNextPage}>
                  {feedback.isFetchingNextPage ? 'Loading…' : 'Load more'}
                </button>
              </p>
            ) : (
              <p className="list-end muted">That is all {filtered ? 'the matching ' : 'the '}feedback.</p>
            )}
          </section>
        ) : (
          <Empty title={filtered ? 'No feedback matches these filters' : 'No feedback yet'}>
            {filtered ? (
              <p>
                Try fewer filters, or <Link to="/inbox">show all feedback</Link>.
              </p>
            ) : (
              <p>Feedback appears here the moment a customer sends it.</p>
            )}
          </Empty>
        )
      ) : null}
    </Page>
  );
}
