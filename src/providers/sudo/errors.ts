// Why a sudo grant was refused. Codes are stable: the API, the audit log and tests match on them.
import { LeaseError } from '../../core/index.js';

export type SudoRefusalCode =
  | 'sudo_invalid_request_id'
  | 'sudo_invalid_account'
  | 'sudo_invalid_command'
  | 'sudo_invalid_expiry'
  | 'sudo_nothing_to_grant';

/** The grant input cannot become a safe sudoers rule; nothing was written. */
export class SudoGrantRefused extends LeaseError {
  constructor(code: SudoRefusalCode, message: string, field?: string) {
    super(code, message, { status: 400, ...(field ? { field } : {}) });
  }
}

/** visudo rejected the rendered file; nothing was installed. Carries visudo's own message. */
export class SudoersCheckFailed extends LeaseError {
  constructor(message: string, cause?: unknown) {
    super('sudoers_check_failed', message, { status: 500, cause });
  }
}

/** The sudoers directory could not be read or written (permissions, disk, ...). */
export class SudoersIoFailed extends LeaseError {
  constructor(message: string, cause: unknown) {
    super('sudoers_io_failed', message, { status: 500, cause });
  }
}
