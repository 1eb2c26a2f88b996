// How an AWS answer becomes a Lease error (../../cloud/errors.ts): AccessDenied names the IAM
// action Lease's principal lacks; not found, conflict, validation and quota are refusals;
// throttling, 5xx and network failures are transient (retried here by withRetries, then by the
// workflow runtime). Messages are AWS's own; they never carry credentials.
import { TargetRefused, TargetUnavailable, withRetries, type RetryOptions } from '../../cloud/index.js';

interface AwsError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const TRANSIENT = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'InternalServerException', 'ServiceUnavailableException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * Runs one AWS call (with a few quick retries of a transient failure) and types its error.
 * `action` is the IAM action the call needs (`sso:CreatePermissionSet`), named when AWS refuses it.
 */
export async function awsCall<T>(target: string, action: string, send: () => Promise<T>, retry?: RetryOptions): Promise<T> {
  return withRetries(async () => {
    try {
      return await send();
    } catch (err) {
      throw awsError(target, action, err);
    }
  }, retry);
}

export function awsError(target: string, action: string, err: unknown): Error {
  if (err instanceof TargetRefused || err instanceof TargetUnavailable) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as AwsError;
  const name = e.name ?? 'Error';
  const message = `${target}: ${action} failed: ${name}: ${e.message ?? String(err)}`;
  const status = e.$metadata?.httpStatusCode;
  if (TRANSIENT.has(name) || e.$fault === 'server' || (status !== undefined && (status === 429 || status >= 500))) return new TargetUnavailable(message, { cause: err });
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || name === 'UnauthorizedException' || status === 403) {
    return new TargetRefused('target_permission_denied', message, { missingPermission: missingActionOf(e.message) ?? action, cause: err });
  }
  if (name === 'ResourceNotFoundException' || status === 404) return new TargetRefused('target_not_found', message, { cause: err });
  if (name === 'ConflictException' || status === 409) return new TargetRefused('target_conflict', message, { cause: err });
  if (e.$fault === 'client' || (status !== undefined && status >= 400)) return new TargetRefused('target_refused', message, { status: 400, cause: err });
  // No answer at all (connection refused, DNS, socket reset): transient.
  return new TargetUnavailable(message, { cause: err });
}

/** "... is not authorized to perform: sso:CreatePermissionSet on resource ..." → the action. */
function missingActionOf(message: string | undefined): string | undefined {
  const match = message ? /not authorized to perform:? ([\w-]+:[\w*]+)/.exec(message) : null;
  return match?.[1];
}

export function isNotFound(err: unknown): boolean {
  return err instanceof TargetRefused && err.code === 'target_not_found';
}
