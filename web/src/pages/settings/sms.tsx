/**
 * The business's SMS settings: the number customers text, and the rules every text obeys —
 * quiet hours, how often one number may be invited, how long an unanswered conversation
 * stays open. Owners and admins change them; everyone else who reads feedback sees them.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { errorMessage } from '../../api/client.ts';
import { api } from '../../api/endpoints.ts';
import { useSmsSettings } from '../../api/queries.ts';
import type { SmsSettings, UpdateSmsSettingsBody } from '../../api/types.ts';
import { FormMessage, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/forms.tsx';
import { LoadError, Loading } from '../../components/status.tsx';
import { useClientTimeZone } from '../../lib/use-client-time-zone.ts';
import { describeConversationTimeout, describeQuarantine, describeQuietHours, providerNames } from '../../lib/sms-rules.ts';
import { useSession } from '../../session.tsx';
import { SettingsSection } from './settings.tsx';

/** "+64 21 555-0123" → "+64215550123": people write numbers with spaces; the API wants E.164. */
export function compactNumber(value: string): string {
  return value.replace(/[\s().-]/g, '');
}

const e164 = /^\+[1-9]\d{6,14}$/;
const clockTime = /^([01]\d|2[0-3]):[0-5]\d$/;

type SmsField = 'number' | 'quarantineDays' | 'quietStart' | 'quietEnd' | 'conversationMinutes';

function wholeNumber(value: string): number | null {
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : null;
}

/** The settings as facts, for people who may not change them. */
export function SmsRules({ settings, timeZone }: { settings: SmsSettings; timeZone: string | undefined }) {
  return (
    <dl className="rules">
      <div>
        <dt>SMS number</dt>
        <dd>{settings.number ?? 'None yet'}</dd>
      </div>
      <div>
        <dt>Quiet hours</dt>
        <dd>{describeQuietHours(settings.quietHours, timeZone)}</dd>
      </div>
      <div>
        <dt>Invitations to one number</dt>
        <dd>{describeQuarantine(settings.quarantineDays)}</dd>
      </div>
      <div>
        <dt>Unanswered conversations close after</dt>
        <dd>{describeConversationTimeout(settings.conversationMinutes)}</dd>
      </div>
      <div>
        <dt>Texts go through</dt>
        <dd>{providerNames[settings.provider]}</dd>
      </div>
    </dl>
  );
}

