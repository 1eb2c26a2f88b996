// Errors of the session key file. Messages name the file, never a key.
import { LeaseError } from '../../core/index.js';

/** The key file exists but is not a key file Lease wrote (bad JSON, bad shape, bad key). */
export class SessionKeyFileInvalid extends LeaseError {
  constructor(file: string, reason: string) {
    super('session_key_file_invalid', `session key file ${file} is invalid: ${reason}`, { status: 500 });
  }
}

/** The key file is readable or writable by group or others; refused as ssh refuses such keys. */
export class SessionKeyFileInsecure extends LeaseError {
  constructor(file: string, mode: number) {
    super('session_key_file_insecure', `session key file ${file} has mode ${mode.toString(8).padStart(4, '0')}; run \`chmod 600 ${file}\``, { status: 500 });
  }
}

/** Every key is revoked: rotate to issue new sessions. */
export class NoSessionKey extends LeaseError {
  constructor() {
    super('no_session_key', 'no usable session key; rotate the session keys', { status: 500 });
  }
}
