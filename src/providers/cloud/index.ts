// cloud/: what the cloud providers (aws, gcp, azure) share: error typing, retries, REST calls,
// token caching, credentials given inline or as a file.
export { TargetRefused, TargetUnavailable, isTransient } from './errors.js';
export { withRetries, type RetryOptions } from './retry.js';
export { answerError, callRest, collectPages, type RestAnswer, type RestClientOptions, type RestRequest } from './rest.js';
export { TokenCache, type AccessToken } from './token-cache.js';
export { readJsonSecret } from './secret-source.js';
export { baseUrlSchema, isLoopbackHost } from './base-url.js';
export { MembershipLedger, type Holder as LedgerHolder, type LedgerBook, type Seat as LedgerSeat } from './membership-ledger.js';
