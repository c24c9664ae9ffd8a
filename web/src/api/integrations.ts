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

export type WebhookEvent = 'feedback.created' | 'case.opened' | 'case.resolved';
export const webhookEvents: { event: WebhookEvent; label: string }[] = [
  { event: 'feedback.created', label: 'New feedback (feedback.created)' },
  { event: 'case.opened', label: 'Case opened (case.opened)' },
  { event: 'case.resolved', label: 'Case resolved (case.resolved)' },
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

export const integrationsApi = {
  apiKeys: () => apiRequest<ApiKey[]>('GET', '/api-keys'),
  createApiKey: (body: { name: string; scopes: ApiKeyScope[]; locationIds: string[] | null }) => apiRequest<{ apiKey: ApiKey; key: string }>('POST', '/api-keys', { body }),
  revokeApiKey: (id: string) => apiRequest<ApiKey>('DELETE', `/api-keys/${id}`),
  endpoints: () => apiRequest<WebhookEndpoint[]>('GET', '/webhooks/endpoints'),
  createEndpoint: (body: { url: string; events: WebhookEvent[]; description: string }) => apiRequest<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/webhooks/endpoints', { body }),
  enableEndpoint: (id: string) => apiRequest<WebhookEndpoint>('PATCH', `/webhooks/endpoints/${id}`, { body: { enabled: true } }),
  deleteEndpoint: (id: string) => apiRequest<{ ok: true }>('DELETE', `/webhooks/endpoints/${id}`),
  deliveries: (id: string) => apiRequest<WebhookDelivery[]>('GET', `/webhooks/endpoints/${id}/deliveries`),
  replay: (endpointId: string, deliveryId: string) => apiRequest<WebhookDelivery>('POST', `/webhooks/endpoints/${endpointId}/deliveries/${deliveryId}/replay`),
};
