/**
 * Endpoint signing secrets, in the Standard Webhooks form `whsec_<base64 of 24 bytes>`. They
 * must be read to sign, so they are kept encrypted (AES-256-GCM under a key derived from the
 * master key, bound to the endpoint), shown to the admin once, and never logged.
 */
import { randomBytes } from 'node:crypto';
import { openEnvelope, sealEnvelope } from '../keys/index.ts';

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export function sealWebhookSecret(key: Buffer, endpointId: string, secret: string): Buffer {
  return sealEnvelope(key, Buffer.from(secret, 'utf8'), `webhook-endpoint:${endpointId}`);
}

export function openWebhookSecret(key: Buffer, endpointId: string, sealed: Buffer): string {
  return openEnvelope(key, sealed, `webhook-endpoint:${endpointId}`).toString('utf8');
}
