/**
 * The personal parts of a privacy complaint (who, how to reach them, what happened, the
 * response) are sealed with a key derived from the master key for this purpose alone:
 * complaints are the operator's, not a client's, so no client keyring fits. Each field is
 * bound to its complaint, so a sealed value cannot be moved to another row.
 */
import type { Services } from '../../context.ts';
import { deriveSecret, openEnvelope, sealEnvelope } from '../../keys/index.ts';

export type SealedField = 'name' | 'email' | 'phone' | 'details' | 'response';

export interface ComplaintSeal {
  seal(complaintId: string, field: SealedField, text: string): Buffer;
  open(complaintId: string, field: SealedField, sealed: Buffer): string;
}

const keys = new WeakMap<Buffer, Buffer>();

export function complaintSeal(services: Services): ComplaintSeal {
  const master = services.keyrings.masterKey;
  let key = keys.get(master);
  if (!key) {
    key = deriveSecret(master, 'privacy-complaints');
    keys.set(master, key);
  }
  const k = key;
  const aad = (id: string, field: SealedField) => `privacy-complaint:${id}:${field}`;
  return {
    seal: (id, field, text) => sealEnvelope(k, Buffer.from(text, 'utf8'), aad(id, field)),
    open: (id, field, sealed) => openEnvelope(k, sealed, aad(id, field)).toString('utf8'),
  };
}
