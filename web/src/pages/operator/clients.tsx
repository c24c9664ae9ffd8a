/** Operator console → Clients: every client of this installation, and looking into one (read only, audited, with a reason). */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { operatorApi, type OperatorClient } from '../../api/operator.ts';
import { FormMessage, TextField } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatDate } from '../../lib/format.ts';
import { storeSession } from '../../session.tsx';
import { OperatorSection } from './operator.tsx';

function OpenClientForm({ client }: { client: OperatorClient }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [reason, setReason] = useState('');
  const open = useMutation({
    mutationFn: () => operatorApi.openClient(client.id, reason),
    onSuccess: (session) => {
      storeSession(queryClient, session);
      void navigate('/inbox');
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    open.mutate();
  }
  return (
    <form onSubmit={submit} className="inline-form">
      <TextField
        label={`Why you need to look into ${client.name}`}
        hint="Recorded in the client's audit log. You will see its feedback read only, without contact details."
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        minLength={10}
        maxLength={500}
        required
      />
      <button type="submit" className="button button-small" disabled={open.isPending}>
        Look into {client.name}
      </button>
      <FormMessage error={open.error ? errorMessage(open.error) : null} />
    </form>
  );
}

export function OperatorClients() {
  const clients = useQuery({ queryKey: ['operator', 'clients'], queryFn: operatorApi.clients });
  const [chosen, setChosen] = useState<string | null>(null);
  return (
    <OperatorSection title="Clients" intro="Every business on this installation.">
      {clients.isPending ? <Loading /> : null}
      {clients.error ? <LoadError error={clients.error} what="The clients" retry={() => void clients.refetch()} /> : null}
      {clients.data && !clients.data.length ? <Empty title="No clients yet" /> : null}
      {clients.data?.length ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {clients.data.map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td>{formatDate(c.createdAt)}</td>
                <td>
                  {chosen === c.id ? (
                    <OpenClientForm client={c} />
                  ) : (
                    <button type="button" className="button button-quiet button-small" onClick={() => setChosen(c.id)}>
                      Look into…
                    </button>
                  )}{' '}
                  <Link to={`/operator/terminations/${c.id}`} className="button button-quiet button-small">
                    Terminate…<span className="visually-hidden"> {c.name}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </OperatorSection>
  );
}
