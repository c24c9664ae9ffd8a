/**
 * Operator console → Privacy requests: the queue (fewest working days left first) and a
 * request's page, where operator staff search every client, build and download the access
 * package, correct a record, extend (with notice) and answer or refuse.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { privacyRequestsApi, type PrivacyRequest, type PrivacyRequestState, type PrivacyRequestSummary, type SearchResult } from '../../api/privacy-requests.ts';
import { FormMessage, SelectField, TextArea, TextField } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const stateWords: Record<PrivacyRequestState, string> = {
  received: 'Awaiting code',
  verified: 'Verified',
  in_progress: 'In progress',
  extended: 'Extended',
  responded: 'Answered',
  refused: 'Refused',
};

const closed = (s: PrivacyRequestState) => s === 'responded' || s === 'refused';

function daysLeftText(r: PrivacyRequestSummary): string {
  if (closed(r.state)) return '—';
  if (r.workingDaysLeft < 0) return `${-r.workingDaysLeft} working day${r.workingDaysLeft === -1 ? '' : 's'} overdue`;
  if (r.workingDaysLeft === 0) return 'Due today';
  return `${r.workingDaysLeft} working day${r.workingDaysLeft === 1 ? '' : 's'} left`;
}

const day = (d: string) => formatDate(`${d}T12:00:00Z`);

export function OperatorPrivacyRequests() {
  const [state, setState] = useState<'open' | 'all'>('open');
  const requests = useQuery({ queryKey: ['operator', 'privacy-requests', state], queryFn: () => privacyRequestsApi.list(state) });
  return (
    <OperatorSection title="Privacy requests" intro="Requests for access to or correction of personal information. Each must be answered within 20 working days of receipt (Privacy Act 2020); the fewest days left come first.">
      <SelectField label="Show" value={state} onChange={(e) => setState(e.target.value as 'open' | 'all')}>
        <option value="open">Open</option>
        <option value="all">All verified requests</option>
      </SelectField>
      {requests.isPending ? <Loading /> : null}
      {requests.error ? <LoadError error={requests.error} what="The privacy requests" retry={() => void requests.refetch()} /> : null}
      {requests.data && !requests.data.length ? <Empty title="No privacy requests here" /> : null}
      {requests.data?.length ? (
        <table className="table">
          <caption className="visually-hidden">Privacy requests</caption>
          <thead>
            <tr>
              <th scope="col">Requester</th>
              <th scope="col">Kind</th>
              <th scope="col">Received</th>
              <th scope="col">Due</th>
              <th scope="col">Days left</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {requests.data.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={`/operator/privacy-requests/${r.id}`}>{r.name}</Link>
                </td>
                <td>{r.kind === 'access' ? 'Access' : 'Correction'}</td>
                <td>{day(r.receivedOn)}</td>
                <td>{day(r.dueOn)}</td>
                <td>{!closed(r.state) && r.workingDaysLeft <= 3 ? <strong className="pill pill-attention">{daysLeftText(r)}</strong> : daysLeftText(r)}</td>
                <td>{stateWords[r.state]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </OperatorSection>
  );
}

function SearchPanel({ request, onSearched }: { request: PrivacyRequest; onSearched: (result: SearchResult) => void }) {
  const search = useMutation({ mutationFn: () => privacyRequestsApi.search(request.id), onSuccess: onSearched });
  return (
    <div className="stack">
      <p>Searches every business by its own blind index of the verified addresses. Each business where something is found records the search in its audit log.</p>
      <div>
        <button type="button" className="button" disabled={search.isPending || closed(request.state)} onClick={() => search.mutate()}>
          Search all businesses
        </button>
      </div>
      <FormMessage error={search.error ? errorMessage(search.error) : null} />
      {search.data ? (
        search.data.clients.length === 0 ? (
          <p role="status">Nothing found in {search.data.clientsSearched} businesses.</p>
        ) : (
          <table className="table">
            <caption>
              Found in {search.data.clients.length} of {search.data.clientsSearched} businesses
            </caption>
            <thead>
              <tr>
                <th scope="col">Business</th>
                <th scope="col">Contact records</th>
                <th scope="col">Feedback</th>
                <th scope="col">Replies and notes</th>
                <th scope="col">Texts</th>
              </tr>
            </thead>
            <tbody>
              {search.data.clients.map((c) => (
                <tr key={c.clientId}>
                  <td>{c.clientName}</td>
                  <td>{c.counts.endCustomers ?? 0}</td>
                  <td>{c.counts.feedback ?? 0}</td>
                  <td>{c.counts.responses ?? 0}</td>
                  <td>{c.counts.smsMessages ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
      {search.data?.queuedJobs.length ? <p>{search.data.queuedJobs.length} queued job(s) refer to these records.</p> : null}
    </div>
  );
}

function PackagePanel({ request }: { request: PrivacyRequest }) {
  const queryClient = useQueryClient();
  const build = useMutation({
    mutationFn: () => privacyRequestsApi.buildPackage(request.id),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['operator', 'privacy-request', request.id] }),
  });
  const latest = request.packages[0];
  return (
    <div className="stack">
      <div>
        <button type="button" className="button" disabled={build.isPending || closed(request.state)} onClick={() => build.mutate()}>
          Build access package
        </button>
      </div>
      <FormMessage error={build.error ? errorMessage(build.error) : null} success={build.data ? `Package built: ${build.data.items} records, ${build.data.flagged} flagged for review.` : null} />
      {latest ? (
        <p>
          Latest package: {formatDateTime(latest.builtAt)}, {latest.items} records, {latest.flagged} flagged for review (items that may name other people).{' '}
          <a href={privacyRequestsApi.packageUrl(request.id, 'json')} download>
            Download the package (JSON)
          </a>{' '}
          ·{' '}
          <a href={privacyRequestsApi.packageUrl(request.id, 'html')} target="_blank" rel="noreferrer">
            Read it (opens in a new tab)
          </a>
          {latest.downloadedAt ? ` · The requester downloaded it ${formatDateTime(latest.downloadedAt)}.` : ''}
        </p>
      ) : null}
    </div>
  );
}

function CorrectForm({ request }: { request: PrivacyRequest }) {
  const targets = request.findings.flatMap((f) => f.endCustomers.map((id) => ({ clientId: f.clientId, endCustomerId: id, label: `${f.clientName} · record ${id.slice(0, 8)}` })));
  const [target, setTarget] = useState(0);
  const [what, setWhat] = useState<'name' | 'email' | 'mobile' | 'statement'>('name');
  const [value, setValue] = useState('');
  const correct = useMutation({
    mutationFn: () => {
      const t = targets[target];
      if (!t) throw new Error('Search first: there is no record to correct.');
      return privacyRequestsApi.correct(request.id, what === 'statement' ? { clientId: t.clientId, endCustomerId: t.endCustomerId, statement: value } : { clientId: t.clientId, endCustomerId: t.endCustomerId, field: what, value });
    },
    onSuccess: () => setValue(''),
  });
  if (targets.length === 0) return <p>Search first: corrections apply only to records the search found.</p>;
  function submit(event: FormEvent) {
    event.preventDefault();
    correct.mutate();
  }
  return (
    <form onSubmit={submit} className="stack">
      <SelectField label="Record" value={String(target)} onChange={(e) => setTarget(Number(e.target.value))}>
        {targets.map((t, i) => (
          <option key={t.endCustomerId} value={i}>
            {t.label}
          </option>
        ))}
      </SelectField>
      <SelectField label="Correction" value={what} onChange={(e) => setWhat(e.target.value as typeof what)}>
        <option value="name">Replace the name</option>
        <option value="email">Replace the email</option>
        <option value="mobile">Replace the mobile</option>
        <option value="statement">Keep a statement of correction with the record</option>
      </SelectField>
      {what === 'statement' ? (
        <TextArea label="Statement of correction" value={value} onChange={(e) => setValue(e.target.value)} rows={4} maxLength={2000} required />
      ) : (
        <TextField label="New value" value={value} onChange={(e) => setValue(e.target.value)} maxLength={254} required />
      )}
      <div>
        <button type="submit" className="button" disabled={correct.isPending || closed(request.state)}>
          Correct
        </button>
      </div>
      <FormMessage
        error={correct.error ? errorMessage(correct.error) : null}
        success={correct.data ? `Corrected. ${correct.data.clientNotified} owner(s) or admin(s) of the business were told by email.` : null}
      />
    </form>
  );
}

function ExtendForm({ request }: { request: PrivacyRequest }) {
  const queryClient = useQueryClient();
  const [days, setDays] = useState('10');
  const [reason, setReason] = useState('');
  const extend = useMutation({
    mutationFn: () => privacyRequestsApi.extend(request.id, Number(days), reason),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['operator', 'privacy-request', request.id] }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    extend.mutate();
  }
  return (
    <form onSubmit={submit} className="stack">
      <TextField label="Extra working days" type="number" min={1} max={60} value={days} onChange={(e) => setDays(e.target.value)} required />
      <TextArea label="Reason (sent to the requester)" value={reason} onChange={(e) => setReason(e.target.value)} rows={3} maxLength={2000} required />
      <div>
        <button type="submit" className="button" disabled={extend.isPending || closed(request.state)}>
          Extend and notify the requester
        </button>
      </div>
      <FormMessage error={extend.error ? errorMessage(extend.error) : null} success={extend.data ? `Extended to ${day(extend.data.dueOn)}; the requester was told.` : null} />
    </form>
  );
}

function CloseForm({ request }: { request: PrivacyRequest }) {
  const queryClient = useQueryClient();
  const [message, setMessage] = useState('');
  const [outcome, setOutcome] = useState<string | null>(null);
  const done = () => void queryClient.invalidateQueries({ queryKey: ['operator', 'privacy-request', request.id] });
  const respond = useMutation({ mutationFn: () => privacyRequestsApi.respond(request.id, message), onSuccess: (r) => (setOutcome(`Answered by ${r.sentTo}.`), done()) });
  const refuse = useMutation({ mutationFn: () => privacyRequestsApi.refuse(request.id, message), onSuccess: (r) => (setOutcome(`Refusal sent by ${r.sentTo}.`), done()) });
  function submit(event: FormEvent) {
    event.preventDefault();
    respond.mutate();
  }
  const error = respond.error ?? refuse.error;
  return (
    <form onSubmit={submit} className="stack">
      <TextArea
        label="Message to the requester"
        hint={request.kind === 'access' ? 'Answering sends a single-use link to the latest access package, valid for 7 days.' : undefined}
        value={message}
        onChange={(e) => setMessage(e.target.value)}
        rows={5}
        maxLength={5000}
        required
      />
      <div className="button-row">
        <button type="submit" className="button" disabled={respond.isPending || closed(request.state)}>
          Answer the request
        </button>{' '}
        <button type="button" className="button button-secondary" disabled={refuse.isPending || closed(request.state) || !message.trim()} onClick={() => refuse.mutate()}>
          Refuse the request
        </button>
      </div>
      <FormMessage error={error ? errorMessage(error) : null} success={outcome} />
    </form>
  );
}

export function OperatorPrivacyRequest() {
  const { id = '' } = useParams();
  const queryClient = useQueryClient();
  const request = useQuery({ queryKey: ['operator', 'privacy-request', id], queryFn: () => privacyRequestsApi.get(id) });
  const r = request.data;
  return (
    <OperatorSection title={r ? `Privacy request from ${r.name}` : 'Privacy request'}>
      <p>
        <Link to="/operator/privacy-requests">Back to the privacy requests</Link>
      </p>
      {request.isPending ? <Loading /> : null}
      {request.error ? <LoadError error={request.error} what="The privacy request" item retry={() => void request.refetch()} /> : null}
      {r ? (
        <>
          <dl>
            <dt>Kind</dt>
            <dd>{r.kind === 'access' ? 'Access to personal information' : 'Correction of personal information'}</dd>
            <dt>Status</dt>
            <dd>{stateWords[r.state]}</dd>
            <dt>Received</dt>
            <dd>{formatDateTime(r.receivedAt)}</dd>
            <dt>Due</dt>
            <dd>
              {day(r.dueOn)} ({daysLeftText(r)}; holiday table {r.holidayTableVersion})
            </dd>
            <dt>Verified addresses</dt>
            <dd>{r.identifiers.filter((i) => i.verified).map((i) => i.value).join(', ')}</dd>
            {r.details ? (
              <>
                <dt>What to correct</dt>
                <dd style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{r.details}</dd>
              </>
            ) : null}
            {r.extension ? (
              <>
                <dt>Extended</dt>
                <dd>
                  From {day(r.extension.originalDueOn)}, notice sent {formatDateTime(r.extension.noticeSentAt)}: {r.extension.reason}
                </dd>
              </>
            ) : null}
            {r.outcomeNote ? (
              <>
                <dt>Answer</dt>
                <dd style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{r.outcomeNote}</dd>
              </>
            ) : null}
          </dl>
          <h3>Search</h3>
          <SearchPanel request={r} onSearched={() => void queryClient.invalidateQueries({ queryKey: ['operator', 'privacy-request', id] })} />
          {r.kind === 'access' ? (
            <>
              <h3>Access package</h3>
              <PackagePanel request={r} />
            </>
          ) : null}
          <h3>Correct</h3>
          <CorrectForm request={r} />
          {!closed(r.state) ? (
            <>
              <h3>Extend</h3>
              <ExtendForm request={r} />
              <h3>Answer or refuse</h3>
              <CloseForm request={r} />
            </>
          ) : null}
        </>
      ) : null}
    </OperatorSection>
  );
}
