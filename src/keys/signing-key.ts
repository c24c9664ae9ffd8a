/**
 * The installation's signing key (Ed25519), for deletion certificates. Derived from the
 * master key, so every process of the installation signs with the same key and no private
 * key is stored anywhere; the public key is published for anyone to check a certificate.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { deriveSecret } from './derive.ts';

/** PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface SigningKey {
  /** Short fingerprint of the public key: the first 16 bytes of its SHA-256, in hex. */
  readonly id: string;
  readonly algorithm: 'Ed25519';
  readonly publicKeyPem: string;
  sign(message: Buffer): Buffer;
  verify(message: Buffer, signature: Buffer): boolean;
}

export function signingKeyFrom(masterKey: Buffer): SigningKey {
  const seed = deriveSecret(masterKey, 'deletion-certificate-signing');
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const publicKey: KeyObject = createPublicKey(privateKey);
  const publicDer = publicKey.export({ format: 'der', type: 'spki' });
  return {
    id: createHash('sha256').update(publicDer).digest('hex').slice(0, 32),
    algorithm: 'Ed25519',
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    sign: (message) => sign(null, message, privateKey),
    verify: (message, signature) => verify(null, message, publicKey, signature),
  };
}
