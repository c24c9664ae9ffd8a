/**
 * The texts behind a feedback given by SMS, as a conversation: the customer's texts on one
 * side, Hark's on the other. Who sent each one is written out, not only shown by its side
 * or colour; texts Hark sent carry their delivery status, and a failure its reason.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/endpoints.ts';
import type { SmsMessageKind, SmsMessageStatus, ThreadMessage } from '../api/types.ts';
import { formatDateTime, plural } from '../lib/format.ts';
import { useClientTimeZone } from '../lib/use-client-time-zone.ts';
import { LoadError, Loading } from './status.tsx';

/** Who a text Hark sent came from, by its kind. */
const outboundSenders: Record<SmsMessageKind, string> = {
  conversation: 'Hark, automatic',
  invitation: 'Invitation',
  reply: 'Reply from your team',
  opt_out: 'Hark, confirming the opt-out',
  opt_in: 'Hark, confirming the opt-in',
  help: 'Hark, automatic help',
  unrecognised: 'Hark, automatic',
  alert: 'Alert to staff',
  follow_up: 'Follow-up: did we fix it?',
};

const inboundNotes: Partial<Record<SmsMessageKind, string>> = {
  opt_out: 'Opted out of texts',
  opt_in: 'Opted back in to texts',
  help: 'Asked for help',
  unrecognised: 'Not understood',
  follow_up: 'Answer to the follow-up',
};

const statusNames: Record<SmsMessageStatus, string> = {
  received: 'Received',
  queued: 'Waiting to send',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  undelivered: 'Not delivered',
  failed: 'Could not be sent',
  blocked: 'Not sent: the customer opted out',
};

const problemStatuses = new Set<SmsMessageStatus>(['undelivered', 'failed', 'blocked']);
const pendingStatuses = new Set<SmsMessageStatus>(['queued', 'sending']);

/** Keep asking while a text just written is on its way, so its status moves on screen. */
function refreshWhilePending(messages: ThreadMessage[] | undefined): number | false {
  const recent = Date.now() - 5 * 60_000;
  return messages?.some((m) => pendingStatuses.has(m.status) && new Date(m.createdAt).getTime() > recent) ? 3_000 : false;
}

function TextBubble({ message, timeZone }: { message: ThreadMessage; timeZone: string | undefined }) {
  const inbound = message.direction === 'inbound';
  const note = inbound ? inboundNotes[message.kind] : undefined;
  const problem = problemStatuses.has(message.status);
  return (
    <li className={`sms ${inbound ? 'sms-in' : 'sms-out'}${problem ? ' sms-problem' : ''}`}>
      <p className="sms-from">
        {inbound ? 'Customer' : outboundSenders[message.kind]}
        {note ? <span className="sms-note"> · {note}</span> : null}
      </p>
      {message.body === null ? (
        <p className="sms-body sms-hidden">Contact details hidden</p>
      ) : (
        <p className="sms-body">{message.body || <span className="sms-hidden">(empty text)</span>}</p>
      )}
      <p className="sms-meta">
        <time dateTime={message.sentAt ?? message.createdAt}>{formatDateTime(message.sentAt ?? message.createdAt, timeZone)}</time>
        {inbound ? null : (
          <span className={`sms-status sms-status-${message.status}`}>
            {statusNames[message.status]}
            {message.error ? `: ${message.error}` : null}
          </span>
        )}
        {!inbound && message.segments > 1 ? <span>{plural(message.segments, 'segment')}</span> : null}
      </p>
    </li>
  );
}

export function TextThread({ feedbackId }: { feedbackId: string }) {
  const timeZone = useClientTimeZone();
  // Under the feedback's key, so a reply (which refreshes the feedback) refreshes the thread too.
  const texts = useQuery({
    queryKey: ['feedback', 'texts', feedbackId],
    queryFn: () => api.feedbackTexts(feedbackId),
    retry: false,
    refetchInterval: (query) => refreshWhilePending(query.state.data),
  });
  return (
    <section className="card section" aria-labelledby="texts-heading">
      <h2 id="texts-heading">Text conversation</h2>
      {texts.isPending ? <Loading label="Loading the texts…" /> : null}
      {texts.error ? <LoadError error={texts.error} what="The text conversation" retry={() => void texts.refetch()} /> : null}
      {texts.data ? (
        texts.data.length ? (
          <ol className="sms-thread">
            {texts.data.map((m) => (
              <TextBubble key={m.id} message={m} timeZone={timeZone} />
            ))}
          </ol>
        ) : (
          <p className="muted">No texts yet.</p>
        )
      ) : null}
    </section>
  );
}
