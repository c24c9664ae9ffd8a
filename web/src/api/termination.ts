/** Terminating a client and its deletion certificate (operator staff only). */
import { apiRequest } from './client.ts';

export interface SigningKey {
  id: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
}

export interface CertificateBody {
  client: { id: string; name: string };
  requestedBy: { via: 'api' | 'cli'; label: string };
  export: { checked: true; exportId: string; exportedAt: string } | { checked: false; reason: string };
  startedAt: string;
  keysDestroyedAt: string;
  completedAt: string;
  keysDestroyed: { keyId: string; createdAt: string }[];
  rowsDeleted: Record<string, number>;
  totalRowsDeleted: number;
  auditChain: { entries: number; finalSeq: number | null; finalHash: string | null };
}

export interface DeletionCertificate {
  clientId: string;
  clientName: string;
  completedAt: string;
  certificate: CertificateBody;
  text: string;
  signature: string;
  signingKey: SigningKey;
}

export interface TerminationSummary {
  clientId: string;
  clientName: string;
  status: 'running' | 'complete';
  requestedBy: string;
  startedAt: string;
  completedAt: string | null;
  totalRowsDeleted: number;
}

export const terminationApi = {
  terminate: (clientId: string, body: { confirmName: string; skipExportCheck: boolean }) =>
    apiRequest<DeletionCertificate>('POST', `/operator/clients/${clientId}/terminate`, { body }),
  certificate: (clientId: string) => apiRequest<DeletionCertificate>('GET', `/operator/clients/${clientId}/deletion-certificate`),
  list: () => apiRequest<TerminationSummary[]>('GET', '/operator/terminations'),
};
