/** The operator console's calls for privacy requests (access and correction; operator staff only). */
import { apiRequest } from './client.ts';

export type PrivacyRequestState = 'received' | 'verified' | 'in_progress' | 'extended' | 'responded' | 'refused';

export interface PrivacyRequestSummary {
  id: string;
  kind: 'access' | 'correction';
  state: PrivacyRequestState;
  name: string;
  receivedAt: string;
  receivedOn: string;
  dueOn: string;
  workingDaysLeft: number;
  holidayTableVersion: string;
}

export interface PrivacyRequest extends PrivacyRequestSummary {
  identifiers: { kind: 'email' | 'mobile'; value: string; verified: boolean }[];
  details: string | null;
  extension: { extendedAt: string; reason: string; originalDueOn: string; noticeSentAt: string } | null;
  outcomeNote: string | null;
  closedAt: string | null;
  findings: { clientId: string; clientName: string; endCustomers: string[] }[];
  packages: { id: string; builtAt: string; items: number; flagged: number; linkExpiresAt: string | null; downloadedAt: string | null }[];
  remindersSent: { tenWorkingDays: string | null; fifteenWorkingDays: string | null };
}

export interface SearchResult {
  searchedAt: string;
  clientsSearched: number;
  clients: { clientId: string; clientName: string; endCustomers: string[]; counts: Record<string, number> }[];
  queuedJobs: { id: string; name: string; state: string }[];
}

export type Correction =
  | { clientId: string; endCustomerId: string; field: 'name' | 'email' | 'mobile'; value: string }
  | { clientId: string; endCustomerId: string; statement: string };

const base = '/operator/privacy-requests';

export const privacyRequestsApi = {
  list: (state: 'open' | 'all') => apiRequest<PrivacyRequestSummary[]>('GET', `${base}?state=${state}`),
  get: (id: string) => apiRequest<PrivacyRequest>('GET', `${base}/${id}`),
  search: (id: string) => apiRequest<SearchResult>('POST', `${base}/${id}/search`, { body: {} }),
  buildPackage: (id: string) => apiRequest<{ id: string; items: number; flagged: number; builtAt: string }>('POST', `${base}/${id}/package`, { body: {} }),
  /** The package's address for a download link (a plain GET with the session cookie). */
  packageUrl: (id: string, format: 'json' | 'html') => `/api/v1${base}/${id}/package?format=${format}`,
  extend: (id: string, extraWorkingDays: number, reason: string) => apiRequest<{ dueOn: string }>('POST', `${base}/${id}/extend`, { body: { extraWorkingDays, reason } }),
  respond: (id: string, message: string) => apiRequest<{ sentTo: 'email' | 'mobile'; linkExpiresAt: string | null }>('POST', `${base}/${id}/respond`, { body: { message } }),
  refuse: (id: string, message: string) => apiRequest<{ sentTo: 'email' | 'mobile' }>('POST', `${base}/${id}/refuse`, { body: { message } }),
  correct: (id: string, correction: Correction) => apiRequest<{ kind: 'value' | 'statement'; clientNotified: number }>('POST', `${base}/${id}/correct`, { body: correction }),
};
