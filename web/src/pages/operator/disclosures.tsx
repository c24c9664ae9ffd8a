/**
 * Operator console → Disclosures: the register of legal orders. An order is recorded with
 * its scope, recipient and a second operator as approver; its data leaves once, by
 * Release, which downloads the zip and records what left and its checksum.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { disclosuresApi, saveFile, type Disclosure, type NewDisclosure, type OrderKind } from '../../api/exports.ts';
import { operatorApi } from '../../api/operator.ts';
import { FormMessage, SelectField, TextArea, TextField } from '../../components/forms.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { formatCount, formatDate, formatDateTime } from '../../lib/format.ts';
import { OperatorSection } from './operator.tsx';

const orderKindNames: Record<OrderKind, string> = { warrant: 'Warrant', production_order: 'Production order', subpoena: 'Subpoena', other: 'Other order' };
const statusNames: Record<Disclosure['status'], string> = { recorded: 'Recorded, not released', releasing: 'Releasing', released: 'Released', release_failed: 'Release failed' };

const lines = (text: string) =>
  text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);

function RecordForm() {
  const queryClient = useQueryClient();
  const clients = useQuery({ queryKey: ['operator', 'clients'], queryFn: operatorApi.clients });
  const approvers = useQuery({ queryKey: ['operator', 'disclosure-approvers'], queryFn: disclosuresApi.approvers });
  const [form, setForm] = useState({ orderKind: 'production_order' as OrderKind, issuer: '', reference: '', orderDate: '', recipient: '', approverUserId: '', clientId: '', emails: '', mobiles: '', feedbackIds: '', from: '', to: '', notes: '' });
  const set = (field: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });
  const [saved, setSaved] = useState<string | null>(null);
  const record = useMutation({
    mutationFn: (body: NewDisclosure) => disclosuresApi.record(body),
    onSuccess: (d) => {
      setSaved(`Recorded ${orderKindNames[d.orderKind].toLowerCase()} ${d.reference}. Release it from the register below.`);
      void queryClient.invalidateQueries({ queryKey: ['operator', 'disclosures'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    record.mutate({
      orderKind: form.orderKind,
      issuer: form.issuer,
      reference: form.reference,
      orderDate: form.orderDate,
      recipient: form.recipient,
      approverUserId: form.approverUserId,
      notes: form.notes,
      scope: {
        clientId: form.clientId,
        emails: lines(form.emails),
        mobiles: lines(form.mobiles),
        feedbackIds: lines(form.feedbackIds),
        ...(form.from ? { from: new Date(`${form.from}T00:00:00`).toISOString() } : {}),
        ...(form.to ? { to: new Date(`${form.to}T23:59:59`).toISOString() } : {}),
      },
    });
  }
  if (clients.isPending || approvers.isPending) return <Loading />;
  if (clients.error) return <LoadError error={clients.error} what="The clients" />;
  if (approvers.error) return <LoadError error={approvers.error} what="The approvers" />;
  return (
    <form onSubmit={submit} className="stack" noValidate aria-labelledby="record-disclosure-heading">
      <h3 className="section-title" id="record-disclosure-heading">
        Record an order
      </h3>
      <SelectField label="Kind of order" value={form.orderKind} onChange={set('orderKind')}>
        {Object.entries(orderKindNames).map(([value, name]) => (
          <option key={value} value={value}>
            {name}
          </option>
        ))}
      </SelectField>
      <TextField label="Issued by" hint="The court or agency" value={form.issuer} onChange={set('issuer')} maxLength={200} required />
      <TextField label="Reference" value={form.reference} onChange={set('reference')} maxLength={200} required />
      <TextField label="Date of the order" type="date" value={form.orderDate} onChange={set('orderDate')} required />
      <TextField label="Recipient" hint="Who receives the data" value={form.recipient} onChange={set('recipient')} maxLength={500} required />
      <SelectField label="Approved by" hint="Another operator, who approved this disclosure" value={form.approverUserId} onChange={set('approverUserId')} required>
        <option value="">Choose the approver</option>
        {approvers.data.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} ({a.email})
          </option>
        ))}
      </SelectField>
      <SelectField label="Client" value={form.clientId} onChange={set('clientId')} required>
        <option value="">Choose the client</option>
        {clients.data.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name}
          </option>
        ))}
      </SelectField>
      <TextArea label="Emails named in the order" hint="One a line" value={form.emails} onChange={set('emails')} rows={2} optional />
      <TextArea label="Mobiles named in the order" hint="One a line, with the country code" value={form.mobiles} onChange={set('mobiles')} rows={2} optional />
      <TextArea label="Feedback ids named in the order" hint="One a line" value={form.feedbackIds} onChange={set('feedbackIds')} rows={2} optional />
      <TextField label="Feedback from" type="date" value={form.from} onChange={set('from')} optional />
      <TextField label="Feedback to" type="date" value={form.to} onChange={set('to')} optional />
      <TextArea label="Notes" value={form.notes} onChange={set('notes')} rows={2} maxLength={2000} optional />
      <p>
        <button type="submit" className="button" disabled={record.isPending}>
          {record.isPending ? 'Recording…' : 'Record the order'}
        </button>
      </p>
      <FormMessage error={record.error ? errorMessage(record.error) : null} success={saved} />
    </form>
  );
}

function scopeText(d: Disclosure): string {
  const parts = [
    d.scope.emails ? `${d.scope.emails} email${d.scope.emails === 1 ? '' : 's'}` : '',
    d.scope.mobiles ? `${d.scope.mobiles} mobile${d.scope.mobiles === 1 ? '' : 's'}` : '',
    d.scope.feedbackIds.length ? `${d.scope.feedbackIds.length} feedback` : '',
    d.scope.from || d.scope.to ? `given ${d.scope.from ? `from ${formatDate(d.scope.from)}` : ''} ${d.scope.to ? `to ${formatDate(d.scope.to)}` : ''}`.trim() : '',
  ].filter(Boolean);
  return parts.join('; ');
}

function Register() {
  const queryClient = useQueryClient();
  // A release is recorded once its zip has left: look again until it is.
  const list = useQuery({
    queryKey: ['operator', 'disclosures'],
    queryFn: disclosuresApi.list,
    refetchInterval: (query) => (query.state.data?.some((d) => d.status === 'releasing') ? 1000 : false),
  });
  const [message, setMessage] = useState<string | null>(null);
  const release = useMutation({
    mutationFn: (id: string) => disclosuresApi.release(id),
    onSuccess: (file) => {
      saveFile(file);
      setMessage(`Released: ${file.fileName} downloaded.`);
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['operator', 'disclosures'] }),
  });
  return (
    <div className="stack">
      <h3 className="section-title">Register</h3>
      <FormMessage error={release.error ? errorMessage(release.error) : null} success={message} />
      {list.isPending ? <Loading /> : null}
      {list.error ? <LoadError error={list.error} what="The register" retry={() => void list.refetch()} /> : null}
      {list.data && !list.data.length ? <Empty title="No disclosure has been recorded" /> : null}
      {list.data?.length ? (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Client and scope</th>
              <th scope="col">Recipient</th>
              <th scope="col">Recorded, approved</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={d.id}>
                <td>
                  {orderKindNames[d.orderKind]} {d.reference}, {d.issuer}, {formatDate(d.orderDate)}
                </td>
                <td>
                  {d.clientName}: {scopeText(d)}
                </td>
                <td>{d.recipient}</td>
                <td>
                  {d.recordedBy}, {formatDateTime(d.recordedAt)}; approved by {d.approver}
                </td>
                <td>
                  {statusNames[d.status]}
                  {d.release ? (
                    <>
                      {' '}
                      {d.releasedAt ? formatDateTime(d.releasedAt) : ''} by {d.releasedBy}: {formatCount(Object.values(d.release.rowCounts).reduce((a, b) => a + b, 0))} rows, SHA-256{' '}
                      <code style={{ wordBreak: 'break-all' }}>{d.release.sha256}</code>
                    </>
                  ) : null}
                  {d.status === 'recorded' ? (
                    <p>
                      <button type="button" className="button" disabled={release.isPending} onClick={() => release.mutate(d.id)}>
                        Release<span className="visually-hidden"> {d.reference}</span>
                      </button>
                    </p>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function OperatorDisclosures() {
  return (
    <OperatorSection
      title="Disclosures"
      intro="Personal information leaves Hark under a legal order only from here: record the order with its scope and approver, then release it once. What left and its checksum are kept in the register and the audit logs."
    >
      <RecordForm />
      <Register />
    </OperatorSection>
  );
}
