/**
 * Operator console → Retention: what each run anonymised, deleted and left alone; a dry run
 * or a run now; and legal holds per client, which keep rows as they are until released.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { operatorApi } from '../../api/operator.ts';
import { retentionApi, type RetentionReport, type TableCounts } from '../../api/retention.ts';
import { ConfirmButton, FormMessage, SelectField, TextField } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const skipNames: Record<string, string> = { legal_hold: 'under a legal hold', open_privacy_request: 'of people with an open privacy request' };

function CountsList({ totals, skipped }: { totals: TableCounts; skipped: Record<string, number> }) {
  const rows = Object.entries(totals);
  const skips = Object.entries(skipped).filter(([, n]) => n > 0);
  if (!rows.length && !skips.length) return <span>Nothing past its period.</span>;
  return (
    <ul className="channel-list">
      {rows.map(([table, c]) => (
        <li key={table}>
          {table.replace(/_/g, ' ')}: {[c.anonymised ? `${c.anonymised} anonymised` : '', c.deleted ? `${c.deleted} deleted` : ''].filter(Boolean).join(', ')}
        </li>
      ))}
      {skips.map(([reason, n]) => (
        <li key={reason}>
          left alone: {n} feedback {skipNames[reason] ?? reason}
        </li>
      ))}
    </ul>
  );
}

function RunNow() {
  const queryClient = useQueryClient();
  const [report, setReport] = useState<RetentionReport | null>(null);
  const run = useMutation({
    mutationFn: (dryRun: boolean) => retentionApi.run(dryRun),
    onSuccess: (result) => {
      setReport(result);
      void queryClient.invalidateQueries({ queryKey: ['operator', 'retention-runs'] });
    },
  });
  return (
    <div className="stack">
      <p>Retention runs every day. A dry run reports what a run would do and changes nothing.</p>
      <div className="form-actions">
        <button type="button" className="button button-quiet" disabled={run.isPending} onClick={() => run.mutate(true)}>
          Dry run
        </button>
        <ConfirmButton small={false} confirmLabel="Yes, apply retention now" question="Anonymise and delete what is past its period now?" onConfirm={() => run.mutate(false)} disabled={run.isPending}>
          Run now
        </ConfirmButton>
      </div>
      <FormMessage error={run.error ? errorMessage(run.error) : null} success={report ? `${report.dryRun ? 'Dry run' : 'Run'} finished over ${report.clients} clients.` : null} />
      {report ? <CountsList totals={report.totals} skipped={report.skipped} /> : null}
    </div>
  );
}

function Runs() {
  const runs = useQuery({ queryKey: ['operator', 'retention-runs'], queryFn: retentionApi.runs });
  if (runs.isPending) return <Loading />;
  if (runs.error) return <LoadError error={runs.error} what="The retention runs" retry={() => void runs.refetch()} />;
  if (!runs.data.length) return <Empty title="No runs yet">The first daily run will appear here.</Empty>;
  return (
    <div className="table-wrap">
      <table className="table">
        <caption className="visually-hidden">Retention runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Kind</th>
            <th scope="col">Clients</th>
            <th scope="col">What it did</th>
          </tr>
        </thead>
        <tbody>
          {runs.data.map((r) => (
            <tr key={r.id}>
              <td>{formatDateTime(r.startedAt)}</td>
              <td>
                {r.dryRun ? 'Dry run' : 'Run'} ({r.trigger})
              </td>
              <td>{r.clients}</td>
              <td>{r.error ? <span className="notice notice-error">Failed: {r.error}</span> : <CountsList totals={r.totals} skipped={r.skipped} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LegalHolds() {
  const queryClient = useQueryClient();
  const clients = useQuery({ queryKey: ['operator', 'clients'], queryFn: operatorApi.clients });
  const [clientId, setClientId] = useState('');
  const [reason, setReason] = useState('');
  const [feedbackId, setFeedbackId] = useState('');
  const headingId = useId();
  const holds = useQuery({ queryKey: ['operator', 'legal-holds', clientId], queryFn: () => retentionApi.holds(clientId), enabled: Boolean(clientId) });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['operator', 'legal-holds', clientId] });
  const place = useMutation({
    mutationFn: () => retentionApi.placeHold(clientId, { reason, ...(feedbackId.trim() ? { feedbackId: feedbackId.trim() } : {}) }),
    onSuccess: () => {
      setReason('');
      setFeedbackId('');
      refresh();
    },
  });
  const release = useMutation({ mutationFn: (holdId: string) => retentionApi.releaseHold(clientId, holdId), onSuccess: refresh });
  function submit(event: FormEvent) {
    event.preventDefault();
    place.mutate();
  }
  return (
    <section aria-labelledby={headingId} className="stack">
      <h3 id={headingId}>Legal holds</h3>
      {clients.error ? <LoadError error={clients.error} what="The clients" /> : null}
      <SelectField label="Client" value={clientId} onChange={(e) => setClientId(e.target.value)}>
        <option value="">Choose a client…</option>
        {clients.data?.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </SelectField>
      {clientId ? (
        <>
          {holds.isPending ? <Loading /> : null}
          {holds.data && !holds.data.length ? <p>No holds on this client.</p> : null}
          {holds.data?.length ? (
            <ul className="channel-list">
              {holds.data.map((h) => (
                <li key={h.id}>
                  {h.scope === 'client' ? 'Everything of this client' : h.scope === 'feedback' ? `Feedback ${h.feedbackId}` : `End customer ${h.endCustomerId}`} — {h.reason}, placed{' '}
                  {formatDateTime(h.placedAt)}
                  {h.releasedAt ? (
                    `, released ${formatDateTime(h.releasedAt)}`
                  ) : (
                    <>
                      {' '}
                      <ConfirmButton confirmLabel="Yes, release it" question="Release this hold? Retention will then apply to these rows." onConfirm={() => release.mutate(h.id)}>
                        Release
                      </ConfirmButton>
                    </>
                  )}
                </li>
              ))}
            </ul>
          ) : null}
          <form onSubmit={submit} className="stack">
            <TextField label="Reason (the order or matter)" value={reason} onChange={(e) => setReason(e.target.value)} minLength={3} maxLength={500} required />
            <TextField label="Feedback id" hint="Leave empty to hold everything of this client." optional value={feedbackId} onChange={(e) => setFeedbackId(e.target.value)} />
            <div>
              <button type="submit" className="button" disabled={place.isPending}>
                Place hold
              </button>
            </div>
            <FormMessage error={place.error ? errorMessage(place.error) : release.error ? errorMessage(release.error) : null} />
          </form>
        </>
      ) : null}
    </section>
  );
}

export function OperatorRetention() {
  return (
    <OperatorSection title="Retention" intro="Each programme keeps feedback for its retention period. Past it, feedback is anonymised and what only served it is deleted; held rows are left alone.">
      <RunNow />
      <Runs />
      <LegalHolds />
    </OperatorSection>
  );
}
