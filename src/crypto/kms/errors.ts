// Errors of the key backends and of sealed key files. Messages name the file, the backend and
// the key id, never key material, a data key or a token.
import { LeaseError } from '../../core/index.js';

/** `services.encryption` is not usable; `issues` name each path (`services.encryption.key_id`). */
export class EncryptionConfigInvalid extends LeaseError {
  readonly issues: { file?: string; path: string; message: string }[];

  constructor(issues: { file?: string; path: string; message: string }[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    // Same shape as config/ConfigError: `FILE: PATH: MESSAGE`, one per line.
    const lines = issues.map((i) => `${i.file === undefined ? '' : `${i.file}: `}${i.path}: ${i.message}`);
    super('invalid_config', [`invalid configuration (${count}):`, ...lines].join('\n'), { status: 500 });
    this.issues = issues;
  }
}

/** The local master key is missing, malformed, or in a file others may read. */
export class MasterKeyInvalid extends LeaseError {
  constructor(source: string, problem: string) {
    super('master_key_invalid', `local master key (${source}): ${problem}`, { status: 500 });
  }
}

/** The backend refused the operation: wrong or disabled key, other context, altered blob, no permission. */
export class KmsRefused extends LeaseError {
  constructor(
    readonly backend: string,
    readonly operation: string,
    /** The backend's own error name (`InvalidCiphertextException`, `FAILED_PRECONDITION`...). */
    readonly reason: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super('kms_refused', `${backend} refused to ${operation}: ${reason}${detail ? ` (${detail})` : ''}`, { status: 500, ...options });
  }
}

/** The backend could not be reached or asked: network, 5xx, no credentials. */
export class KmsUnavailable extends LeaseError {
  constructor(backend: string, operation: string, detail: string, options: { cause?: unknown } = {}) {
    super('kms_unavailable', `${backend} is unavailable for ${operation}: ${detail}`, { status: 500, ...options });
  }
}

/** A sealed key file that is not a well-formed envelope, is for another purpose, or was altered. */
export class KeyEnvelopeInvalid extends LeaseError {
  constructor(file: string, problem: string) {
    super('key_envelope_invalid', `sealed key file ${file}: ${problem}`, { status: 500 });
  }
}

/** A sealed key file wrapped by another backend or key than the one configured (or none is configured). */
export class KeyEnvelopeWrongKey extends LeaseError {
  constructor(file: string, sealedWith: string, configured: string | undefined) {
    super(
      'key_envelope_wrong_key',
      configured === undefined
        ? `sealed key file ${file} is sealed with ${sealedWith}, but services.encryption is not configured; configure it to read the file`
        : `sealed key file ${file} is sealed with ${sealedWith}, not with the configured ${configured}`,
      { status: 500 },
    );
  }
}

/** The backend refused to unwrap a sealed key file's data key; `cause` is the KmsRefused. */
export class KeyEnvelopeUnwrapRefused extends LeaseError {
  constructor(file: string, sealedWith: string, cause: KmsRefused) {
    super(
      'key_envelope_unwrap_refused',
      `sealed key file ${file} (sealed with ${sealedWith}) could not be unwrapped: ${cause.message}. ` +
        'The file was altered or copied from another purpose, or the key is disabled, deleted or not this one.',
      { status: 500, cause },
    );
  }
}
