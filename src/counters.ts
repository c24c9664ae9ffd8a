/**
 * The process's own Prometheus counters, bumped by the domains as things happen (feedback
 * stored, texts and emails handed on), and prom-client's process metrics. Kept apart from
 * the HTTP layer so that the domains need not import it; /metrics (src/http/metrics.ts)
 * merges this registry into each scrape.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Channel } from './db/schema.ts';
import type { WebhookEvent } from './webhooks/tables.ts';

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
/** Every webhook event, so each series exists (at 0) from the first scrape. */
const webhookEventTypes: Record<WebhookEvent, true> = {
  'feedback.created': true,
  'feedback.updated': true,
  'case.opened': true,
  'case.resolved': true,
  'response.sent': true,
  'optout.created': true,
};

/** delivered: a 2xx answer; failed_attempt: any other outcome, to be retried; gave_up: the last attempt, failed. */
export type WebhookAttemptOutcome = 'delivered' | 'failed_attempt' | 'gave_up';
const webhookAttemptOutcomes: readonly WebhookAttemptOutcome[] = ['delivered', 'failed_attempt', 'gave_up'];

const webhookDeliveries = new Counter({
  name: 'hark_webhook_deliveries_total',
  help: 'Webhook delivery attempts, by event and outcome (delivered, failed_attempt to be retried, gave_up after the retry period), since this process started',
  labelNames: ['event', 'outcome'] as const,
  registers: [processRegistry],
});
const webhookDuration = new Histogram({
  name: 'hark_webhook_delivery_duration_seconds',
  help: 'Time from sending a webhook delivery to its answer (or failure), per attempt',
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [processRegistry],
});
for (const event of Object.keys(webhookEventTypes)) {
  for (const outcome of webhookAttemptOutcomes) webhookDeliveries.inc({ event, outcome }, 0);
}

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

const feedbackBatchSize = new Histogram({
  name: 'hark_feedback_batch_size',
  help: 'Public-form submissions written together in one transaction (group commit), since this process started',
  buckets: [1, 2, 4, 8, 16, 32, 64],
  registers: [processRegistry],
});

/** Records the size of one group-commit transaction of the public form. */
export function observeFeedbackBatch(size: number): void {
  feedbackBatchSize.observe(size);
}

/** Counts one attempt to hand a text to the SMS provider: 'sent' when it accepted it, else 'failed' (each retry counts). */
export function countSmsSent(outcome: SendOutcome): void {
  smsSent.inc({ outcome });
}

/** Counts one attempt to hand an email to the mail server: 'sent' when it accepted it, else 'failed' (each retry counts). */
export function countEmailSent(outcome: SendOutcome): void {
  emailSent.inc({ outcome });
}

/** Counts one webhook delivery attempt and how long it took (each retry and replay counts). */
export function countWebhookAttempt(event: WebhookEvent, outcome: WebhookAttemptOutcome, durationMs: number): void {
  webhookDeliveries.inc({ event, outcome });
  webhookDuration.observe(durationMs / 1000);
}
