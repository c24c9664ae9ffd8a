/**
 * Keys: the master key, per-client data and index keys, encryption of contact details and
 * blind indexes. The only domain that sees key material.
 */
export { loadMasterKey } from './master-key.ts';
export {
  KeyringCache,
  createWrappedClientKeys,
  unwrapClientKeyring,
  type ClientKeyring,
  type ContactField,
} from './keyring.ts';
export { deriveSecret } from './derive.ts';
