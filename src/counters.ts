/**
 * The process's own Prometheus counters, bumped by the domains as things happen (feedback
 * stored, texts and emails handed on), and prom-client's process metrics. Kept apart from
 * the HTTP layer so that the domains need not import it; /metrics (src/http/metrics.ts)
 * merges this registry into each scrape.
 */
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { Channel } from './db/schema.ts';

export const processRegistry = new Registry();
let defaultMetricsStarted = false;

/** prom-client's process metrics (CPU, memory, event loop, GC), collected once per process. */
export function startProcessMetrics(): void {
  if (defaultMetricsStarted) return;
  collectDefaultMetrics({ register: processRegistry });
  defaultMetricsStarted = true;
}

/** Every feedback channel, so each series exists (at 0) from the first scrape. */
const feedbackChannels: Record<Channel, true> = { web: true, qr: true, kiosk: true, sms: true, api: true, email: true };

export type SendOutcome = 'sent' | 'failed';
const sendOutcomes: readonly SendOutcome[] = ['sent', 'failed'];

const feedbackIngested = new Counter({
  name: 'hark_feedback_ingested_total',
  help: 'Feedback stored (committed), by channel, since this process started',
  labelNames: ['channel'] as const,
  registers: [processRegistry],
});
const smsSent = new Counter({
  name: 'hark_sms_sent_total',
  help: 'Text messages handed to the SMS provider, by outcome, since this process started',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});
const emailSent = new Counter({
  name: 'hark_email_sent_total',
  help: 'Emails handed to the mail server, by outcome, since this process started',
  labelNames: ['outcome'] as const,
  registers: [processRegistry],
});
for (const channel of Object.keys(feedbackChannels)) feedbackIngested.inc({ channel }, 0);
for (const outcome of sendOutcomes) {
  smsSent.inc({ outcome }, 0);
  emailSent.inc({ outcome }, 0);
}

/**
 * Counts one stored feedback. Call it once the transaction that stored it has committed
 * (not inside it: a rolled-back insert must not count), and not for a duplicate that was
 * skipped (same form nonce).
 */
export function countFeedbackIngested(channel: Channel): void {
  feedbackIngested.inc({ channel });
}

/** Counts one attempt to hand a text to the SMS provider: 'sent' when it accepted it, else 'failed' (each retry counts). */
export function countSmsSent(outcome: SendOutcome): void {
  smsSent.inc({ outcome });
}

/** Counts one attempt to hand an email to the mail server: 'sent' when it accepted it, else 'failed' (each retry counts). */
export function countEmailSent(outcome: SendOutcome): void {
  emailSent.inc({ outcome });
}

