/**
 * The service level for cases: the business's hours and days, and how many business hours
 * a case has before it is due. Owners and admins change it; everyone who reads feedback
 * sees it.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { api } from '../../api/endpoints.ts';
import type { ServiceLevel, UpdateServiceLevelBody } from '../../api/types.ts';
import { FormMessage, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/forms.tsx';
import { LoadError, Loading } from '../../components/status.tsx';
import { plural } from '../../lib/format.ts';
import { useSession } from '../../session.tsx';
import { SettingsSection } from './settings.tsx';

export const serviceLevelKey = ['cases', 'service-level'] as const;

const dayNames: Record<number, string> = { 1: 'Monday', 2: 'Tuesday', 3: 'Wednesday', 4: 'Thursday', 5: 'Friday', 6: 'Saturday', 7: 'Sunday' };
const weekdays = [1, 2, 3, 4, 5, 6, 7];
const clockTime = /^([01]\d|2[0-3]):[0-5]\d$/;

/** "Monday to Friday", "Monday, Wednesday and Friday", "Every day". */
export function describeDays(days: number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  if (sorted.length === 7) return 'Every day';
  if (!sorted.length) return 'No days';
  const run = sorted.every((d, i) => i === 0 || d === (sorted[i - 1] ?? 0) + 1);
  if (run && sorted.length >= 3) return `${dayNames[sorted[0] ?? 1]} to ${dayNames[sorted[sorted.length - 1] ?? 7]}`;
  const names = sorted.map((d) => dayNames[d] ?? String(d));
  return names.length === 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function zoneName(timezone: string): string {
  return timezone.replace(/_/g, ' ');
}

function ServiceLevelFacts({ level }: { level: ServiceLevel }) {
  return (
    <dl className="rules">
      <div>
        <dt>Business hours</dt>
        <dd>
          {level.businessHours.start} to {level.businessHours.end}, {zoneName(level.timezone)} time
        </dd>
      </div>
      <div>
        <dt>Business days</dt>
        <dd>{describeDays(level.businessDays)}</dd>
      </div>
      <div>
        <dt>A case is due</dt>
        <dd>{plural(level.caseDueHours, 'business hour')} after it opens</dd>
      </div>
    </dl>
  );
}

type LevelField = 'start' | 'end' | 'days' | 'hours';

function ServiceLevelForm({ level }: { level: ServiceLevel }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const daysHint = useId();
  const daysError = useId();
  const [start, setStart] = useState(level.businessHours.start);
  const [end, setEnd] = useState(level.businessHours.end);
  const [days, setDays] = useState<number[]>(level.businessDays);
  const [hours, setHours] = useState(String(level.caseDueHours));
  const [errors, setErrors] = useState<FieldErrors<LevelField>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (change: UpdateServiceLevelBody) => api.updateServiceLevel(change),
    onSuccess: (next) => {
      queryClient.setQueryData(serviceLevelKey, next);
      setSaved('Saved. Cases opened from now on follow it.');
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    save.reset();
    setSaved(null);
    const found: FieldErrors<LevelField> = {};
    const dueHours = /^\d+$/.test(hours.trim()) ? Number(hours.trim()) : null;
    if (!clockTime.test(start)) found.start = 'Enter a time, e.g. 09:00.';
    if (!clockTime.test(end)) found.end = 'Enter a time, e.g. 17:00.';
    else if (clockTime.test(start) && end <= start) found.end = 'Business hours must end after they start.';
    if (!days.length) found.days = 'Tick at least one business day.';
    if (dueHours === null || dueHours < 1 || dueHours > 2000) found.hours = 'Enter a whole number of hours from 1 to 2000.';
    setErrors(found);
    if (hasErrors(found) || dueHours === null) {
      focusFirstInvalid(form.current);
      return;
    }
    const change: UpdateServiceLevelBody = {};
    if (start !== level.businessHours.start || end !== level.businessHours.end) change.businessHours = { start, end };
    const sortedDays = [...days].sort((a, b) => a - b);
    if (sortedDays.join(',') !== [...level.businessDays].sort((a, b) => a - b).join(',')) change.businessDays = sortedDays;
    if (dueHours !== level.caseDueHours) change.caseDueHours = dueHours;
    if (!Object.keys(change).length) {
      setSaved('Nothing has changed.');
      return;
    }
    save.mutate(change);
  }

  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate aria-label="Service level">
      <fieldset className="fieldset">
        <legend className="field-label">Business hours</legend>
        <p className="field-hint">
          On the business’s clock ({zoneName(level.timezone)}; change the time zone under <Link to="/settings/business">Business</Link>).
        </p>
        <div className="time-pair">
          <TextField label="Open from" type="time" value={start} onChange={(e) => setStart(e.target.value)} error={errors.start} required />
          <TextField label="Until" type="time" value={end} onChange={(e) => setEnd(e.target.value)} error={errors.end} required />
        </div>
      </fieldset>
      <fieldset className="fieldset" aria-describedby={errors.days ? `${daysHint} ${daysError}` : daysHint}>
        <legend className="field-label">Business days</legend>
        <p className="field-hint" id={daysHint}>
          Time on a case counts only on these days, within business hours.
        </p>
        <ul className="check-grid">
          {weekdays.map((d) => (
            <li key={d}>
              <input
                type="checkbox"
                id={`${daysHint}-${d}`}
                checked={days.includes(d)}
                aria-invalid={errors.days ? true : undefined}
                onChange={(e) => setDays((old) => (e.target.checked ? [...old, d] : old.filter((x) => x !== d)))}
              />
              <label htmlFor={`${daysHint}-${d}`}>{dayNames[d]}</label>
            </li>
          ))}
        </ul>
        {errors.days ? (
          <p className="field-error" id={daysError}>
            <span aria-hidden="true">⚠ </span>
            {errors.days}
          </p>
        ) : null}
      </fieldset>
      <TextField
        label="Business hours a case has"
        hint="A case is due this many business hours after it opens; when it is overdue the admins are told, and later the owners. Changes apply to cases opened from now on."
        type="number"
        inputMode="numeric"
        min={1}
        max={2000}
        className="field-short"
        value={hours}
        onChange={(e) => setHours(e.target.value)}
        error={errors.hours}
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

export function ServiceLevelSettings() {
  const session = useSession();
  const level = useQuery({ queryKey: serviceLevelKey, queryFn: api.serviceLevel, retry: false });
  return (
    <SettingsSection
      title="Service level"
      permission="settings.manage"
      readableWith="feedback.read"
      intro="How long the team has to resolve a case, counted in business hours."
    >
      {level.isPending ? <Loading /> : null}
      {level.error ? <LoadError error={level.error} what="The service level" retry={() => void level.refetch()} /> : null}
      {level.data ? (
        session.can('settings.manage') ? (
          <ServiceLevelForm level={level.data} />
        ) : (
          <div className="card section">
            <p className="muted">Your role can see the service level but not change it; an owner or admin can.</p>
            <ServiceLevelFacts level={level.data} />
          </div>
        )
      ) : null}
    </SettingsSection>
  );
}
