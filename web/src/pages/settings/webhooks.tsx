/**
 * Settings → Webhooks: add an endpoint (its secret shown once, its events, whether it may
 * carry customers' contact details), its deliveries with each one's attempts and replay,
 * enable again, remove.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { attemptOutcomeWords, integrationsApi, webhookEvents, type WebhookDelivery, type WebhookEndpoint, type WebhookEvent } from '../../api/integrations.ts';
import { Checkbox, ConfirmButton, FormMessage, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/forms.tsx';
import { LoadError, Loading } from '../../components/status.tsx';
import { formatDateTime } from '../../lib/format.ts';
import { useSession } from '../../session.tsx';
import { SettingsSection } from './settings.tsx';

const contactHint = 'New feedback, feedback changes and opt-outs then carry the customer’s name, email and mobile. Recorded in the audit log.';

const endpointsKey = ['settings', 'webhook-endpoints'] as const;

const when = (iso: string | null): string => (iso ? formatDateTime(iso) : '—');

function NewEndpointForm() {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['feedback.created']);
  const [includeContact, setIncludeContact] = useState(false);
  const mayIncludeContact = useSession().can('contact.read');
  const [errors, setErrors] = useState<FieldErrors<'url' | 'events'>>({});
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: integrationsApi.createEndpoint,
    onSuccess: (made) => {
      setSecret(made.secret);
      setUrl('');
      setDescription('');
      setIncludeContact(false);
      void queryClient.invalidateQueries({ queryKey: endpointsKey });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setSecret(null);
    const found: FieldErrors<'url' | 'events'> = {};
    if (!/^https?:\/\/\S+$/.test(url.trim())) found.url = 'Enter the full address, such as https://example.com/hooks/hark.';
    if (!events.length) found.events = 'Choose at least one event.';
    setErrors(found);
    if (hasErrors(found)) return focusFirstInvalid(form.current);
    create.mutate({ url: url.trim(), events, description: description.trim(), includeContact });
  }

  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate aria-label="New webhook endpoint">
      <h3>New endpoint</h3>
      <TextField label="URL" type="url" hint="Hark POSTs signed events here (Standard Webhooks)." value={url} onChange={(e) => setUrl(e.target.value)} error={errors.url} maxLength={2000} />
      <TextField label="Description" optional value={description} onChange={(e) => setDescription(e.target.value)} maxLength={200} />
      <fieldset className="fieldset">
        <legend className="field-label">Events</legend>
        {webhookEvents.map(({ event, label }) => (
          <Checkbox
            key={event}
            label={label}
            checked={events.includes(event)}
            error={event === webhookEvents[0]?.event ? errors.events : undefined}
            onChange={(e) => setEvents((old) => (e.target.checked ? [...old, event] : old.filter((x) => x !== event)))}
          />
        ))}
      </fieldset>
      {mayIncludeContact ? (
        <Checkbox label="Send customers’ contact details" hint={contactHint} checked={includeContact} onChange={(e) => setIncludeContact(e.target.checked)} />
      ) : null}
      <FormMessage error={create.error ? errorMessage(create.error) : null} success={secret ? 'Endpoint added. Copy its signing secret now: it is not shown again.' : null} />
      {secret ? <TextField label="Signing secret" id="new-webhook-secret" readOnly value={secret} onFocus={(e) => e.target.select()} /> : null}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          {create.isPending ? 'Adding…' : 'Add endpoint'}
        </button>
      </div>
    </form>
  );
}

function Attempts({ endpointId, delivery }: { endpointId: string; delivery: WebhookDelivery }) {
  const attempts = useQuery({
    queryKey: ['settings', 'webhook-attempts', delivery.id, delivery.attempts, delivery.status],
    queryFn: () => integrationsApi.attempts(endpointId, delivery.id),
    retry: false,
  });
  if (attempts.isPending) return <Loading />;
  if (attempts.error) return <LoadError error={attempts.error} what="The attempts" retry={() => void attempts.refetch()} />;
  if (!attempts.data.length) return <p className="muted">Not attempted yet.</p>;
  return (
    <table className="table">
      <caption>
        Attempts of {delivery.eventType} of {when(delivery.createdAt)}
      </caption>
      <thead>
        <tr>
          <th scope="col">Attempt</th>
          <th scope="col">Started</th>
          <th scope="col">Took</th>
          <th scope="col">Result</th>
          <th scope="col">Answer</th>
        </tr>
      </thead>
      <tbody>
        {attempts.data.map((a) => (
          <tr key={a.attempt}>
            <td>{a.attempt}</td>
            <td>{when(a.startedAt)}</td>
            <td>{a.durationMs} ms</td>
            <td>
              {attemptOutcomeWords[a.outcome]}
              {a.statusCode !== null ? ` (${a.statusCode})` : ''}
            </td>
            <td>{a.responseExcerpt ? <code>{a.responseExcerpt}</code> : (a.error ?? '—')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Deliveries({ endpoint }: { endpoint: WebhookEndpoint }) {
  const queryClient = useQueryClient();
  const key = ['settings', 'webhook-deliveries', endpoint.id];
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setExpanded((old) => {
      const next = new Set(old);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const deliveries = useQuery({ queryKey: key, queryFn: () => integrationsApi.deliveries(endpoint.id), retry: false });
  const replay = useMutation({ mutationFn: (deliveryId: string) => integrationsApi.replay(endpoint.id, deliveryId), onSuccess: () => void queryClient.invalidateQueries({ queryKey: key }) });
  if (deliveries.isPending) return <Loading />;
  if (deliveries.error) return <LoadError error={deliveries.error} what="The deliveries" retry={() => void deliveries.refetch()} />;
  if (!deliveries.data.length) return <p className="muted">No deliveries yet.</p>;
  return (
    <>
      <table className="table">
        <caption>Deliveries to {endpoint.url}</caption>
        <thead>
          <tr>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Last answer</th>
            <th scope="col">Next attempt</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {deliveries.data.map((d) => (
            <Fragment key={d.id}>
              <tr>
                <td>{d.eventType}</td>
                <td>{d.status}</td>
                <td>
                  <button
                    type="button"
                    className="button button-quiet button-small"
                    aria-expanded={expanded.has(d.id)}
                    aria-controls={`attempts-${d.id}`}
                    disabled={d.attempts === 0}
                    onClick={() => toggle(d.id)}
                  >
                    {d.attempts}
                    <span className="visually-hidden">
                      {' '}
                      attempts of {d.eventType} of {when(d.createdAt)}: {expanded.has(d.id) ? 'hide' : 'show'}
                    </span>
                  </button>
                </td>
                <td>{d.lastStatusCode ?? d.lastError ?? '—'}</td>
                <td>{when(d.nextAttemptAt)}</td>
                <td>
                  <button type="button" className="button button-quiet button-small" disabled={d.status === 'sending' || replay.isPending} onClick={() => replay.mutate(d.id)}>
                    Replay<span className="visually-hidden"> {d.eventType} of {when(d.createdAt)}</span>
                  </button>
                </td>
              </tr>
              {expanded.has(d.id) ? (
                <tr id={`attempts-${d.id}`}>
                  <td colSpan={6}>
                    <Attempts endpointId={endpoint.id} delivery={d} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
      <FormMessage error={replay.error ? errorMessage(replay.error) : null} success={replay.isSuccess ? 'Queued to be sent again.' : null} />
    </>
  );
}

function EndpointCard({ endpoint }: { endpoint: WebhookEndpoint }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: endpointsKey });
  const enable = useMutation({ mutationFn: () => integrationsApi.enableEndpoint(endpoint.id), onSuccess: refresh });
  const remove = useMutation({ mutationFn: () => integrationsApi.deleteEndpoint(endpoint.id), onSuccess: refresh });
  const contact = useMutation({ mutationFn: (include: boolean) => integrationsApi.setIncludeContact(endpoint.id, include), onSuccess: refresh });
  const mayIncludeContact = useSession().can('contact.read');
  return (
    <li className="card section stack">
      <h3>
        <code>{endpoint.url}</code>
      </h3>
      {endpoint.description ? <p>{endpoint.description}</p> : null}
      <p>Events: {endpoint.events.join(', ')}</p>
      <p>{endpoint.includeContact ? 'Sends customers’ contact details with new feedback, feedback changes and opt-outs.' : 'Sends no contact details.'}</p>
      {endpoint.enabled ? (
        <p>{endpoint.consecutiveFailures ? `Enabled; the last ${endpoint.consecutiveFailures} attempts failed.` : 'Enabled.'}</p>
      ) : (
        <p className="notice notice-error">
          Disabled {when(endpoint.disabledAt)} after repeated failures ({endpoint.disabledReason}). Events are kept until you enable it again.
        </p>
      )}
      <div className="form-actions">
        {!endpoint.enabled ? (
          <button type="button" className="button button-primary button-small" onClick={() => enable.mutate()} disabled={enable.isPending}>
            Enable again
          </button>
        ) : null}
        {endpoint.includeContact ? (
          <button type="button" className="button button-quiet button-small" onClick={() => contact.mutate(false)} disabled={contact.isPending}>
            Stop sending contact details
          </button>
        ) : mayIncludeContact ? (
          <ConfirmButton question="Send customers’ names, emails and mobiles to this endpoint?" confirmLabel="Send them" onConfirm={() => contact.mutate(true)} disabled={contact.isPending}>
            Send contact details
          </ConfirmButton>
        ) : null}
        <button type="button" className="button button-quiet button-small" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide deliveries' : 'Show deliveries'}
        </button>
        <ConfirmButton question="Remove this endpoint and its deliveries?" confirmLabel="Remove" onConfirm={() => remove.mutate()}>
          Remove
        </ConfirmButton>
      </div>
      <FormMessage error={[enable.error, remove.error, contact.error].map((e) => (e ? errorMessage(e) : null)).find(Boolean) ?? null} />
      {open ? <Deliveries endpoint={endpoint} /> : null}
    </li>
  );
}

export function WebhookSettings() {
  const endpoints = useQuery({ queryKey: endpointsKey, queryFn: integrationsApi.endpoints, retry: false });
  return (
    <SettingsSection title="Webhooks" permission="settings.manage" intro="Hark tells your systems of new and changed feedback, cases, replies and opt-outs as they happen, signed so that you can check they came from Hark.">
      <NewEndpointForm />
      {endpoints.isPending ? <Loading /> : null}
      {endpoints.error ? <LoadError error={endpoints.error} what="The endpoints" retry={() => void endpoints.refetch()} /> : null}
      {endpoints.data ? (
        endpoints.data.length ? (
          <ul className="card-list">
            {endpoints.data.map((e) => (
              <EndpointCard key={e.id} endpoint={e} />
            ))}
          </ul>
        ) : (
          <p className="muted">No endpoints yet.</p>
        )
      ) : null}
    </SettingsSection>
  );
}
