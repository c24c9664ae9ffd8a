/**
 * Keys: the master key, per-client data and index keys (kept in the key store, outside the
 * database), encryption of contact details and blind indexes, and the installation's
 * signing key. The only domain that sees key material.
 */
export { loadMasterKey } from './master-key.ts';
export {
  ClientKeyUnavailableError,
  KeyringCache,
  createWrappedClientKeys,
  unwrapClientKeyring,
  type ClientKeyring,
  type ContactField,
  type DestroyedClientKey,
} from './keyring.ts';
export { DirectoryKeyStore, type KeyStore, type StoredClientKey } from './key-store.ts';
export { moveClientKeysToStore } from './move-keys-to-store.ts';
export { deriveSecret } from './derive.ts';
export { seal as sealEnvelope, open as openEnvelope } from './envelope.ts';
export { signingKeyFrom, type SigningKey } from './signing-key.ts';
