/** Operator console → Complaints: the queue (overdue first, days left) and a complaint, moved on step by step with its response. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { privacyOperatorApi, type Complaint, type ComplaintStatus, type ComplaintSummary } from '../../api/privacy-operator.ts';
import { FormMessage, SelectField, TextArea } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatDate, formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const statusWords: Record<ComplaintStatus, string> = { received: 'Received', investigating: 'Investigating', responded: 'Responded', closed: 'Closed' };
const actionWords: Record<ComplaintStatus, string> = { received: 'Received', investigating: 'Start investigating', responded: 'Send response', closed: 'Close complaint' };

function daysLeftText(c: ComplaintSummary): string {
  if (c.status === 'responded' || c.status === 'closed') return '—';
  if (c.daysLeft < 0) return `${-c.daysLeft} day${c.daysLeft === -1 ? '' : 's'} overdue`;
  if (c.daysLeft === 0) return 'Due today';
  return `${c.daysLeft} day${c.daysLeft === 1 ? '' : 's'} left`;
}

export function OperatorComplaints() {
  const [state, setState] = useState<'open' | 'done' | 'all'>('open');
  const complaints = useQuery({ queryKey: ['operator', 'complaints', state], queryFn: () => privacyOperatorApi.complaints(state) });
  return (
    <OperatorSection title="Privacy complaints" intro="Each complaint must be answered within 30 days of receipt. Overdue complaints come first.">
      <SelectField label="Show" value={state} onChange={(e) => setState(e.target.value as 'open' | 'done' | 'all')}>
        <option value="open">Awaiting a response</option>
        <option value="done">Responded or closed</option>
        <option value="all">All</option>
      </SelectField>
      {complaints.isPending ? <Loading /> : null}
      {complaints.error ? <LoadError error={complaints.error} what="The complaints" retry={() => void complaints.refetch()} /> : null}
      {complaints.data && !complaints.data.length ? <Empty title="No complaints here" /> : null}
      {complaints.data?.length ? (
        <table className="table">
          <caption className="visually-hidden">Privacy complaints</caption>
          <thead>
            <tr>
              <th scope="col">Reference</th>
              <th scope="col">Business</th>
              <th scope="col">Received</th>
              <th scope="col">Due</th>
              <th scope="col">Days left</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {complaints.data.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/operator/complaints/${c.id}`}>{c.reference}</Link>
                </td>
                <td>{c.business ?? 'Not named'}</td>
                <td>{formatDate(c.receivedAt)}</td>
                <td>{formatDate(`${c.dueOn}T12:00:00Z`)}</td>
                <td>{c.overdue ? <strong className="pill pill-attention">{daysLeftText(c)}</strong> : daysLeftText(c)}</td>
                <td>{statusWords[c.status]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </OperatorSection>
  );
}

function MoveForm({ complaint }: { complaint: Complaint }) {
  const queryClient = useQueryClient();
  const [response, setResponse] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const next = complaint.allowedNext[0];
  const move = useMutation({
    mutationFn: () => privacyOperatorApi.moveComplaint(complaint.id, next as ComplaintStatus, next === 'responded' ? response : undefined),
    onSuccess: (updated) => {
      queryClient.setQueryData(['operator', 'complaint', complaint.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['operator', 'complaints'] });
      setDone(`The complaint is now ${statusWords[updated.status].toLowerCase()}.`);
      setResponse('');
    },
  });
  if (!next) return <FormMessage success={done} />;
  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    move.mutate();
  }
  return (
    <form onSubmit={submit} className="stack">
      {next === 'responded' ? (
        <TextArea
          label="Response to the complainant"
          hint={complaint.email ? `Kept with the complaint and emailed to ${complaint.email}.` : 'Kept with the complaint. There is no email address: give it to them by phone or letter.'}
          value={response}
          onChange={(e) => setResponse(e.target.value)}
          rows={8}
          maxLength={10000}
          required
        />
      ) : null}
      <div>
        <button type="submit" className="button" disabled={move.isPending}>
          {actionWords[next]}
        </button>
      </div>
      <FormMessage error={move.error ? errorMessage(move.error) : null} success={done} />
    </form>
  );
}

export function OperatorComplaint() {
  const { id = '' } = useParams();
  const complaint = useQuery({ queryKey: ['operator', 'complaint', id], queryFn: () => privacyOperatorApi.complaint(id) });
  const c = complaint.data;
  return (
    <OperatorSection title={c ? `Complaint ${c.reference}` : 'Complaint'}>
      <p>
        <Link to="/operator/complaints">Back to the complaints</Link>
      </p>
      {complaint.isPending ? <Loading /> : null}
      {complaint.error ? <LoadError error={complaint.error} what="The complaint" item retry={() => void complaint.refetch()} /> : null}
      {c ? (
        <>
          <dl>
            <dt>Status</dt>
            <dd>{statusWords[c.status]}</dd>
            <dt>Received</dt>
            <dd>
              {formatDateTime(c.receivedAt)} by {c.channel === 'web' ? 'the web form' : c.channel}
            </dd>
            <dt>Due</dt>
            <dd>
              {formatDate(`${c.dueOn}T12:00:00Z`)} ({daysLeftText(c)})
            </dd>
            <dt>Name</dt>
            <dd>{c.name}</dd>
            <dt>Email</dt>
            <dd>{c.email ?? 'Not given'}</dd>
            <dt>Phone</dt>
            <dd>{c.phone ?? 'Not given'}</dd>
            <dt>Business</dt>
            <dd>{c.business ?? 'Not named'}</dd>
          </dl>
          <h3>What happened</h3>
          <p style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{c.details}</p>
          {c.response ? (
            <>
              <h3>Response{c.respondedAt ? `, ${formatDateTime(c.respondedAt)}` : ''}</h3>
              <p style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>{c.response}</p>
            </>
          ) : null}
          <MoveForm complaint={c} />
        </>
      ) : null}
    </OperatorSection>
  );
}
