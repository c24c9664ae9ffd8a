/**
 * Deletion certificates: what a termination destroyed and deleted, signed with the
 * installation's Ed25519 key. The text is stored exactly as signed, so anyone holding it,
 * the signature and the published public key can check it (`verifyDeletionCertificate`).
 */
import type { SigningKey } from '../keys/index.ts';

export interface DeletionCertificate {
  kind: 'hark.deletion-certificate';
  version: 1;
  installation: string;
  client: { id: string; name: string };
  requestedBy: { via: 'api' | 'cli'; label: string };
  export: { checked: true; exportId: string; exportedAt: string } | { checked: false; reason: 'skipped by the operator' };
  startedAt: string;
  keysDestroyedAt: string;
  completedAt: string;
  keysDestroyed: { keyId: string; createdAt: string }[];
  rowsDeleted: Record<string, number>;
  totalRowsDeleted: number;
  auditChain: { entries: number; finalSeq: number | null; finalHash: string | null; recordedInOperatorChainAt: number };
}

export interface SignedCertificate {
  text: string;
  signature: Buffer;
  signingKeyId: string;
}

/** Sorted keys within rowsDeleted; everything else is in the fixed order of the type. */
export function certificateText(certificate: DeletionCertificate): string {
  const rowsDeleted = Object.fromEntries(Object.entries(certificate.rowsDeleted).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify({ ...certificate, rowsDeleted }, null, 2);
}

export function signDeletionCertificate(key: SigningKey, certificate: DeletionCertificate): SignedCertificate {
  const text = certificateText(certificate);
  return { text, signature: key.sign(Buffer.from(text, 'utf8')), signingKeyId: key.id };
}

export function verifyDeletionCertificate(key: SigningKey, text: string, signature: Buffer): boolean {
  return key.verify(Buffer.from(text, 'utf8'), signature);
}
