// What every AWS call of the provider shares (both modes): the SDK client settings made from the
// config, the account id (configured, else STS GetCallerIdentity, asked once), and how an SDK
// error becomes a refusal (fails the request) or a transient failure (retried). Secrets (the
// secret access key, session tokens) are never part of a message or a log line.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { TargetRefused, TargetUnavailable, withRetries, type RetryOptions } from '../cloud/index.js';
import type { AwsConfig } from './config.js';

export type { AwsCredentialIdentity, AwsCredentialIdentityProvider };

/** Settings for any AWS SDK v3 client (`new IAMClient(clientConfig)`); spread it, add nothing secret. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  /** Absent: `profile`, else the SDK's default chain (environment, shared files, container or instance role). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** A profile of the shared config/credentials files. */
  profile?: string;
  /** The SDK's own attempts; 1 because callAws retries (withRetries) and the workflow runtime after it. */
  maxAttempts?: number;
}

/** The client settings a provider's config gives. */
export function clientConfigOf(config: AwsConfig): AwsClientConfig {
  return {
    region: config.region,
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    ...(config.access_key_id !== undefined && config.secret_access_key !== undefined ? { credentials: { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key } } : {}),
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
    maxAttempts: 1,
  };
}

/** How calls of one provider name it in messages and retry. */
export interface AwsCallContext {
  /** `aws provider "aws-prod"`. */
  target: string;
  retry?: RetryOptions;
}

/**
 * Runs one AWS call with quick retries of transient failures; SDK errors become TargetRefused /
 * TargetUnavailable. An error whose name is in `tolerate` (e.g. NoSuchEntity on a delete) yields undefined.
 */
export async function callAws<T>(context: AwsCallContext, what: string, call: () => Promise<T>, tolerate: readonly string[] = []): Promise<T | undefined> {
  return withRetries(async () => {
    try {
      return await call();
    } catch (err) {
      if (tolerate.includes(awsErrorName(err) ?? '')) return undefined;
      throw awsError(context.target, what, err);
    }
  }, context.retry);
}

/** The AWS error code (`NoSuchEntity`, `AccessDenied`...), without an `Exception` suffix. */
export function awsErrorName(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const record = err as { name?: unknown; Code?: unknown; code?: unknown };
  const name = typeof record.Code === 'string' ? record.Code : typeof record.name === 'string' ? record.name : undefined;
  return name?.replace(/Exception$/, '');
}

const TRANSIENT = new Set(['Throttling', 'TooManyRequests', 'RequestLimitExceeded', 'ServiceUnavailable', 'ServiceFailure', 'InternalFailure', 'InternalError', 'ConcurrentModification', 'RequestTimeout', 'TimeoutError', 'RequestExpired', 'PriorRequestNotComplete']);
const DENIED = new Set(['AccessDenied', 'UnauthorizedOperation', 'InvalidClientTokenId', 'ExpiredToken', 'SignatureDoesNotMatch', 'UnrecognizedClient', 'IncompleteSignature', 'CredentialsProviderError']);
const NOT_FOUND = new Set(['NoSuchEntity', 'ResourceNotFound', 'NotFound']);
const CONFLICT = new Set(['EntityAlreadyExists', 'Conflict', 'DeleteConflict']);

/** The typed error for an SDK failure: the service's own code and message, which names the missing action when AWS says. */
export function awsError(target: string, what: string, err: unknown): Error {
  if (err instanceof TargetRefused || err instanceof TargetUnavailable) return err;
  const name = awsErrorName(err) ?? 'Error';
  const text = err instanceof Error ? err.message : String(err);
  const message = `${target}: ${what}: ${name}: ${text}`;
  const meta = (err as { $metadata?: { httpStatusCode?: number }; $fault?: string } | undefined) ?? {};
  const status = meta.$metadata?.httpStatusCode;
  if (TRANSIENT.has(name) || status === 429 || (status !== undefined && status >= 500) || meta.$fault === 'server') return new TargetUnavailable(message, { cause: err });
  if (DENIED.has(name) || status === 401 || status === 403) {
    const action = /not authorized to perform:? ([\w-]+:[\w*]+)/.exec(text)?.[1];
    return new TargetRefused('target_permission_denied', action ? `${message} (Lease's AWS principal needs ${action})` : message, { status: 403, ...(action ? { missingPermission: action } : {}), cause: err });
  }
  if (NOT_FOUND.has(name) || status === 404) return new TargetRefused('target_not_found', message, { cause: err });
  if (CONFLICT.has(name) || status === 409) return new TargetRefused('target_conflict', message, { status: 409, cause: err });
  // No answer at all (refused connection, DNS, reset): the target is unreachable for now.
  if (status === undefined) return new TargetUnavailable(`${target}: ${what}: cannot reach AWS: ${text}`, { cause: err });
  return new TargetRefused('target_refused', message, { status: 400, cause: err });
}

/** The account id: configured, else asked of STS once (a failed ask is asked again next time). */
export function accountIdResolver(clientConfig: AwsClientConfig, context: AwsCallContext, configured?: string): () => Promise<string> {
  if (configured !== undefined) return () => Promise.resolve(configured);
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= (async () => {
      const sts = new STSClient(clientConfig);
      try {
        const who = await callAws(context, 'GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})));
        if (!who?.Account) throw new TargetUnavailable(`${context.target}: GetCallerIdentity answered no account`);
        return who.Account;
      } finally {
        sts.destroy();
      }
    })().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}
