/**
 * The case of one feedback, on its page: where it stands (status, why it opened, who has it,
 * when it is due, whether it is overdue and who was told), and for roles that update
 * feedback the work on it: assign it, mark it in progress, resolve it with a code and a
 * note, optionally asking the customer "did we fix it?". Then the outcome, and later the
 * customer's answer. Without a case, such roles can open one.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { errorMessage, isNotFound } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import type { Case, ResolutionCode, ResolvedCase, UpdateCaseBody } from '../api/types.ts';
import { caseReasonNames, caseStatusNames, escalationText, resolutionNames } from '../lib/cases.ts';
import { formatDateTime, keys, roleNames } from '../lib/format.ts';
import { useClientTimeZone } from '../lib/use-client-time-zone.ts';
import { useSession } from '../session.tsx';
import { Checkbox, FormMessage, SelectField, TextArea } from './forms.tsx';
import { LoadError, Loading } from './status.tsx';

export function caseKey(feedbackId: string) {
  return ['feedback', 'case', feedbackId] as const;
}

/** The case of a feedback, or null when it has none (the API's 404). */
async function loadCase(feedbackId: string): Promise<Case | null> {
  try {
    return await api.caseOfFeedback(feedbackId);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

function useCaseChanged(feedbackId: string) {
  const queryClient = useQueryClient();
  return async (next: Case) => {
    queryClient.setQueryData(caseKey(feedbackId), next);
    // The feedback's timeline and status, the case list and its figures all follow a case.
    await Promise.all([queryClient.invalidateQueries({ queryKey: ['feedback', 'detail', feedbackId] }), queryClient.invalidateQueries({ queryKey: ['cases'] })]);
  };
}

function followUpText(c: Case, timeZone: string | undefined): string | null {
  const f = c.followUp;
  if (!f) return null;
  const by = f.channel === 'sms' ? 'by text' : 'by email';
  const asked = f.sentAt ? `Asked ${by} on ${formatDateTime(f.sentAt, timeZone)}` : `Asked ${by}`;
  if (f.answer === 'yes') return `${asked}. The customer says it is fixed${f.answeredAt ? ` (${formatDateTime(f.answeredAt, timeZone)})` : ''}.`;
  if (f.answer === 'no') return `${asked}. The customer says it is not fixed yet${f.answeredAt ? ` (${formatDateTime(f.answeredAt, timeZone)})` : ''}.`;
  return `${asked}. No answer yet.`;
}

function CaseFacts({ c }: { c: Case }) {
  const timeZone = useClientTimeZone();
  const followUp = followUpText(c, timeZone);
  return (
    <dl className="facts case-facts">
      <div>
        <dt>Why it opened</dt>
        <dd>{caseReasonNames[c.reason]}</dd>
      </div>
      <div>
        <dt>Assigned to</dt>
        <dd>{c.assignee ? c.assignee.name : 'Nobody yet'}</dd>
      </div>
      <div>
        <dt>Opened</dt>
        <dd>
          <time dateTime={c.openedAt}>{formatDateTime(c.openedAt, timeZone)}</time>
        </dd>
      </div>
      <div>
        <dt>Due</dt>
        <dd>
          <time dateTime={c.dueAt}>{formatDateTime(c.dueAt, timeZone)}</time>
        </dd>
      </div>
      <div>
        <dt>First response</dt>
        <dd>{c.firstResponseAt ? <time dateTime={c.firstResponseAt}>{formatDateTime(c.firstResponseAt, timeZone)}</time> : 'None yet'}</dd>
      </div>
      {c.resolvedAt ? (
        <div>
          <dt>Resolved</dt>
          <dd>
            <time dateTime={c.resolvedAt}>{formatDateTime(c.resolvedAt, timeZone)}</time>
            {c.resolutionCode ? `: ${resolutionNames[c.resolutionCode]}` : ''}
          </dd>
        </div>
      ) : null}
      {c.resolutionNote ? (
        <div className="case-fact-wide">
          <dt>Resolution note</dt>
          <dd className="pre-wrap">{c.resolutionNote}</dd>
        </div>
      ) : null}
      {followUp ? (
        <div className="case-fact-wide">
          <dt>Did we fix it?</dt>
          <dd>{followUp}</dd>
        </div>
      ) : null}
    </dl>
  );
}

/** Who has the case: a choice of the people the API says may take it (owners, admins, and managers of its location). */
function AssignForm({ c }: { c: Case }) {
  const session = useSession();
  const changed = useCaseChanged(c.feedbackId);
  const assignees = useQuery({ queryKey: ['cases', c.id, 'assignees'], queryFn: () => api.caseAssignees(c.id), retry: false, staleTime: 60_000 });
  const [chosen, setChosen] = useState(c.assignee?.id ?? '');
  const [saved, setSaved] = useState<string | null>(null);
  const update = useMutation({
    mutationFn: (body: UpdateCaseBody) => api.updateCase(c.id, body),
    onSuccess: async (next, body) => {
      setChosen(next.assignee?.id ?? '');
      setSaved(body.status === 'in_progress' ? 'Marked in progress.' : next.assignee ? `Assigned to ${next.assignee.name}.` : 'Nobody has this case now.');
      await changed(next);
    },
  });
  const people = assignees.data ?? [];
  // Someone assigned before who is no longer offered (left, or moved) still shows as chosen.
  const current = c.assignee && !people.some((p) => p.id === c.assignee?.id) ? c.assignee : null;

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    if ((chosen || null) === (c.assignee?.id ?? null)) {
      setSaved('Nothing has changed.');
      return;
    }
    update.mutate({ assigneeUserId: chosen || null });
  }

  return (
    <form className="stack case-assign" onSubmit={submit} aria-label="Assign the case">
      <SelectField
        label="Assign to"
        hint="Owners, admins, and managers of this location."
        value={chosen}
        onChange={(e) => setChosen(e.target.value)}
        disabled={assignees.isPending}
        error={assignees.error ? errorMessage(assignees.error) : undefined}
      >
        <option value="">Nobody</option>
        {current ? <option value={current.id}>{current.name}</option> : null}
        {people.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name} ({roleNames[p.role].toLowerCase()}){p.id === session.user.id ? ', you' : ''}
          </option>
        ))}
      </SelectField>
      <FormMessage error={update.error ? errorMessage(update.error) : null} success={saved} />
      <div className="form-actions">
        <button type="submit" className="button button-secondary" disabled={update.isPending || assignees.isPending}>
          {update.isPending ? 'Saving…' : 'Assign'}
        </button>
        {c.status === 'new' ? (
          <button
            type="button"
            className="button button-quiet"
            disabled={update.isPending}
            onClick={() => {
              setSaved(null);
              update.mutate({ status: 'in_progress' });
            }}
          >
            Mark in progress
          </button>
        ) : null}
      </div>
    </form>
  );
}

