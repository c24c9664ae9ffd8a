/**
 * Webhooks: a client's endpoints (URL, events, signing secret, whether they may carry
 * customers' contact details), the outbox of deliveries written in the transaction of the
 * event they report, and the dispatcher that signs them (Standard Webhooks), retries with
 * exponential backoff, logs and counts every attempt, and disables endpoints that keep
 * failing.
 */
export { webhookRoutes } from './routes.ts';
export { enqueueWebhookEvent, enqueueWebhookEvents, prepareWebhookEvents, webhookEvents, type ContactSubject } from './events.ts';
export { WebhookDispatcher } from './dispatcher.ts';
export { checkEndpointUrl, isPrivateAddress } from './url-safety.ts';
export type { WebhookEvent } from './tables.ts';
