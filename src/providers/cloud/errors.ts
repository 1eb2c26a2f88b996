// How a cloud target's answers become errors: a refusal (permission, unknown user, bad input)
// fails the request without retries; anything transient (throttling, 5xx, network) is retried,
// first here a few times and then by the workflow runtime with backoff.
import { LeaseError } from '../../core/errors.js';

/** The target refused; retrying will not help. `missingPermission` names what the caller lacks, when the target says. */
export class TargetRefused extends LeaseError {
  readonly missingPermission?: string;
  constructor(code: 'target_permission_denied' | 'target_not_found' | 'target_refused' | 'target_conflict', message: string, options: { status?: number; missingPermission?: string; cause?: unknown } = {}) {
    super(code, message, { status: options.status ?? (code === 'target_permission_denied' ? 403 : code === 'target_not_found' ? 404 : code === 'target_conflict' ? 409 : 400), cause: options.cause });
    if (options.missingPermission !== undefined) this.missingPermission = options.missingPermission;
  }
}

/** The target is throttling, failing or unreachable: try again later. */
export class TargetUnavailable extends LeaseError {
  constructor(message: string, options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super('target_unavailable', message, { status: 503, ...options });
  }
}

export function isTransient(err: unknown): boolean {
  return err instanceof TargetUnavailable;
}
