/**
 * Alert rules: which feedback tells whom, how and when, and whether it opens a case. Each
 * rule is listed as a sentence; owners and admins add, change and delete them, everyone
 * else who reads feedback sees them. The API checks a rule as a whole (at least one
 * condition, someone to tell by each channel) and its message is shown as it says it.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { errorMessage } from '../../api/client.ts';
import { api } from '../../api/endpoints.ts';
import { useLocations } from '../../api/queries.ts';
import type { AlertChannel, AlertDelivery, AlertRule, AlertRuleBody, Location, Role, TeamMember } from '../../api/types.ts';
import { Checkbox, ConfirmButton, focusFirstInvalid, FormMessage, SaveOrCancel, SelectField, TextArea, TextField } from '../../components/forms.tsx';
import { orderLocations } from '../../components/location-options.tsx';
import { Empty, LoadError, Loading } from '../../components/status.tsx';
import { describeRule, hourText, splitList } from '../../lib/alert-rules.ts';
import { keys, roleNames } from '../../lib/format.ts';
import { useSession } from '../../session.tsx';
import { SettingsSection } from './settings.tsx';
import { compactNumber } from './sms.tsx';

const rulesKey = ['alert-rules'] as const;

const roleChoices: Record<Role, string> = { owner: 'Owners', admin: 'Admins', manager: 'Managers', viewer: 'Viewers' };
const channelChoices: Record<AlertChannel, string> = { email: 'Email', sms: 'Text message' };
const deliveryChoices: Record<AlertDelivery, string> = { immediate: 'At once, one alert per feedback', daily_digest: 'In one daily digest' };
const hours = Array.from({ length: 24 }, (_, h) => h);

/** The form's fields as the person edits them: lists as typed text, the score as typed. */
interface RuleForm {
  name: string;
  enabled: boolean;
  match: 'any' | 'all';
  lowBand: boolean;
  scoreAtMost: string;
  complaint: boolean;
  contactRequested: boolean;
  keywords: string;
  locationIds: string[] | null;
  roles: Role[];
  emails: string;
  mobiles: string;
  channels: AlertChannel[];
  delivery: AlertDelivery;
  digestHour: number;
  deferWeekends: boolean;
  deferOutsideHours: boolean;
  opensCase: boolean;
  caseAssigneeUserId: string;
}

const blankForm: RuleForm = {
  name: '',
  enabled: true,
  match: 'any',
  lowBand: false,
  scoreAtMost: '',
  complaint: false,
  contactRequested: false,
  keywords: '',
  locationIds: null,
  roles: ['manager'],
  emails: '',
  mobiles: '',
  channels: ['email'],
  delivery: 'immediate',
  digestHour: 8,
  deferWeekends: false,
  deferOutsideHours: false,
  opensCase: false,
  caseAssigneeUserId: '',
};

function formOf(rule: AlertRule): RuleForm {
  return {
    name: rule.name,
    enabled: rule.enabled,
    match: rule.match,
    lowBand: rule.conditions.lowBand,
    scoreAtMost: rule.conditions.scoreAtMost === null ? '' : String(rule.conditions.scoreAtMost),
    complaint: rule.conditions.complaint,
    contactRequested: rule.conditions.contactRequested,
    keywords: rule.conditions.keywords.join(', '),
    locationIds: rule.locationIds,
    roles: rule.recipients.roles,
    emails: rule.recipients.emails.join('\n'),
    mobiles: rule.recipients.mobiles.join('\n'),
    channels: rule.channels,
    delivery: rule.delivery,
    digestHour: rule.digestHour,
    deferWeekends: rule.deferWeekends,
    deferOutsideHours: rule.deferOutsideHours,
    opensCase: rule.opensCase,
    caseAssigneeUserId: rule.caseAssigneeUserId ?? '',
  };
}

function bodyOf(form: RuleForm, scoreAtMost: number | null): AlertRuleBody {
  return {
    name: form.name.trim(),
    enabled: form.enabled,
    match: form.match,
    conditions: { lowBand: form.lowBand, scoreAtMost, complaint: form.complaint, contactRequested: form.contactRequested, keywords: splitList(form.keywords) },
    locationIds: form.locationIds,
    recipients: { roles: form.roles, emails: splitList(form.emails), mobiles: splitList(form.mobiles).map(compactNumber) },
    channels: form.channels,
    delivery: form.delivery,
    digestHour: form.digestHour,
    deferWeekends: form.deferWeekends,
    deferOutsideHours: form.deferOutsideHours,
    opensCase: form.opensCase,
    caseAssigneeUserId: form.opensCase && form.caseAssigneeUserId ? form.caseAssigneeUserId : null,
  };
}

