/**
 * Cases: the feedback someone has to put right. Which cases (yours, the team's, nobody's
 * yet; open or resolved) live in the address, so a view can be bookmarked; open ones come
 * overdue first. Above the list, how the team is closing the loop over the last 30 days.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api } from '../api/endpoints.ts';
import type { Case, CaseView } from '../api/types.ts';
import { CaseFigures } from '../components/case-figures.tsx';
import { Page } from '../components/page.tsx';
import { ScoreBadge } from '../components/score.tsx';
import { Empty, LoadError, Loading } from '../components/status.tsx';
import { bandOf, caseReasonNames, caseStatusNames, caseViewNames, escalationText } from '../lib/cases.ts';
import { presetRange, todayIn } from '../lib/dates.ts';
import { formatDate, formatDateTime, keys, plural } from '../lib/format.ts';
import { useClientTimeZone } from '../lib/use-client-time-zone.ts';
import { useSession } from '../session.tsx';

type StatusChoice = 'open' | 'resolved';
const statusChoiceNames: Record<StatusChoice, string> = { open: 'Open', resolved: 'Resolved' };

function readView(params: URLSearchParams, canTake: boolean): { view: CaseView; status: StatusChoice } {
  const rawView = params.get('view');
  const views = keys(caseViewNames).filter((v) => v !== 'mine' || canTake);
  const view = views.find((v) => v === rawView) ?? 'team';
  const status: StatusChoice = params.get('status') === 'resolved' ? 'resolved' : 'open';
  return { view, status };
}

function hrefOf(view: CaseView, status: StatusChoice): string {
  const params = new URLSearchParams();
  if (view !== 'team') params.set('view', view);
  if (status !== 'open') params.set('status', status);
  const text = params.toString();
  return text ? `/cases?${text}` : '/cases';
}

/** A row of links, one current: the same filter as tabs, but plain links a keyboard knows. */
function Choices<K extends string>({ label, choices, current, href }: { label: string; choices: Record<K, string>; current: K; href: (key: K) => string }) {
  return (
    <nav className="segmented" aria-label={label}>
      <ul>
        {keys(choices).map((key) => (
          <li key={key}>
            <Link to={href(key)} aria-current={key === current ? 'page' : undefined}>
              {choices[key]}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function CaseRow({ item, timeZone, listHref }: { item: Case; timeZone: string | undefined; listHref: string }) {
  const comment = item.feedback.comment.trim();
  const escalation = item.overdue ? escalationText(item.escalationLevel) : null;
  return (
    <li className={`feedback-row case-row${item.overdue ? ' is-overdue' : ''}`}>
      <ScoreBadge score={item.feedback.score} scale={item.feedback.scale} band={bandOf(item.feedback.score, item.feedback.scale)} />
      <div className="feedback-row-body">
        <Link to={`/feedback/${item.feedbackId}`} state={{ fromCases: listHref }} className="feedback-row-link">
          {comment ? <span className="feedback-comment">{comment}</span> : <span className="feedback-comment muted">No comment</span>}
        </Link>
        <p className="feedback-meta">
          <span>{item.locationName}</span>
          <span>{item.assignee ? `Assigned to ${item.assignee.name}` : 'Unassigned'}</span>
          {item.status === 'resolved' && item.resolvedAt ? (
            <span>
              Resolved <time dateTime={item.resolvedAt}>{formatDateTime(item.resolvedAt, timeZone)}</time>
            </span>
          ) : (
            <span>
              Due <time dateTime={item.dueAt}>{formatDateTime(item.dueAt, timeZone)}</time>
            </span>
          )}
          <span>{caseReasonNames[item.reason]}</span>
        </p>
      </div>
      <div className="feedback-tags">
        {item.overdue ? <span className="pill pill-attention">Overdue{escalation ? `, ${escalation}` : ''}</span> : null}
        <span className={`pill pill-${item.status}`}>{caseStatusNames[item.status]}</span>
        {item.followUp?.answer ? <span className="pill pill-quiet">{item.followUp.answer === 'yes' ? 'Customer: fixed' : 'Customer: not fixed'}</span> : null}
      </div>
    </li>
  );
}

function emptyText(view: CaseView, status: StatusChoice): string {
  if (status === 'resolved') return view === 'mine' ? 'You have not resolved any cases yet' : view === 'unassigned' ? 'No resolved cases without an assignee' : 'No resolved cases yet';
  if (view === 'mine') return 'No open cases are assigned to you';
  if (view === 'unassigned') return 'Every open case has someone on it';
  return 'No open cases';
}

export function CasesPage() {
  const session = useSession();
  const canTake = session.can('feedback.update');
  const [params] = useSearchParams();
  const { view, status } = readView(params, canTake);
  const timeZone = useClientTimeZone();
  // The last 30 days on the business's calendar: wait for its time zone, as the dashboard does.
  const client = useQuery({ queryKey: ['client'], queryFn: api.clientSettings, staleTime: 5 * 60_000, retry: false });
  const period = presetRange('30d', todayIn(client.data?.timezone));
  const summary = useQuery({
    queryKey: ['cases', 'summary', period.from, period.to],
    queryFn: ({ signal }) => api.caseSummary(period.from, period.to, '', signal),
    enabled: !client.isPending,
    retry: false,
  });
  const cases = useQuery({
    queryKey: ['cases', 'list', view, status],
    queryFn: ({ signal }) => api.cases({ view, status, limit: 200 }, signal),
    placeholderData: keepPreviousData,
  });
  const views = keys(caseViewNames).filter((v) => v !== 'mine' || canTake);
  const viewChoices = Object.fromEntries(views.map((v) => [v, caseViewNames[v]])) as Record<CaseView, string>;

  return (
    <Page
      title="Cases"
      documentTitle={`Cases · ${session.activeMembership?.clientName ?? ''}`}
      intro="Feedback someone has to put right: opened by your alert rules or by hand, due within the service level, and resolved with a note."
    >
      <section className="card section" aria-labelledby="case-figures-heading">
        <h2 id="case-figures-heading">Closing the loop</h2>
        <p className="section-note">
          Last 30 days{summary.data ? `, ${formatDate(summary.data.from)} to ${formatDate(summary.data.to)}` : ''}. Open and overdue are as of now.
        </p>
        {summary.isPending && !client.isPending ? <Loading label="Loading the figures…" /> : null}
        {summary.error ? <LoadError error={summary.error} what="The case figures" retry={() => void summary.refetch()} /> : null}
        {summary.data ? <CaseFigures summary={summary.data} /> : null}
      </section>
      <div className="case-filters">
        <Choices label="Whose cases" choices={viewChoices} current={view} href={(v) => hrefOf(v, status)} />
        <Choices label="Open or resolved" choices={statusChoiceNames} current={status} href={(s) => hrefOf(view, s)} />
      </div>
      <p className="visually-hidden" role="status">
        {cases.isFetching ? 'Loading cases…' : cases.data ? `${plural(cases.data.length, 'case')} shown.` : ''}
      </p>
      {cases.isPending ? <Loading label="Loading cases…" /> : null}
      {cases.error ? <LoadError error={cases.error} what="The cases" retry={() => void cases.refetch()} /> : null}
      {cases.data ? (
        cases.data.length ? (
          <section aria-labelledby="case-list-heading" aria-busy={cases.isFetching}>
            <h2 id="case-list-heading" className="list-heading">
              {status === 'open' ? `${viewChoices[view]}: open cases, overdue first` : `${viewChoices[view]}: resolved cases`}
            </h2>
            <ul className={`feedback-list card${cases.isPlaceholderData ? ' is-stale' : ''}`}>
              {cases.data.map((item) => (
                <CaseRow key={item.id} item={item} timeZone={timeZone} listHref={hrefOf(view, status)} />
              ))}
            </ul>
          </section>
        ) : (
          <Empty title={emptyText(view, status)}>
            <p>
              Cases open when feedback meets an alert rule that opens one
              {session.can('feedback.update') ? ', or when you open one on a feedback' : ''}. <Link to="/settings/alerts">See the alert rules</Link> and the{' '}
              <Link to="/settings/service-level">service level</Link>.
            </p>
          </Empty>
        )
      ) : null}
    </Page>
  );
}
