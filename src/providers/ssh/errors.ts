// Why the ssh provider refused. Codes are stable: the API, the audit log and tests match on them.
import { LeaseError } from '../../core/index.js';

export type SshRefusalCode =
  | 'ssh_no_principals'
  | 'ssh_invalid_principal'
  | 'ssh_invalid_public_key'
  | 'ssh_unsupported_key_type'
  | 'ssh_lease_revoked'
  | 'ssh_lease_expired';

/** A grant or a signing request the CA will not honour; nothing was signed. */
export class SshRequestRefused extends LeaseError {
  constructor(code: SshRefusalCode, message: string, options: { status?: number; field?: string } = {}) {
    super(code, message, { status: options.status ?? 400, ...(options.field ? { field: options.field } : {}) });
  }
}

/** The state or KRL file could not be read or written (permissions, disk...). */
export class SshStateIoFailed extends LeaseError {
  constructor(message: string, cause: unknown) {
    super('ssh_state_io_failed', message, { status: 500, cause });
  }
}
