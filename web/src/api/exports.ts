/** Client exports and legal disclosures (operator staff only). */
import { apiDownload, apiRequest } from './client.ts';

export interface ClientExport {
  id: string;
  clientId: string;
  clientName: string;
  fileName: string;
  via: 'api' | 'cli';
  requestedBy: string;
  status: 'running' | 'complete' | 'failed';
  schemaVersion: string;
  rowCounts: Record<string, number>;
  totalRows: number | null;
  sha256: string | null;
  bytes: number | null;
  startedAt: string;
  completedAt: string | null;
}

export type OrderKind = 'warrant' | 'production_order' | 'subpoena' | 'other';

export interface Disclosure {
  id: string;
  orderKind: OrderKind;
  issuer: string;
  reference: string;
  orderDate: string;
  recipient: string;
  notes: string;
  clientId: string;
  clientName: string;
  scope: { emails: number; mobiles: number; feedbackIds: string[]; from: string | null; to: string | null };
  recordedBy: string;
  approver: string;
  recordedAt: string;
  status: 'recorded' | 'releasing' | 'released' | 'release_failed';
  releasedAt: string | null;
  releasedBy: string | null;
  release: { rowCounts: Record<string, number>; sha256: string; bytes: number } | null;
}

export interface NewDisclosure {
  orderKind: OrderKind;
  issuer: string;
  reference: string;
  orderDate: string;
  recipient: string;
  approverUserId: string;
  notes: string;
  scope: { clientId: string; emails: string[]; mobiles: string[]; feedbackIds: string[]; from?: string; to?: string };
}

export interface Approver {
  id: string;
  name: string;
  email: string;
}

/** Saves a downloaded file the way a link with `download` would. */
export function saveFile({ blob, fileName }: { blob: Blob; fileName: string }): void {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement('a'), { href: url, download: fileName });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export const exportsApi = {
  list: (clientId?: string) => apiRequest<ClientExport[]>('GET', '/operator/exports', { query: { clientId } }),
  exportClient: (clientId: string) => apiDownload(`/operator/clients/${clientId}/export`),
};

export const disclosuresApi = {
  list: () => apiRequest<Disclosure[]>('GET', '/operator/disclosures'),
  approvers: () => apiRequest<Approver[]>('GET', '/operator/disclosures/approvers'),
  record: (body: NewDisclosure) => apiRequest<Disclosure>('POST', '/operator/disclosures', { body }),
  release: (id: string) => apiDownload(`/operator/disclosures/${id}/release`),
};
