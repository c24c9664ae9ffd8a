/** Settings → API keys and Settings → Webhooks: the API calls and their shapes. */
import { apiRequest } from './client.ts';

export type ApiKeyScope = 'feedback:read' | 'feedback:write' | 'invitations:write' | 'contact:read' | 'settings:manage';
export const apiKeyScopes: { scope: ApiKeyScope; label: string }[] = [
  { scope: 'feedback:read', label: 'Read feedback' },
  { scope: 'feedback:write', label: 'Submit feedback' },
  { scope: 'invitations:write', label: 'Send invitations' },
  { scope: 'contact:read', label: 'See customers’ contact details' },
  { scope: 'settings:manage', label: 'Manage settings' },
];

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  locationIds: string[] | null;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type WebhookEvent = 'feedback.created' | 'feedback.updated' | 'case.opened' | 'case.resolved' | 'response.sent' | 'optout.created';
export const webhookEvents: { event: WebhookEvent; label: string }[] = [
  { event: 'feedback.created', label: 'New feedback (feedback.created)' },
  { event: 'feedback.updated', label: 'Feedback changed: status, category, comment, case or contact details (feedback.updated)' },
  { event: 'case.opened', label: 'Case opened (case.opened)' },
  { event: 'case.resolved', label: 'Case resolved (case.resolved)' },
  { event: 'response.sent', label: 'Reply sent to the customer (response.sent)' },
  { event: 'optout.created', label: 'Customer opted out of texts (optout.created)' },
];

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  events: WebhookEvent[];
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  consecutiveFailures: number;
  includeContact: boolean;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  eventType: WebhookEvent;
  messageId: string;
  status: 'pending' | 'sending' | 'succeeded' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
  payload: string;
}

export type WebhookAttemptOutcome = 'delivered' | 'http_status' | 'timeout' | 'connection_refused' | 'connection_reset' | 'dns' | 'tls' | 'blocked' | 'other';
export const attemptOutcomeWords: Record<WebhookAttemptOutcome, string> = {
  delivered: 'Accepted',
  http_status: 'Refused',
  timeout: 'No answer in time',
  connection_refused: 'Connection refused',
  connection_reset: 'Connection dropped',
  dns: 'Address not found',
  tls: 'TLS (certificate) failure',
  blocked: 'Blocked: internal address',
  other: 'Failed',
};

export interface WebhookAttempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: WebhookAttemptOutcome;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

export const integrationsApi = {
  apiKeys: () => apiRequest<ApiKey[]>('GET', '/api-keys'),
  createApiKey: (body: { name: string; scopes: ApiKeyScope[]; locationIds: string[] | null }) => apiRequest<{ apiKey: ApiKey; key: string }>('POST', '/api-keys', { body }),
  revokeApiKey: (id: string) => apiRequest<ApiKey>('DELETE', `/api-keys/${id}`),
  endpoints: () => apiRequest<WebhookEndpoint[]>('GET', '/webhooks/endpoints'),
  createEndpoint: (body: { url: string; events: WebhookEvent[]; description: string; includeContact: boolean }) =>
    apiRequest<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/webhooks/endpoints', { body }),
  enableEndpoint: (id: string) => apiRequest<WebhookEndpoint>('PATCH', `/webhooks/endpoints/${id}`, { body: { enabled: true } }),
  setIncludeContact: (id: string, includeContact: boolean) => apiRequest<WebhookEndpoint>('PATCH', `/webhooks/endpoints/${id}`, { body: { includeContact } }),
  deleteEndpoint: (id: string) => apiRequest<{ ok: true }>('DELETE', `/webhooks/endpoints/${id}`),
  deliveries: (id: string) => apiRequest<WebhookDelivery[]>('GET', `/webhooks/endpoints/${id}/deliveries`),
  attempts: (endpointId: string, deliveryId: string) => apiRequest<WebhookAttempt[]>('GET', `/webhooks/endpoints/${endpointId}/deliveries/${deliveryId}/attempts`),
  replay: (endpointId: string, deliveryId: string) => apiRequest<WebhookDelivery>('POST', `/webhooks/endpoints/${endpointId}/deliveries/${deliveryId}/replay`),
};
