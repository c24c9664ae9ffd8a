/** The operator console's calls for privacy complaints and policy versions (operator staff only). */
import { apiRequest } from './client.ts';

export type ComplaintStatus = 'received' | 'investigating' | 'responded' | 'closed';

export interface ComplaintSummary {
  id: string;
  reference: string;
  channel: 'web' | 'phone' | 'email' | 'letter';
  business: string | null;
  status: ComplaintStatus;
  receivedAt: string;
  dueOn: string;
  daysLeft: number;
  overdue: boolean;
}

export interface Complaint extends ComplaintSummary {
  name: string;
  email: string | null;
  phone: string | null;
  details: string;
  response: string | null;
  respondedAt: string | null;
  closedAt: string | null;
  remindersSent: { kind: 'week_before' | 'due_date'; sentAt: string | null }[];
  allowedNext: ComplaintStatus[];
}

export interface PolicyVersionSummary {
  version: number;
  format: 'markdown' | 'text';
  sha256: string;
  source: 'default' | 'cli' | 'api';
  publishedAt: string;
  publishedBy: string | null;
  current: boolean;
  url: string;
}

export interface PolicyVersion extends PolicyVersionSummary {
  text: string;
}

export const privacyOperatorApi = {
  complaints: (state: 'open' | 'done' | 'all') => apiRequest<ComplaintSummary[]>('GET', `/operator/complaints?state=${state}`),
  complaint: (id: string) => apiRequest<Complaint>('GET', `/operator/complaints/${id}`),
  moveComplaint: (id: string, status: ComplaintStatus, response?: string) =>
    apiRequest<Complaint>('POST', `/operator/complaints/${id}/status`, { body: response === undefined ? { status } : { status, response } }),
  policyVersions: () => apiRequest<PolicyVersionSummary[]>('GET', '/operator/policy-versions'),
  policyVersion: (version: number) => apiRequest<PolicyVersion>('GET', `/operator/policy-versions/${version}`),
  publishPolicy: (text: string, format: 'markdown' | 'text') => apiRequest<{ version: number; url: string }>('POST', '/operator/policy-versions', { body: { text, format } }),
};
