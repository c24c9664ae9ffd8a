/**
 * One feedback: what the customer said and where, who they are (when they said and the role
 * may see it), the text conversation when it came by SMS, everything that happened since,
 * and the actions: reply by email or text, add a note, set status and category. Actions the
 * role lacks are not shown.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Link, useLocation, useParams } from 'react-router';
import { ApiError, errorMessage } from '../api/client.ts';
import { api } from '../api/endpoints.ts';
import type { CaseStatus, FeedbackCategory, FeedbackDetail, FeedbackStatus, ResponseBody, TimelineEntry, UpdateFeedbackBody } from '../api/types.ts';
import { CasePanel } from '../components/case-panel.tsx';
import { FormMessage, SelectField, TextArea, TextField, focusFirstInvalid, hasErrors, type FieldErrors } from '../components/forms.tsx';
import { Page } from '../components/page.tsx';
import { ScoreBadge } from '../components/score.tsx';
import { LoadError, Loading } from '../components/status.tsx';
import { TextThread } from '../components/text-thread.tsx';
import { estimateSegments } from '../lib/sms-segments.ts';
import { caseStatusNames } from '../lib/cases.ts';
import { useClientTimeZone } from '../lib/use-client-time-zone.ts';
import { categoryNames, channelNames, formatCount, formatDateTime, keys, plural, statusNames } from '../lib/format.ts';
import { useSession } from '../session.tsx';

const timelineNames: Record<TimelineEntry['kind'], string> = {
  feedback: 'Feedback received',
  email: 'Email reply',
  sms: 'Text reply',
  note: 'Note',
  status: 'Status changed',
  category: 'Category changed',
  case: 'Case',
};

const sendStatusNames: Record<string, string> = {
  queued: 'waiting to send',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  failed: 'could not be sent',
  recorded: '',
};

/** "in_progress → resolved" as "from In progress to Resolved". */
function describeChange(entry: TimelineEntry): string | null {
  if (entry.kind !== 'status' && entry.kind !== 'category') return null;
  const names: Record<string, string> = entry.kind === 'status' ? statusNames : categoryNames;
  const [from, to] = entry.body.split('→').map((part) => part.trim());
  if (!to) return entry.body ? `to ${names[entry.body] ?? entry.body}` : null;
  return `from ${names[from ?? ''] ?? from} to ${names[to] ?? to}`;
}

/**
 * A case event is already a sentence ("Case opened: a low score"); a change of the case's
 * status comes with the API's codes, said here in words.
 */
function describeCaseEvent(entry: TimelineEntry): string {
  const change = /^Case (new|in_progress|resolved) → (new|in_progress|resolved)$/.exec(entry.body);
  if (change) return `Case moved from ${caseStatusNames[change[1] as CaseStatus].toLowerCase()} to ${caseStatusNames[change[2] as CaseStatus].toLowerCase()}`;
  return entry.body || 'Case';
}

/** A text in the timeline from the customer (their answer), not from the team. */
function isInboundText(entry: TimelineEntry): boolean {
  return entry.kind === 'sms' && entry.direction === 'inbound';
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const timeZone = useClientTimeZone();
  if (!entries.length) return <p className="muted">Nothing has happened yet.</p>;
  return (
    <ol className="timeline">
      {entries.map((entry, i) => {
        const change = describeChange(entry);
        const inbound = isInboundText(entry);
        const isCase = entry.kind === 'case';
        return (
          <li key={`${entry.kind}-${entry.at}-${i}`} className={`timeline-item timeline-${entry.kind}${inbound ? ' timeline-inbound' : ''}`}>
            <div className="timeline-head">
              <span className="timeline-kind">
                {isCase ? (
                  describeCaseEvent(entry)
                ) : inbound ? (
                  'Text from the customer'
                ) : (
                  timelineNames[entry.kind]
                )}
                {change ? ` ${change}` : ''}
              </span>
              {entry.author ? <span className="timeline-author">by {entry.author.name}</span> : null}
              <time dateTime={entry.at}>{formatDateTime(entry.at, timeZone)}</time>
              {entry.status && sendStatusNames[entry.status] ? <span className={`pill pill-send-${entry.status}`}>{sendStatusNames[entry.status]}</span> : null}
            </div>
            {entry.subject ? <p className="timeline-subject">{entry.subject}</p> : null}
            {entry.body && !change && !isCase && entry.kind !== 'feedback' ? <p className="timeline-body">{entry.body}</p> : null}
          </li>
        );
      })}
    </ol>
  );
}

