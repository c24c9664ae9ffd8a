/**
 * Webhooks: a client's endpoints (URL, events, signing secret), the outbox of deliveries
 * written in the transaction of the event they report, and the dispatcher that signs them
 * (Standard Webhooks), retries with exponential backoff, and disables endpoints that keep
 * failing.
 */
export { webhookRoutes } from './routes.ts';
export { enqueueWebhookEvent, webhookEvents } from './events.ts';
export { WebhookDispatcher } from './dispatcher.ts';
export { checkEndpointUrl, isPrivateAddress } from './url-safety.ts';
export type { WebhookEvent } from './tables.ts';
