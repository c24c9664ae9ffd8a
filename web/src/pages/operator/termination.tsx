/**
 * Operator console → Terminations: terminating a client (its name typed again, after an
 * export) and the signed deletion certificates of clients terminated, to read and download.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { errorMessage, isNotFound } from '../../api/client.ts';
import { operatorApi } from '../../api/operator.ts';
import { terminationApi, type DeletionCertificate } from '../../api/termination.ts';
import { Checkbox, FormMessage, TextField } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

/** Saves the certificate as signed, with its signature and the public key that checks it. */
function downloadCertificate(issued: DeletionCertificate): void {
  const document = JSON.stringify({ text: issued.text, signature: issued.signature, signingKey: issued.signingKey }, null, 2);
  const url = URL.createObjectURL(new Blob([`${document}\n`], { type: 'application/json' }));
  const link = Object.assign(window.document.createElement('a'), { href: url, download: `deletion-certificate-${issued.clientId}.json` });
  link.click();
  URL.revokeObjectURL(url);
}

function CertificateView({ issued }: { issued: DeletionCertificate }) {
  const c = issued.certificate;
  const tables = Object.entries(c.rowsDeleted).filter(([, n]) => n > 0);
  return (
    <div className="stack">
      <p className="notice notice-success">
        {c.client.name} was terminated on {formatDateTime(c.completedAt)}. Its keys are destroyed: no copy of its contact details can be read again, backups included.
      </p>
      <dl className="facts">
        <dt>Client</dt>
        <dd>
          {c.client.name} <code>{c.client.id}</code>
        </dd>
        <dt>Requested by</dt>
        <dd>
          {c.requestedBy.label} ({c.requestedBy.via === 'api' ? 'operator console' : 'command line'})
        </dd>
        <dt>Export</dt>
        <dd>{c.export.checked ? `Checked: export ${c.export.exportId} of ${formatDateTime(c.export.exportedAt)}` : 'Not checked: skipped by the operator'}</dd>
        <dt>Started</dt>
        <dd>{formatDateTime(c.startedAt)}</dd>
        <dt>Keys destroyed</dt>
        <dd>
          {formatDateTime(c.keysDestroyedAt)}: {c.keysDestroyed.length ? c.keysDestroyed.map((k) => <code key={k.keyId}>{k.keyId} </code>) : 'none left'}
        </dd>
        <dt>Finished</dt>
        <dd>{formatDateTime(c.completedAt)}</dd>
        <dt>Audit chain</dt>
        <dd>
          {formatCount(c.auditChain.entries)} entries erased; final hash <code style={{ wordBreak: 'break-all' }}>{c.auditChain.finalHash ?? '(none)'}</code>, kept in the operator's audit log
        </dd>
        <dt>Signed with</dt>
        <dd>
          {issued.signingKey.algorithm} key <code>{issued.signingKey.id}</code>
        </dd>
      </dl>
      <table className="table">
        <caption>Rows deleted: {formatCount(c.totalRowsDeleted)}</caption>
        <thead>
          <tr>
            <th scope="col">Table</th>
            <th scope="col">Rows</th>
          </tr>
        </thead>
        <tbody>
          {tables.map(([table, n]) => (
            <tr key={table}>
              <td>{table}</td>
              <td>{formatCount(n)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <button type="button" className="button" onClick={() => downloadCertificate(issued)}>
          Download the signed certificate
        </button>
      </p>
    </div>
  );
}

function TerminateForm({ clientId, clientName }: { clientId: string; clientName: string }) {
  const queryClient = useQueryClient();
  const [confirmName, setConfirmName] = useState('');
  const [skipExportCheck, setSkipExportCheck] = useState(false);
  const terminate = useMutation({
    mutationFn: () => terminationApi.terminate(clientId, { confirmName, skipExportCheck }),
    onSuccess: (issued) => {
      queryClient.setQueryData(['operator', 'termination', clientId], issued);
      void queryClient.invalidateQueries({ queryKey: ['operator', 'clients'] });
      void queryClient.invalidateQueries({ queryKey: ['operator', 'terminations'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    terminate.mutate();
  }
  return (
    <form onSubmit={submit} className="stack" noValidate>
      <p className="notice notice-error">
        Terminating {clientName} destroys its encryption keys at once and deletes all its data, queued jobs and audit log for good. It cannot be undone. Export the
        client's data first.
      </p>
      <TextField
        label={`Type the client's name, ${clientName}, to confirm`}
        value={confirmName}
        onChange={(e) => setConfirmName(e.target.value)}
        autoComplete="off"
        maxLength={200}
        required
      />
      <Checkbox
        label="Terminate without a current export"
        hint="Only when the client has declined an export. The certificate records that the export was not checked."
        checked={skipExportCheck}
        onChange={(e) => setSkipExportCheck(e.target.checked)}
      />
      <p>
        <button type="submit" className="button button-danger" disabled={terminate.isPending}>
          {terminate.isPending ? 'Terminating…' : `Terminate ${clientName}`}
        </button>
      </p>
      <FormMessage error={terminate.error ? errorMessage(terminate.error) : null} />
    </form>
  );
}

/** /operator/terminations/:clientId — the form for a live client, the certificate for a terminated one. */
export function OperatorTermination() {
  const { clientId = '' } = useParams();
  const clients = useQuery({ queryKey: ['operator', 'clients'], queryFn: operatorApi.clients });
  const issued = useQuery({
    queryKey: ['operator', 'termination', clientId],
    queryFn: () => terminationApi.certificate(clientId).catch((error: unknown) => (isNotFound(error) ? null : Promise.reject(error))),
  });
  const client = clients.data?.find((c) => c.id === clientId);
  const title = issued.data ? `Deletion certificate: ${issued.data.clientName}` : client ? `Terminate ${client.name}` : 'Terminate a client';
  return (
    <OperatorSection title={title}>
      <p>
        <Link to="/operator/terminations">All terminations</Link>
      </p>
      {clients.isPending || issued.isPending ? <Loading /> : null}
      {issued.error ? <LoadError error={issued.error} what="The certificate" retry={() => void issued.refetch()} /> : null}
      {issued.data ? <CertificateView issued={issued.data} /> : null}
      {issued.data === null && client ? <TerminateForm clientId={client.id} clientName={client.name} /> : null}
      {issued.data === null && clients.data && !client ? <Empty title="There is no such client">It may have been terminated by someone else; see all terminations.</Empty> : null}
    </OperatorSection>
  );
}

/** /operator/terminations — clients terminated, newest first. */
export function OperatorTerminations() {
  const list = useQuery({ queryKey: ['operator', 'terminations'], queryFn: terminationApi.list });
  return (
    <OperatorSection title="Terminations" intro="Clients terminated, with their signed deletion certificates. To terminate a client, choose Terminate on the Clients screen.">
      {list.isPending ? <Loading /> : null}
      {list.error ? <LoadError error={list.error} what="The terminations" retry={() => void list.refetch()} /> : null}
      {list.data && !list.data.length ? <Empty title="No client has been terminated" /> : null}
      {list.data?.length ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Terminated</th>
              <th scope="col">By</th>
              <th scope="col">Rows deleted</th>
              <th scope="col">
                <span className="visually-hidden">Certificate</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((t) => (
              <tr key={t.clientId}>
                <td>{t.clientName}</td>
                <td>{t.completedAt ? formatDateTime(t.completedAt) : `Started ${formatDateTime(t.startedAt)}, not finished`}</td>
                <td>{t.requestedBy}</td>
                <td>{formatCount(t.totalRowsDeleted)}</td>
                <td>
                  {t.status === 'complete' ? (
                    <Link to={`/operator/terminations/${t.clientId}`}>
                      Certificate<span className="visually-hidden"> of {t.clientName}</span>
                    </Link>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </OperatorSection>
  );
}