function ResolveForm({ c, onResolved }: { c: Case; onResolved: (result: ResolvedCase, askedFollowUp: boolean) => void }) {
  const changed = useCaseChanged(c.feedbackId);
  const [code, setCode] = useState<ResolutionCode | ''>('');
  const [note, setNote] = useState('');
  const [followUp, setFollowUp] = useState(false);
  const [codeError, setCodeError] = useState<string | null>(null);
  const selectId = useId();
  const resolve = useMutation({
    mutationFn: (resolutionCode: ResolutionCode) => api.resolveCase(c.id, { resolutionCode, note: note.trim(), followUp }),
    onSuccess: async (result) => {
      onResolved(result, followUp);
      await changed(result);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!code) {
      setCodeError('Choose how the case was resolved.');
      document.getElementById(selectId)?.focus();
      return;
    }
    setCodeError(null);
    resolve.mutate(code);
  }
  return (
    <form className="stack case-resolve" onSubmit={submit} noValidate aria-labelledby={`${selectId}-heading`}>
      <h3 id={`${selectId}-heading`}>Resolve the case</h3>
      <SelectField id={selectId} label="Resolution" value={code} onChange={(e) => setCode(e.target.value as ResolutionCode | '')} error={codeError}>
        <option value="">Choose…</option>
        {keys(resolutionNames).map((r) => (
          <option key={r} value={r}>
            {resolutionNames[r]}
          </option>
        ))}
      </SelectField>
      <TextArea label="Note" optional hint="What was done. Only your team sees it." rows={3} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
      <Checkbox
        label="Ask the customer “did we fix it?”"
        hint="Once, by text when they can get one, else by email. Their yes or no makes the recovery rate."
        checked={followUp}
        onChange={(e) => setFollowUp(e.target.checked)}
      />
      <FormMessage error={resolve.error ? errorMessage(resolve.error) : null} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={resolve.isPending}>
          {resolve.isPending ? 'Resolving…' : 'Resolve case'}
        </button>
      </div>
    </form>
  );
}

function resolvedMessage(result: ResolvedCase, askedFollowUp: boolean): { text: string; warning: boolean } {
  if (!askedFollowUp) return { text: 'Case resolved.', warning: false };
  if (result.followUpSentBy === 'sms') return { text: 'Case resolved. The customer was asked “did we fix it?” by text.', warning: false };
  if (result.followUpSentBy === 'email') return { text: 'Case resolved. The customer was asked “did we fix it?” by email.', warning: false };
  return { text: 'Case resolved, but the customer could not be asked “did we fix it?”: they left no mobile number or email address we can reach.', warning: true };
}

export function CasePanel({ feedbackId }: { feedbackId: string }) {
  const session = useSession();
  const canWork = session.can('feedback.update');
  const changed = useCaseChanged(feedbackId);
  const found = useQuery({ queryKey: caseKey(feedbackId), queryFn: () => loadCase(feedbackId), retry: false });
  const heading = useRef<HTMLHeadingElement>(null);
  const [outcome, setOutcomeState] = useState<{ text: string; warning: boolean } | null>(null);
  // The button pressed (open, resolve) goes away with its form: keep the keyboard in the panel.
  const setOutcome = (next: { text: string; warning: boolean }) => {
    setOutcomeState(next);
    requestAnimationFrame(() => heading.current?.focus());
  };
  const open = useMutation({
    mutationFn: () => api.openCase(feedbackId),
    onSuccess: async (next) => {
      setOutcome({ text: 'Case opened.', warning: false });
      await changed(next);
    },
  });
  const c = found.data;
  const escalation = c?.overdue ? escalationText(c.escalationLevel) : null;
  return (
    <section className="card section case-panel stack" aria-labelledby="case-heading">
      <div className="row-head">
        <h2 id="case-heading" ref={heading} tabIndex={-1}>
          Case
        </h2>
        {c ? (
          <div className="case-pills">
            {c.overdue ? <span className="pill pill-attention">Overdue{escalation ? `, ${escalation}` : ''}</span> : null}
            <span className={`pill pill-${c.status}`}>{caseStatusNames[c.status]}</span>
          </div>
        ) : null}
      </div>
      {found.isPending ? <Loading label="Loading the case…" /> : null}
      {found.error ? <LoadError error={found.error} what="The case" retry={() => void found.refetch()} /> : null}
      <div className="form-message-slot" role="status">
        {outcome ? <p className={`notice ${outcome.warning ? 'notice-warning' : 'notice-success'}`}>{outcome.text}</p> : null}
      </div>
      {found.data === null ? (
        <>
          <p className="muted">This feedback has no case.</p>
          {canWork ? (
            <>
              <FormMessage error={open.error ? errorMessage(open.error) : null} />
              <div className="form-actions">
                <button type="button" className="button button-secondary" onClick={() => open.mutate()} disabled={open.isPending}>
                  {open.isPending ? 'Opening…' : 'Open a case'}
                </button>
              </div>
            </>
          ) : null}
        </>
      ) : null}
      {c ? (
        <>
          <CaseFacts c={c} />
          {canWork && c.status !== 'resolved' ? (
            <>
              <AssignForm key={c.id} c={c} />
              <ResolveForm c={c} onResolved={(result, asked) => setOutcome(resolvedMessage(result, asked))} />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