function StatusForm({ feedback }: { feedback: FeedbackDetail }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<FeedbackStatus>(feedback.status);
  const [category, setCategory] = useState<FeedbackCategory>(feedback.category);
  const [saved, setSaved] = useState<string | null>(null);
  const update = useMutation({
    mutationFn: (body: UpdateFeedbackBody) => api.updateFeedback(feedback.id, body),
    onSuccess: async (_result, body) => {
      setSaved(body.status === 'resolved' && body.category === undefined ? 'Marked as resolved.' : 'Saved.');
      await queryClient.invalidateQueries({ queryKey: ['feedback'] });
    },
  });
  const changed = (status !== feedback.status && status !== 'closed') || category !== feedback.category;
  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    if (!changed) return;
    update.mutate({ ...(status !== feedback.status && status !== 'closed' ? { status } : {}), ...(category !== feedback.category ? { category } : {}) });
  }
  return (
    <form className="card section stack" onSubmit={submit} aria-labelledby="status-heading">
      <h2 id="status-heading">Status and category</h2>
      <div className="two-col">
        <SelectField label="Status" value={status} onChange={(e) => setStatus(e.target.value as FeedbackStatus)}>
          {keys(statusNames)
            .filter((s) => s !== 'closed' || feedback.status === 'closed')
            .map((s) => (
              <option key={s} value={s} disabled={s === 'closed'}>
                {statusNames[s]}
              </option>
            ))}
        </SelectField>
        <SelectField label="Category" value={category} onChange={(e) => setCategory(e.target.value as FeedbackCategory)}>
          {keys(categoryNames).map((c) => (
            <option key={c} value={c}>
              {categoryNames[c]}
            </option>
          ))}
        </SelectField>
      </div>
      <FormMessage error={update.error ? errorMessage(update.error) : null} success={saved} />
      <div className="form-actions">
        <button type="submit" className="button button-secondary" disabled={!changed || update.isPending}>
          {update.isPending ? 'Saving…' : 'Save'}
        </button>
        {feedback.status === 'new' || feedback.status === 'in_progress' ? (
          <button
            type="button"
            className="button button-quiet"
            disabled={update.isPending}
            onClick={() => {
              setSaved(null);
              setStatus('resolved');
              update.mutate({ status: 'resolved' });
            }}
          >
            Mark resolved
          </button>
        ) : null}
      </div>
    </form>
  );
}

type ReplyField = 'subject' | 'body';
type ReplyChannel = 'email' | 'sms';

const channelChoices: Record<ReplyChannel, string> = { email: 'Email', sms: 'Text' };

/** The cost of a text reply as it is being written: an estimate, said as one. */
function SegmentHint({ body }: { body: string }) {
  const estimate = estimateSegments(body.trim());
  if (!estimate.segments) {
    return <>Up to 1,600 characters. One text segment holds 160 plain characters, or 70 when the text has characters such as ’, “ or emoji.</>;
  }
  const odd = estimate.nonGsm;
  const single = estimate.encoding === 'GSM-7' ? 160 : 70;
  return (
    <>
      {estimate.segments === 1
        ? `Estimate: 1 text segment, ${formatCount(estimate.length)} of ${single} characters.`
        : `Estimate: ${plural(estimate.segments, 'text segment')} for ${formatCount(estimate.length)} characters (a long text goes in parts of ${estimate.perSegment}).`}
      {odd.length ? ` ${odd.map((c) => `“${c}”`).join(', ')} ${odd.length === 1 ? 'is' : 'are'} outside the plain SMS alphabet, so a segment holds 70 characters, not 160.` : null}
    </>
  );
}

