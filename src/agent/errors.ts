// Errors of the session vault and the agent. Messages name files, never a key or a token.
import { LeaseError } from '../core/errors.js';

/** The vault does not decrypt: it was modified, or the key file is not the one it was sealed with. */
export class SessionVaultUnreadable extends LeaseError {
  constructor(file: string, reason: string) {
    super(
      'session_vault_unreadable',
      `session vault ${file} cannot be read (${reason}): it was tampered with or its key changed; remove it and log in again (lease login)`,
      { status: 500 },
    );
  }
}

/** The vault key is readable by group or others; refused as ssh refuses such keys. */
export class SessionVaultKeyInsecure extends LeaseError {
  constructor(file: string, mode: number) {
    super('session_vault_key_insecure', `session vault key ${file} has mode ${mode.toString(8).padStart(4, '0')}; run \`chmod 600 ${file}\``, { status: 500 });
  }
}

/** The key file exists but does not hold a 256-bit key. */
export class SessionVaultKeyInvalid extends LeaseError {
  constructor(file: string) {
    super('session_vault_key_invalid', `session vault key ${file} is not a 256-bit key; remove it and sessions.vault, then log in again`, { status: 500 });
  }
}