function SmsForm({ settings, timeZone }: { settings: SmsSettings; timeZone: string | undefined }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [number, setNumber] = useState(settings.number ?? '');
  const [quarantineDays, setQuarantineDays] = useState(String(settings.quarantineDays));
  const [quietStart, setQuietStart] = useState(settings.quietHours.start);
  const [quietEnd, setQuietEnd] = useState(settings.quietHours.end);
  const [conversationMinutes, setConversationMinutes] = useState(String(settings.conversationMinutes));
  const [errors, setErrors] = useState<FieldErrors<SmsField>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (change: UpdateSmsSettingsBody) => api.updateSmsSettings(change),
    onSuccess: (next) => {
      queryClient.setQueryData(['sms-settings'], next);
      setSaved('Saved.');
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.reset();
    setSaved(null);
    const found: FieldErrors<SmsField> = {};
    const wantedNumber = compactNumber(number);
    const days = wholeNumber(quarantineDays);
    const minutes = wholeNumber(conversationMinutes);
    if (wantedNumber && !e164.test(wantedNumber)) found.number = 'Enter the number in international form, starting with + and the country code, e.g. +64 21 555 0123.';
    if (days === null || days > 365) found.quarantineDays = 'Enter a whole number of days from 0 to 365.';
    if (!clockTime.test(quietStart)) found.quietStart = 'Enter a time, e.g. 21:00.';
    if (!clockTime.test(quietEnd)) found.quietEnd = 'Enter a time, e.g. 08:00.';
    if (minutes === null || minutes < 5 || minutes > 10080) found.conversationMinutes = 'Enter a whole number of minutes from 5 to 10080 (a week).';
    setErrors(found);
    if (hasErrors(found) || days === null || minutes === null) {
      focusFirstInvalid(form.current);
      return;
    }
    // Only what changed, so the audit log says what someone actually changed.
    const change: UpdateSmsSettingsBody = {};
    if ((wantedNumber || null) !== settings.number) change.number = wantedNumber || null;
    if (days !== settings.quarantineDays) change.quarantineDays = days;
    if (quietStart !== settings.quietHours.start || quietEnd !== settings.quietHours.end) change.quietHours = { start: quietStart, end: quietEnd };
    if (minutes !== settings.conversationMinutes) change.conversationMinutes = minutes;
    if (!Object.keys(change).length) {
      setSaved('Nothing has changed.');
      return;
    }
    save.mutate(change);
  }

  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate>
      <TextField
        label="SMS number"
        optional
        type="tel"
        autoComplete="off"
        hint="The number customers text, in international form with its country code. It must be a number your SMS provider has given this business. Without one, Hark sends and takes no texts."
        value={number}
        onChange={(e) => setNumber(e.target.value)}
        error={errors.number}
        placeholder="+64 21 555 0123"
        maxLength={24}
      />
      <fieldset className="fieldset">
        <legend className="field-label">Quiet hours</legend>
        <p className="field-hint">
          No invitations or replies are sent between these times on the business’s clock{timeZone ? ` (${timeZone.replace(/_/g, ' ')})` : ''}; they wait until quiet hours end. Answers within a conversation the
          customer started still go out. The same start and end means no quiet hours.
        </p>
        <div className="time-pair">
          <TextField label="Start" type="time" value={quietStart} onChange={(e) => setQuietStart(e.target.value)} error={errors.quietStart} required />
          <TextField label="End" type="time" value={quietEnd} onChange={(e) => setQuietEnd(e.target.value)} error={errors.quietEnd} required />
        </div>
      </fieldset>
      <TextField
        label="Days between invitations to one number"
        hint="A customer is invited by text at most once in this many days, however many lists they are on. 0 means no limit."
        type="number"
        inputMode="numeric"
        min={0}
        max={365}
        className="field-short"
        value={quarantineDays}
        onChange={(e) => setQuarantineDays(e.target.value)}
        error={errors.quarantineDays}
      />
      <TextField
        label="Close an unanswered conversation after (minutes)"
        hint="When a customer stops answering part-way, the conversation closes after this long and what they gave is kept as their feedback. From 5 minutes to 10080 (a week)."
        type="number"
        inputMode="numeric"
        min={5}
        max={10080}
        className="field-short"
        value={conversationMinutes}
        onChange={(e) => setConversationMinutes(e.target.value)}
        error={errors.conversationMinutes}
      />
      <FormMessage error={save.error ? errorMessage(save.error) : null} success={saved} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

export function SmsSettingsSection() {
  const session = useSession();
  const settings = useSmsSettings();
  const timeZone = useClientTimeZone();
  const canChange = session.can('settings.manage');
  return (
    <SettingsSection
      title="SMS"
      permission="settings.manage"
      readableWith="feedback.read"
      intro="Customers give feedback by texting a location’s SMS code to this number, and you can invite them and answer them by text."
    >
      {settings.isPending ? <Loading /> : null}
      {settings.error ? <LoadError error={settings.error} what="The SMS settings" retry={() => void settings.refetch()} /> : null}
      {settings.data ? (
        <>
          <p className="notice notice-info">
            Texts go through: <strong>{providerNames[settings.data.provider]}</strong>.{' '}
            {settings.data.provider === 'dev' ? 'No real texts are sent; they stay on the server, for trying Hark out.' : 'Set up by whoever runs this Hark.'}
          </p>
          {canChange ? (
            <SmsForm settings={settings.data} timeZone={timeZone} />
          ) : (
            <div className="card section">
              <p className="muted">Your role can see these settings but not change them; an owner or admin can.</p>
              <SmsRules settings={settings.data} timeZone={timeZone} />
            </div>
          )}
        </>
      ) : null}
    </SettingsSection>
  );
}
