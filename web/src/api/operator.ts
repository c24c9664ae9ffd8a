/** The operator console's calls (operator staff only). Each operator screen adds its own here or in a file beside this one. */
import { apiRequest } from './client.ts';
import type { Session } from './types.ts';

export interface OperatorClient {
  id: string;
  name: string;
  createdAt: string;
}

export const operatorApi = {
  clients: () => apiRequest<OperatorClient[]>('GET', '/operator/clients'),
  openClient: (clientId: string, reason: string) => apiRequest<Session>('POST', `/operator/clients/${clientId}/open`, { body: { reason } }),
};
