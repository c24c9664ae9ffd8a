/**
 * Operator console → Exports: export a client's whole data as a zip (downloaded at once;
 * no copy stays on the server) and the list of exports made, with their checksums.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { exportsApi, saveFile } from '../../api/exports.ts';
import { operatorApi } from '../../api/operator.ts';
import { FormMessage, SelectField } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatCount, formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const statusNames = { running: 'Running', complete: 'Complete', failed: 'Failed' } as const;

export function OperatorExports() {
  const queryClient = useQueryClient();
  const clients = useQuery({ queryKey: ['operator', 'clients'], queryFn: operatorApi.clients });
  // An export is recorded complete once its zip has left: look again until it is.
  const list = useQuery({
    queryKey: ['operator', 'exports'],
    queryFn: () => exportsApi.list(),
    refetchInterval: (query) => (query.state.data?.some((e) => e.status === 'running') ? 1000 : false),
  });
  const [clientId, setClientId] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const run = useMutation({
    mutationFn: (id: string) => exportsApi.exportClient(id),
    onSuccess: (file) => {
      saveFile(file);
      setDone(`Downloaded ${file.fileName}.`);
      void queryClient.invalidateQueries({ queryKey: ['operator', 'exports'] });
    },
    onError: () => void queryClient.invalidateQueries({ queryKey: ['operator', 'exports'] }),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(null);
    if (clientId) run.mutate(clientId);
  }
  return (
    <OperatorSection
      title="Exports"
      intro="A client's whole data as a zip: JSON Lines and CSV for each kind of record, with contact details decrypted, a manifest of row counts and checksums, and SCHEMA.md. Each export is recorded in the client's audit log and yours."
    >
      {clients.isPending ? <Loading /> : null}
      {clients.error ? <LoadError error={clients.error} what="The clients" retry={() => void clients.refetch()} /> : null}
      {clients.data ? (
        <form onSubmit={submit} className="stack" noValidate>
          <SelectField label="Client" value={clientId} onChange={(e) => setClientId(e.target.value)} required>
            <option value="">Choose a client</option>
            {clients.data.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </SelectField>
          <p>
            <button type="submit" className="button" disabled={!clientId || run.isPending}>
              {run.isPending ? 'Exporting…' : 'Export and download'}
            </button>
          </p>
          <FormMessage error={run.error ? errorMessage(run.error) : null} success={done} />
        </form>
      ) : null}

      <h3 className="section-title">Exports made</h3>
      {list.isPending ? <Loading /> : null}
      {list.error ? <LoadError error={list.error} what="The exports" retry={() => void list.refetch()} /> : null}
      {list.data && !list.data.length ? <Empty title="No client has been exported yet" /> : null}
      {list.data?.length ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Started</th>
              <th scope="col">By</th>
              <th scope="col">Status</th>
              <th scope="col">Rows</th>
              <th scope="col">SHA-256 of the zip</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((e) => (
              <tr key={e.id}>
                <td>{e.clientName}</td>
                <td>{formatDateTime(e.startedAt)}</td>
                <td>
                  {e.requestedBy}
                  {e.via === 'cli' ? ' (command line)' : ''}
                </td>
                <td>{statusNames[e.status]}</td>
                <td>{e.totalRows === null ? '–' : formatCount(e.totalRows)}</td>
                <td>{e.sha256 ? <code style={{ wordBreak: 'break-all' }}>{e.sha256}</code> : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </OperatorSection>
  );
}