function ReplyForm({ feedback }: { feedback: FeedbackDetail }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const templateId = useId();
  const channelName = useId();
  const canEmail = Boolean(feedback.contact?.email) || (feedback.contactHidden && feedback.hasContact && feedback.channel !== 'sms');
  const canText = feedback.textReply === 'available';
  const timeZone = useClientTimeZone();
  const [channel, setChannel] = useState<ReplyChannel>(canText && (feedback.channel === 'sms' || !canEmail) ? 'sms' : 'email');
  const [template, setTemplate] = useState('');
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState<FieldErrors<ReplyField>>({});
  const [sent, setSent] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: (reply: ResponseBody) => api.respond(feedback.id, reply),
    onSuccess: async (created, reply) => {
      setSent(
        reply.kind === 'sms'
          ? created.sendAfter
            ? `It is quiet hours for the business, so your text waits until ${formatDateTime(created.sendAfter, timeZone)}. It shows in the text conversation and the timeline below.`
            : 'Your text is on its way. It shows in the text conversation and the timeline below.'
          : 'Your reply is on its way. It shows in the timeline below.',
      );
      setTemplate('');
      setSubject('');
      setBody('');
      await queryClient.invalidateQueries({ queryKey: ['feedback'] });
    },
  });

  function chooseTemplate(id: string) {
    setTemplate(id);
    const chosen = feedback.suggestedTemplates.find((t) => t.id === id);
    if (chosen) {
      setSubject(chosen.subject);
      setBody(chosen.body);
    }
  }

  function chooseChannel(next: ReplyChannel) {
    setChannel(next);
    setErrors({});
    setSent(null);
    send.reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setSent(null);
    const found: FieldErrors<ReplyField> = {};
    if (channel === 'email' && !subject.trim()) found.subject = 'Write a subject.';
    if (!body.trim()) found.body = 'Write your reply.';
    else if (channel === 'sms' && body.trim().length > 1600) found.body = 'A text reply can be at most 1,600 characters.';
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(form.current);
      return;
    }
    send.mutate(channel === 'sms' ? { kind: 'sms', body: body.trim() } : { kind: 'email', subject: subject.trim(), body: body.trim() });
  }

  if (!canEmail && !canText) {
    return (
      <section className="card section" aria-labelledby="reply-heading">
        <h2 id="reply-heading">Reply by email</h2>
        <p className="muted">
          {feedback.textReply === 'opted_out'
            ? 'This customer opted out of texts (they replied STOP) and left no email address, so there is no way to reply. You can still add a note for your team.'
            : 'This customer left no email address, so there is no one to reply to. You can still add a note for your team.'}
        </p>
      </section>
    );
  }
  const heading = canEmail && canText ? 'Reply to the customer' : canText ? 'Reply by text' : 'Reply by email';
  // 409: no mobile, opted out, no SMS number, no email: the API's message says which.
  const sendError = send.error ? (send.error instanceof ApiError && send.error.status === 409 ? send.error.message : errorMessage(send.error)) : null;
  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate aria-labelledby="reply-heading">
      <h2 id="reply-heading">{heading}</h2>
      {canEmail && canText ? (
        <fieldset className="fieldset choice-row">
          <legend className="field-label">Send by</legend>
          {(['sms', 'email'] as const).map((c) => (
            <div className="radio" key={c}>
              <input type="radio" id={`${channelName}-${c}`} name={channelName} checked={channel === c} onChange={() => chooseChannel(c)} />
              <label htmlFor={`${channelName}-${c}`}>{channelChoices[c]}</label>
            </div>
          ))}
        </fieldset>
      ) : null}
      {!canText && feedback.textReply === 'opted_out' ? <p className="field-hint">Not by text: this customer opted out of texts (they replied STOP).</p> : null}
      {channel === 'sms' ? (
        <p className="field-hint">
          {feedback.contact?.mobile ? <>Goes to {feedback.contact.mobile} from the business’s SMS number. </> : <>Goes to the number the feedback came from. </>}
          In quiet hours it waits until they end.
        </p>
      ) : null}
      {feedback.suggestedTemplates.length ? (
        <div className="field">
          <label className="field-label" htmlFor={templateId}>
            Start from a template
          </label>
          <select id={templateId} value={template} onChange={(e) => chooseTemplate(e.target.value)}>
            <option value="">Write my own</option>
            {feedback.suggestedTemplates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {channel === 'email' ? (
        <TextField label="Subject" value={subject} onChange={(e) => setSubject(e.target.value)} error={errors.subject} maxLength={200} required />
      ) : null}
      {channel === 'sms' ? (
        <TextArea label="Message" hint={<SegmentHint body={body} />} rows={4} value={body} onChange={(e) => setBody(e.target.value)} error={errors.body} maxLength={1600} required />
      ) : (
        <TextArea label="Message" rows={8} value={body} onChange={(e) => setBody(e.target.value)} error={errors.body} maxLength={5000} required />
      )}
      <FormMessage error={sendError} success={sent} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={send.isPending}>
          {send.isPending ? 'Sending…' : channel === 'sms' ? 'Send text' : 'Send reply'}
        </button>
      </div>
    </form>
  );
}

function NoteForm({ feedback }: { feedback: FeedbackDetail }) {
  const queryClient = useQueryClient();
  const form = useRef<HTMLFormElement>(null);
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const add = useMutation({
    mutationFn: () => api.respond(feedback.id, { kind: 'note', body: body.trim() }),
    onSuccess: async () => {
      setBody('');
      setSaved('Note added.');
      await queryClient.invalidateQueries({ queryKey: ['feedback'] });
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(null);
    if (!body.trim()) {
      setError('Write a note first.');
      focusFirstInvalid(form.current);
      return;
    }
    setError(null);
    add.mutate();
  }
  return (
    <form ref={form} className="card section stack" onSubmit={submit} noValidate aria-labelledby="note-heading">
      <h2 id="note-heading">Add a note</h2>
      <TextArea label="Note" hint="Only your team sees notes; the customer never does." rows={3} value={body} onChange={(e) => setBody(e.target.value)} error={error} maxLength={5000} />
      <FormMessage error={add.error ? errorMessage(add.error) : null} success={saved} />
      <div className="form-actions">
        <button type="submit" className="button button-secondary" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add note'}
        </button>
      </div>
    </form>
  );
}

function Contact({ feedback }: { feedback: FeedbackDetail }) {
  let content;
  if (feedback.contactHidden) {
    content = <p className="muted">{feedback.hasContact ? 'The customer left contact details, but your role may not see them.' : 'No contact details.'}</p>;
  } else if (!feedback.contact) {
    content = <p className="muted">The customer left no contact details.</p>;
  } else {
    const { name, email, mobile } = feedback.contact;
    content = (
      <dl className="facts">
        {name ? (
          <div>
            <dt>Name</dt>
            <dd>{name}</dd>
          </div>
        ) : null}
        {email ? (
          <div>
            <dt>Email</dt>
            <dd>
              <a href={`mailto:${email}`}>{email}</a>
            </dd>
          </div>
        ) : null}
        {mobile ? (
          <div>
            <dt>Mobile</dt>
            <dd>
              <a href={`tel:${mobile}`}>{mobile}</a>
            </dd>
          </div>
        ) : null}
      </dl>
    );
  }
  return (
    <section className="card section" aria-labelledby="contact-heading">
      <h2 id="contact-heading">Customer</h2>
      {feedback.contactRequested ? <p className="pill pill-attention">Asked to be contacted</p> : null}
      {content}
    </section>
  );
}

/** Back to where the person came from: the case list (with its view) or the inbox. */
function backLink(state: unknown): { to: string; label: string } {
  const from = (state as { fromCases?: unknown } | null)?.fromCases;
  if (typeof from === 'string' && from.startsWith('/cases')) return { to: from, label: 'Back to the cases' };
  return { to: '/inbox', label: 'Back to the inbox' };
}

export function FeedbackDetailPage() {
  const timeZone = useClientTimeZone();
  const { id = '' } = useParams();
  const back = backLink(useLocation().state);
  const session = useSession();
  const feedback = useQuery({ queryKey: ['feedback', 'detail', id], queryFn: () => api.feedback(id), retry: false });
  const data = feedback.data;

  if (!data) {
    return (
      <Page title="Feedback">
        <p>
          <Link to={back.to}>← {back.label}</Link>
        </p>
        {feedback.isPending ? <Loading label="Loading the feedback…" /> : null}
        {feedback.error ? <LoadError error={feedback.error} what="This feedback" item retry={() => void feedback.refetch()} /> : null}
      </Page>
    );
  }
  const where = data.subMeasureName ? `${data.locationName} · ${data.subMeasureName}` : data.locationName;
  return (
    <Page title={`Feedback from ${formatDateTime(data.submittedAt, timeZone)}`} documentTitle={`Feedback, ${where}`}>
      <p className="back-link">
        <Link to={back.to}>← {back.label}</Link>
      </p>
      <div className="detail-grid">
        <div className="detail-main">
          <section className="card section feedback-card" aria-labelledby="said-heading">
            <h2 id="said-heading" className="visually-hidden">
              What the customer said
            </h2>
            <div className="feedback-card-head">
              <ScoreBadge score={data.score} scale={data.scale} band={data.scoreBand} size="large" />
              <div>
                <span className={`pill pill-${data.status}`}>{statusNames[data.status]}</span>
                <span className="pill">{categoryNames[data.category]}</span>
              </div>
            </div>
            {data.comment.trim() ? <blockquote className="feedback-quote">{data.comment}</blockquote> : <p className="muted">The customer left no comment.</p>}
            <dl className="facts facts-inline">
              <div>
                <dt>Location</dt>
                <dd>{data.locationName}</dd>
              </div>
              {data.subMeasureName ? (
                <div>
                  <dt>Staff</dt>
                  <dd>{data.subMeasureName}</dd>
                </div>
              ) : null}
              <div>
                <dt>Channel</dt>
                <dd>{channelNames[data.channel]}</dd>
              </div>
              <div>
                <dt>Received</dt>
                <dd>
                  <time dateTime={data.submittedAt}>{formatDateTime(data.submittedAt, timeZone)}</time>
                </dd>
              </div>
              {data.receiptCode ? (
                <div>
                  <dt>Receipt code</dt>
                  <dd>{data.receiptCode}</dd>
                </div>
              ) : null}
            </dl>
          </section>
          {data.correctionStatements?.length ? (
            <section className="card section" aria-labelledby="correction-heading">
              <h2 id="correction-heading">Statement of correction</h2>
              <p className="section-note">The customer asked for this record to be corrected. Their statement is kept with it, and goes wherever the record goes.</p>
              {data.correctionStatements.map((c) => (
                <blockquote key={c.id}>
                  <p>{c.statement}</p>
                  <footer>{formatDateTime(c.createdAt)}</footer>
                </blockquote>
              ))}
            </section>
          ) : null}
          <CasePanel key={`case-${data.id}`} feedbackId={data.id} />
          {data.channel === 'sms' || data.timeline.some((e) => e.kind === 'sms') ? <TextThread feedbackId={data.id} /> : null}
          {session.can('feedback.respond') ? <ReplyForm key={`reply-${data.id}`} feedback={data} /> : null}
          {session.can('feedback.respond') ? <NoteForm feedback={data} /> : null}
          <section className="card section" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">Timeline</h2>
            <Timeline entries={data.timeline} />
          </section>
        </div>
        <div className="detail-side">
          <Contact feedback={data} />
          {session.can('feedback.update') ? <StatusForm feedback={data} /> : null}
        </div>
      </div>
    </Page>
  );
}