/** Ticked values of a set of checkboxes, in the order the choices list them. */
function toggle<T extends string>(list: T[], value: T, on: boolean, order: T[]): T[] {
  const next = on ? [...list, value] : list.filter((v) => v !== value);
  return order.filter((v) => next.includes(v));
}

function CheckGroup<T extends string>({ legend, hint, choices, value, onChange }: { legend: string; hint?: string; choices: Record<T, string>; value: T[]; onChange: (next: T[]) => void }) {
  const name = useId();
  return (
    <fieldset className="fieldset" aria-describedby={hint ? `${name}-hint` : undefined}>
      <legend className="field-label">{legend}</legend>
      {hint ? (
        <p className="field-hint" id={`${name}-hint`}>
          {hint}
        </p>
      ) : null}
      <ul className="check-grid">
        {keys(choices).map((key) => (
          <li key={key}>
            <input type="checkbox" id={`${name}-${key}`} checked={value.includes(key)} onChange={(e) => onChange(toggle(value, key, e.target.checked, keys(choices)))} />
            <label htmlFor={`${name}-${key}`}>{choices[key]}</label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

function RadioGroup<T extends string>({ legend, choices, value, onChange }: { legend: string; choices: Record<T, string>; value: T; onChange: (next: T) => void }) {
  const name = useId();
  return (
    <fieldset className="fieldset choice-row">
      <legend className="field-label">{legend}</legend>
      {keys(choices).map((key) => (
        <div className="radio" key={key}>
          <input type="radio" id={`${name}-${key}`} name={name} checked={value === key} onChange={() => onChange(key)} />
          <label htmlFor={`${name}-${key}`}>{choices[key]}</label>
        </div>
      ))}
    </fieldset>
  );
}

/** Every location, or a chosen few (each with everything beneath it). */
function LocationPicker({ value, onChange, locations }: { value: string[] | null; onChange: (next: string[] | null) => void; locations: Location[] | undefined }) {
  const name = useId();
  const options = orderLocations(locations ?? []).filter((l) => !l.archived || value?.includes(l.id));
  return (
    <fieldset className="fieldset">
      <legend className="field-label">Where</legend>
      <div className="radio">
        <input type="radio" id={`${name}-all`} name={name} checked={value === null} onChange={() => onChange(null)} />
        <label htmlFor={`${name}-all`}>Feedback at any location</label>
      </div>
      <div className="radio">
        <input type="radio" id={`${name}-some`} name={name} checked={value !== null} onChange={() => onChange([])} disabled={!options.length} />
        <label htmlFor={`${name}-some`}>Only at the locations ticked below (and any beneath them)</label>
      </div>
      {value !== null ? (
        <ul className="scope-list">
          {options.map((l) => (
            <li key={l.id} style={{ paddingInlineStart: `${l.depth * 1.25}rem` }}>
              <input type="checkbox" id={`${name}-${l.id}`} checked={value.includes(l.id)} onChange={(e) => onChange(e.target.checked ? [...value, l.id] : value.filter((id) => id !== l.id))} />
              <label htmlFor={`${name}-${l.id}`}>
                {l.name}
                {l.archived ? ' (archived)' : ''}
              </label>
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}

function RuleEditor({
  initial,
  members,
  locations,
  submitLabel,
  onSaved,
  onCancel,
}: {
  initial?: AlertRule;
  members: TeamMember[] | undefined;
  locations: Location[] | undefined;
  submitLabel: string;
  onSaved: (rule: AlertRule) => void;
  onCancel?: () => void;
}) {
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const [form, setForm] = useState<RuleForm>(initial ? formOf(initial) : blankForm);
  const [scoreError, setScoreError] = useState<string | null>(null);
  const set = <K extends keyof RuleForm>(key: K, value: RuleForm[K]) => setForm((old) => ({ ...old, [key]: value }));
  const save = useMutation({
    mutationFn: (body: AlertRuleBody) => (initial ? api.replaceAlertRule(initial.id, body) : api.createAlertRule(body)),
    onSuccess: async (rule) => {
      await queryClient.invalidateQueries({ queryKey: rulesKey });
      if (!initial) setForm(blankForm);
      onSaved(rule);
    },
  });
  const assignees = (members ?? []).filter((m) => m.role !== 'viewer').sort((a, b) => a.name.localeCompare(b.name));
  const assigneeGone = form.caseAssigneeUserId && members && !assignees.some((m) => m.userId === form.caseAssigneeUserId);

  function submit(event: FormEvent) {
    event.preventDefault();
    save.reset();
    const typed = form.scoreAtMost.trim();
    if (typed && !/^\d+$/.test(typed)) {
      setScoreError('Enter a whole number, e.g. 2, or leave it empty.');
      focusFirstInvalid(formRef.current);
      return;
    }
    setScoreError(null);
    save.mutate(bodyOf(form, typed ? Number(typed) : null));
  }

  return (
    <form ref={formRef} className="stack rule-form" onSubmit={submit} noValidate aria-label={initial ? `Edit the rule “${initial.name}”` : 'Add an alert rule'}>
      <TextField label="Name" hint="Only your team sees it, in the alerts it sends." value={form.name} onChange={(e) => set('name', e.target.value)} maxLength={100} />
      <Checkbox label="The rule is on" hint="A rule that is off sends nothing and opens no cases." checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} />

      <fieldset className="fieldset stack">
        <legend className="field-label">When the feedback…</legend>
        <Checkbox
          label="has a low score"
          hint="The bottom band of the programme’s scale: 1–2 of 5, 0–6 of 10."
          checked={form.lowBand}
          onChange={(e) => set('lowBand', e.target.checked)}
        />
        <TextField
          label="scores at most"
          optional
          hint="A score from 0 to 10; leave it empty not to use it."
          type="number"
          inputMode="numeric"
          min={0}
          max={10}
          className="field-short"
          value={form.scoreAtMost}
          onChange={(e) => set('scoreAtMost', e.target.value)}
          error={scoreError}
        />
        <Checkbox label="is a complaint" checked={form.complaint} onChange={(e) => set('complaint', e.target.checked)} />
        <Checkbox label="asks to be contacted" checked={form.contactRequested} onChange={(e) => set('contactRequested', e.target.checked)} />
        <TextArea
          label="mentions any of these words"
          optional
          hint="Separate words or phrases with commas or put one a line, e.g. refund, rude, food poisoning."
          rows={2}
          value={form.keywords}
          onChange={(e) => set('keywords', e.target.value)}
        />
        <RadioGroup legend="Alert when the feedback meets" choices={{ any: 'any of these', all: 'all of these' }} value={form.match} onChange={(v) => set('match', v)} />
      </fieldset>

      <LocationPicker value={form.locationIds} onChange={(v) => set('locationIds', v)} locations={locations} />

      <fieldset className="fieldset stack">
        <legend className="field-label">Who is told</legend>
        <CheckGroup
          legend="Team members with these roles"
          hint="By email, those whose locations include the feedback’s."
          choices={roleChoices}
          value={form.roles}
          onChange={(v) => set('roles', v)}
        />
        <TextArea
          label="Other email addresses"
          optional
          hint="Separated by commas, or one a line."
          rows={2}
          value={form.emails}
          onChange={(e) => set('emails', e.target.value)}
        />
        <TextArea
          label="Mobiles for text alerts"
          optional
          hint="In international form, e.g. +64 21 555 0123; separated by commas, or one a line."
          rows={2}
          value={form.mobiles}
          onChange={(e) => set('mobiles', e.target.value)}
        />
      </fieldset>

      <fieldset className="fieldset stack">
        <legend className="field-label">How and when</legend>
        <CheckGroup legend="Send by" hint="Emails go to the roles and addresses; texts to the mobiles above and to members of those roles who gave a mobile in their account." choices={channelChoices} value={form.channels} onChange={(v) => set('channels', v)} />
        <RadioGroup legend="Delivery" choices={deliveryChoices} value={form.delivery} onChange={(v) => set('delivery', v)} />
        {form.delivery === 'daily_digest' ? (
          <SelectField label="Send the digest at" hint="On the business’s clock." className="field-short" value={String(form.digestHour)} onChange={(e) => set('digestHour', Number(e.target.value))}>
            {hours.map((h) => (
              <option key={h} value={h}>
                {hourText(h)}
              </option>
            ))}
          </SelectField>
        ) : null}
        <Checkbox label="Hold alerts at weekends" hint="They go on the next business day." checked={form.deferWeekends} onChange={(e) => set('deferWeekends', e.target.checked)} />
        <Checkbox
          label="Hold alerts outside business hours"
          hint={
            <>
              They go when business hours start (see <Link to="/settings/service-level">Service level</Link>).
            </>
          }
          checked={form.deferOutsideHours}
          onChange={(e) => set('deferOutsideHours', e.target.checked)}
        />
      </fieldset>

      <fieldset className="fieldset stack">
        <legend className="field-label">Case</legend>
        <Checkbox
          label="Open a case"
          hint="Someone then has to resolve it within the service level; overdue cases are escalated."
          checked={form.opensCase}
          onChange={(e) => set('opensCase', e.target.checked)}
        />
        {form.opensCase ? (
          <SelectField label="Assign the case to" value={form.caseAssigneeUserId} onChange={(e) => set('caseAssigneeUserId', e.target.value)} disabled={!members}>
            <option value="">Nobody (the team picks it up)</option>
            {assigneeGone ? <option value={form.caseAssigneeUserId}>A former member</option> : null}
            {assignees.map((m) => (
              <option key={m.userId} value={m.userId}>
                {m.name} ({roleNames[m.role].toLowerCase()})
              </option>
            ))}
          </SelectField>
        ) : null}
      </fieldset>

      <FormMessage error={save.error ? errorMessage(save.error) : null} />
      <SaveOrCancel pending={save.isPending} submitLabel={submitLabel} onCancel={onCancel} />
    </form>
  );
}

function RuleCard({
  rule,
  canChange,
  members,
  locations,
  onMessage,
}: {
  rule: AlertRule;
  canChange: boolean;
  members: TeamMember[] | undefined;
  locations: Location[] | undefined;
  onMessage: (message: string) => void;
}) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const remove = useMutation({
    mutationFn: () => api.deleteAlertRule(rule.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: rulesKey });
      onMessage(`Rule “${rule.name}” deleted. Cases it opened stay open.`);
    },
  });
  const personName = (userId: string) => members?.find((m) => m.userId === userId)?.name ?? null;
  const headingId = useId();
  return (
    <li className={`card section rule-card${rule.enabled ? '' : ' is-off'}`}>
      {editing ? (
        <>
          <h3 id={headingId}>Edit “{rule.name}”</h3>
          <RuleEditor
            initial={rule}
            members={members}
            locations={locations}
            submitLabel="Save rule"
            onSaved={(saved) => {
              setEditing(false);
              onMessage(`Rule “${saved.name}” saved.`);
            }}
            onCancel={() => setEditing(false)}
          />
        </>
      ) : (
        <>
          <div className="row-head">
            <h3 id={headingId}>{rule.name}</h3>
            <div>
              {rule.enabled ? <span className="pill pill-resolved">On</span> : <span className="pill pill-quiet">Off</span>}
              {rule.opensCase ? <span className="pill">Opens a case</span> : null}
            </div>
          </div>
          <p className="rule-sentence">{describeRule(rule, locations, personName)}</p>
          {remove.error ? (
            <p className="field-error" role="alert">
              {errorMessage(remove.error)}
            </p>
          ) : null}
          {canChange ? (
            <div className="form-actions">
              <button type="button" className="button button-secondary" onClick={() => setEditing(true)}>
                Edit<span className="visually-hidden"> “{rule.name}”</span>
              </button>
              <ConfirmButton question={`Delete “${rule.name}”?`} confirmLabel="Delete" onConfirm={() => remove.mutate()} disabled={remove.isPending}>
                Delete<span className="visually-hidden"> “{rule.name}”</span>
              </ConfirmButton>
            </div>
          ) : null}
        </>
      )}
    </li>
  );
}

export function AlertSettings() {
  const session = useSession();
  const canChange = session.can('settings.manage');
  const rules = useQuery({ queryKey: rulesKey, queryFn: api.alertRules, retry: false });
  const locations = useLocations(true);
  // Names for case assignees; the team list is for those who manage users (owners, admins).
  const team = useQuery({ queryKey: ['team'], queryFn: api.team, enabled: session.can('users.manage'), retry: false, staleTime: 60_000 });
  const [message, setMessage] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  return (
    <SettingsSection
      title="Alerts"
      permission="settings.manage"
      readableWith="feedback.read"
      intro="Rules that tell your team about feedback that needs them — by email or text, at once or in a daily digest — and can open a case to resolve it."
    >
      <FormMessage success={message} />
      {rules.isPending ? <Loading /> : null}
      {rules.error ? <LoadError error={rules.error} what="The alert rules" retry={() => void rules.refetch()} /> : null}
      {rules.data && !canChange ? <p className="notice notice-info">Your role can see the alert rules but not change them; an owner or admin can.</p> : null}
      {rules.data ? (
        rules.data.length ? (
          <ul className="card-list">
            {rules.data.map((rule) => (
              <RuleCard key={rule.id} rule={rule} canChange={canChange} members={team.data?.members} locations={locations.data} onMessage={setMessage} />
            ))}
          </ul>
        ) : (
          <Empty title="No alert rules">
            <p>Nobody is told about feedback, and no cases open by themselves.</p>
          </Empty>
        )
      ) : null}
      {canChange ? (
        <section className="card section" aria-labelledby="new-rule-heading">
          <h3 id="new-rule-heading">Add a rule</h3>
          {adding ? (
            <RuleEditor
              members={team.data?.members}
              locations={locations.data}
              submitLabel="Add rule"
              onSaved={(rule) => {
                setAdding(false);
                setMessage(`Rule “${rule.name}” added.`);
              }}
              onCancel={() => setAdding(false)}
            />
          ) : (
            <button
              type="button"
              className="button button-secondary"
              onClick={() => {
                setMessage(null);
                setAdding(true);
              }}
            >
              Add a rule
            </button>
          )}
        </section>
      ) : null}
    </SettingsSection>
  );
}
