/**
 * Inviting customers to give feedback by text: one at a time, or many from a CSV file. Each
 * invitation obeys the business's texting rules (shown here): never to a number that opted
 * out, at most once per quarantine period, and never in quiet hours (it waits).
 */
import { useMutation } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import { useLocations, useSmsSettings } from '../api/queries.ts';
import type { CsvInvitationReport, Location, SmsInvitationBody, SmsSettings } from '../api/types.ts';
import { FormMessage, SelectField, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../components/forms.tsx';
import { LocationOptions } from '../components/location-options.tsx';
import { Page } from '../components/page.tsx';
import { LoadError, Loading } from '../components/status.tsx';
import { formatCount, formatDateTime, plural } from '../lib/format.ts';
import { describeQuarantine, describeQuietHours } from '../lib/sms-rules.ts';
import { useClientTimeZone } from '../lib/use-client-time-zone.ts';
import { useSession } from '../session.tsx';

const MAX_CSV_BYTES = 1_000_000;

function RulesCard({ settings, timeZone }: { settings: SmsSettings; timeZone: string | undefined }) {
  const session = useSession();
  return (
    <section className="card section" aria-labelledby="rules-heading">
      <h2 id="rules-heading">The rules every invitation follows</h2>
      {settings.number ? null : (
        <p className="notice notice-warning">
          This business has no SMS number yet, so no invitations can be sent.{' '}
          {session.can('settings.manage') ? <Link to="/settings/sms">Set up the SMS number</Link> : 'An owner or admin can set one up in Settings, SMS.'}
        </p>
      )}
      <dl className="rules">
        <div>
          <dt>Sent from</dt>
          <dd>{settings.number ?? 'No number yet'}</dd>
        </div>
        <div>
          <dt>Quiet hours (invitations wait)</dt>
          <dd>{describeQuietHours(settings.quietHours, timeZone)}</dd>
        </div>
        <div>
          <dt>Invitations to one number</dt>
          <dd>{describeQuarantine(settings.quarantineDays)}</dd>
        </div>
      </dl>
      <p className="section-note">Numbers that replied STOP are never invited. {session.can('settings.manage') ? <Link to="/settings/sms">Change these rules</Link> : null}</p>
    </section>
  );
}

type InviteField = 'mobile' | 'location';

function InviteOneForm({ locations, timeZone }: { locations: Location[]; timeZone: string | undefined }) {
  const form = useRef<HTMLFormElement>(null);
  const active = locations.filter((l) => !l.archived);
  const [mobile, setMobile] = useState('');
  const [name, setName] = useState('');
  const [locationId, setLocationId] = useState(active.length === 1 ? (active[0]?.id ?? '') : '');
  const [subMeasureId, setSubMeasureId] = useState('');
  const staff = (locations.find((l) => l.id === locationId)?.subMeasures ?? []).filter((s) => !s.archived);
  const [errors, setErrors] = useState<FieldErrors<InviteField>>({});
  const [sent, setSent] = useState<string | null>(null);
  const invite = useMutation({
    mutationFn: (body: SmsInvitationBody) => api.inviteBySms(body),
    onSuccess: (created, body) => {
      setSent(
        created.status === 'scheduled' && created.sendAfter
          ? `It is quiet hours: the invitation to ${body.mobile} will be sent at ${formatDateTime(created.sendAfter, timeZone)}.`
          : `Invitation to ${body.mobile} is on its way.`,
      );
      setMobile('');
      setName('');
    },
    onError: (error) => {
      // A bad number (400) or an unknown location (404) belongs to its field.
      if (error instanceof ApiError && error.code === 'invalid_mobile') setErrors({ mobile: error.message });
      else if (error instanceof ApiError && error.status === 404) setErrors({ location: error.message });
      else return;
      focusFirstInvalid(form.current);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setSent(null);
    invite.reset();
    const found: FieldErrors<InviteField> = {};
    if (mobile.trim().replace(/\D/g, '').length < 3) found.mobile = 'Enter the customer’s mobile number.';
    if (!locationId) found.location = 'Choose the location the invitation is about.';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    invite.mutate({ mobile: mobile.trim(), name: name.trim() || null, locationId, subMeasureId: subMeasureId || null });
  }

  const fieldError = invite.error instanceof ApiError && (errors.mobile === invite.error.message || errors.location === invite.error.message);
  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate aria-labelledby="invite-one-heading">
      <h2 id="invite-one-heading">Invite one customer</h2>
      <div className="two-col">
        <TextField
          label="Mobile number"
          type="tel"
          autoComplete="off"
          hint="With its country code (+64 21 555 0123), or as a local number."
          value={mobile}
          onChange={(e) => setMobile(e.target.value)}
          error={errors.mobile}
          maxLength={32}
        />
        <TextField label="Name" optional hint="Only to greet them: “Hi Aroha, thanks for visiting…”" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoComplete="off" />
      </div>
      <SelectField
        label="Location"
        hint="The invitation names it, and the feedback is filed under it."
        value={locationId}
        onChange={(e) => {
          setLocationId(e.target.value);
          setSubMeasureId('');
        }}
        error={errors.location}
      >
        <option value="">Choose a location</option>
        <LocationOptions locations={locations} />
      </SelectField>
      {staff.length > 0 ? (
        <SelectField label="Staff member" optional hint="Who served the customer: the invitation names them, and the feedback counts for them." value={subMeasureId} onChange={(e) => setSubMeasureId(e.target.value)}>
          <option value="">Nobody in particular</option>
          {staff.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </SelectField>
      ) : null}
      <FormMessage error={invite.error && !fieldError ? errorMessage(invite.error) : null} success={sent} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={invite.isPending}>
          {invite.isPending ? 'Sending…' : 'Send invitation'}
        </button>
      </div>
    </form>
  );
}

function CsvReport({ report }: { report: CsvInvitationReport }) {
  return (
    <section className="csv-report" aria-labelledby="csv-report-heading">
      <h3 id="csv-report-heading">What happened</h3>
      <ul className="report-figures">
        <li>
          <strong>{formatCount(report.accepted)}</strong> invited
        </li>
        <li>
          <strong>{formatCount(report.scheduled)}</strong> of them waiting for quiet hours to end
        </li>
        <li>
          <strong>{formatCount(report.rejected.length)}</strong> {report.rejected.length === 1 ? 'row' : 'rows'} not invited
        </li>
      </ul>
      {report.rejected.length ? (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Rows not invited, and why</caption>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Row
                </th>
                <th scope="col">Why it was not invited</th>
              </tr>
            </thead>
            <tbody>
              {report.rejected.map((r) => (
                <tr key={r.row}>
                  <th scope="row" className="num">
                    {r.row}
                  </th>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function InviteCsvForm() {
  const form = useRef<HTMLFormElement>(null);
  const fileId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const upload = useMutation({
    mutationFn: async (chosen: File) => api.inviteBySmsCsv(await chosen.text()),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    upload.reset();
    let problem: string | null = null;
    if (!file) problem = 'Choose a CSV file first.';
    else if (file.size === 0) problem = 'This file is empty.';
    else if (file.size > MAX_CSV_BYTES) problem = 'This file is larger than 1 MB. Split it into smaller files.';
    setError(problem);
    if (problem || !file) {
      focusFirstInvalid(form.current);
      return;
    }
    upload.mutate(file);
  }

  const report = upload.data;
  const summary = report
    ? `${plural(report.accepted, 'customer')} invited${report.scheduled ? ` (${formatCount(report.scheduled)} after quiet hours)` : ''}; ${plural(report.rejected.length, 'row')} not invited${report.rejected.length ? ', listed below' : ''}.`
    : null;
  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate aria-labelledby="invite-csv-heading">
      <h2 id="invite-csv-heading">Invite from a CSV file</h2>
      <div>
        <p>
          A spreadsheet saved as CSV, with a header row naming its columns. Each row is one customer; a row that cannot be invited is listed with the reason, and the
          others are still invited.
        </p>
        <ul>
          <li>
            <strong>mobile</strong> (needed): the customer’s mobile number, with its country code or as a local number.
          </li>
          <li>
            <strong>location</strong> (needed): the location’s code (as in its feedback link), its SMS code, or its name.
          </li>
          <li>
            <strong>name</strong> (optional): to greet them in the text.
          </li>
          <li>
            <strong>staff</strong> (optional): who served them, by the staff member’s code or name at that location. The feedback counts for them.
          </li>
        </ul>
        <p className="field-hint">For example:</p>
        <pre className="csv-example" tabIndex={0}>
          {'name,mobile,location,staff\nAroha,021 555 0123,main-street,Sam\n,+64 27 555 0199,Harbour,'}
        </pre>
      </div>
      <TextField
        id={fileId}
        label="CSV file"
        type="file"
        accept=".csv,text/csv,text/plain"
        hint="At most 1 MB (about 5,000 rows)."
        onChange={(e) => {
          setFile(e.target.files?.[0] ?? null);
          setError(null);
          upload.reset();
        }}
        error={error}
      />
      <FormMessage error={upload.error ? errorMessage(upload.error) : null} success={summary} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={upload.isPending}>
          {upload.isPending ? 'Sending…' : 'Send invitations'}
        </button>
      </div>
      {report ? <CsvReport report={report} /> : null}
    </form>
  );
}

export function InvitePage() {
  const session = useSession();
  const timeZone = useClientTimeZone();
  const settings = useSmsSettings();
  const locations = useLocations();
  const allowed = session.can('feedback.respond');
  return (
    <Page
      title="Invite customers by text"
      documentTitle={`Invite by text · ${session.activeMembership?.clientName ?? ''}`}
      intro="Hark texts each customer the programme’s question; their answer is taken as their score, then Hark asks the follow-up question. Their feedback arrives in the inbox like any other."
      narrow
    >
      <p className="back-link">
        <Link to="/inbox">← Back to the inbox</Link>
      </p>
      {!allowed ? (
        <p className="notice notice-error">Your role does not allow inviting customers.</p>
      ) : (
        <>
          {settings.isPending || locations.isPending ? <Loading /> : null}
          {settings.error ? <LoadError error={settings.error} what="The SMS settings" retry={() => void settings.refetch()} /> : null}
          {locations.error ? <LoadError error={locations.error} what="The locations" retry={() => void locations.refetch()} /> : null}
          {settings.data ? <RulesCard settings={settings.data} timeZone={timeZone} /> : null}
          {locations.data ? (
            <>
              <InviteOneForm locations={locations.data} timeZone={timeZone} />
              <InviteCsvForm />
            </>
          ) : null}
        </>
      )}
    </Page>
  );
}
