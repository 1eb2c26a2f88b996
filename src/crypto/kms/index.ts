// crypto/kms/: key backends (local, AWS KMS, GCP Cloud KMS, Azure Key Vault) and the envelope
// encryption of key set files. See ../README.md.
export type { EncryptionContext, EncryptionProvider, EncryptionService, WrappedKey } from './service.js';
export { encryptionServiceSchema, parseEncryptionConfig, type EncryptionConfig } from './config.js';
export { openEncryptionService, keySetSealing, sealedFileOpener, type OpenEncryptionOptions } from './open.js';
export { isKeyEnvelope, openKeySet, sealKeySet, sealFile, openSealedFile, encryptionContext, type KeyEnvelope, type KeySetSealing } from './envelope.js';
export {
  EncryptionConfigInvalid,
  KeyEnvelopeInvalid,
  KeyEnvelopeUnwrapRefused,
  KeyEnvelopeWrongKey,
  KmsRefused,
  KmsUnavailable,
  MasterKeyInvalid,
} from './errors.js';
