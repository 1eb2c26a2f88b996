// AWS answers as Lease errors: ../clients.ts types them (AccessDenied → target_permission_denied,
// not found, conflict and validation → refusals; throttling, 5xx, no answer → transient, retried
// by withRetries and then by the workflow runtime). Here every call also says which IAM action it
// needs, so a refusal names it even when AWS's message does not.
import { TargetRefused, withRetries, type RetryOptions } from '../../cloud/index.js';
import { awsError } from '../clients.js';

/** Runs one AWS call needing IAM `action` (`sso:CreatePermissionSet`), with quick retries of transient failures. */
export async function awsCall<T>(target: string, action: string, send: () => Promise<T>, retry?: RetryOptions): Promise<T> {
  return withRetries(async () => {
    try {
      return await send();
    } catch (err) {
      const typed = awsError(target, action, err);
      if (typed instanceof TargetRefused && typed.code === 'target_permission_denied' && typed.missingPermission === undefined) {
        throw new TargetRefused('target_permission_denied', `${typed.message} (Lease's AWS principal needs ${action})`, { status: 403, missingPermission: action, cause: err });
      }
      throw typed;
    }
  }, retry);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof TargetRefused && err.code === 'target_not_found';
}
