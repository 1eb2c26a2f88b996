// Typed errors with a stable `code` and an HTTP status. One function (`toErrorBody`) maps any
// error to the JSON body `{ error: { code, message, field? } }`; unknown errors never leak details.

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export class LeaseError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field?: string;
  /** For a 429 or 503: when to try again, sent as the `Retry-After` header. */
  readonly retryAfterSeconds?: number;

  constructor(code: string, message: string, options: { status?: number; field?: string; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 400;
    if (options.field !== undefined) this.field = options.field;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

/** Input that does not have the expected shape (400). */
export class InvalidInput extends LeaseError {
  constructor(message: string, field?: string) {
    super('invalid_input', message, { status: 400, ...(field ? { field } : {}) });
  }
}

/** No valid session: missing, malformed, tampered or expired token (401). */
export class Unauthenticated extends LeaseError {
  constructor(message = 'authentication required', code = 'unauthenticated') {
    super(code, message, { status: 401 });
  }
}

/** Wrong username or password; deliberately does not say which (401). */
export class InvalidCredentials extends LeaseError {
  constructor() {
    super('invalid_credentials', 'invalid username or password', { status: 401 });
  }
}

/** Authenticated, but this action is not allowed for this identity (403). */
export class Forbidden extends LeaseError {
  constructor(code: string, message: string, field?: string) {
    super(code, message, { status: 403, ...(field ? { field } : {}) });
  }
}

export class NotFound extends LeaseError {
  constructor(code: string, message: string, field?: string) {
    super(code, message, { status: 404, ...(field ? { field } : {}) });
  }
}

/** The action does not fit the current state, e.g. revoking a request that already ended (409). */
export class Conflict extends LeaseError {
  constructor(code: string, message: string) {
    super(code, message, { status: 409 });
  }
}

/**
 * A request refused by policy. Each rule has its own code (role_not_found, role_disabled,
 * not_in_scope, provider_not_allowed, duration_exceeds_max, reason_required, ...).
 */
export class PolicyDenied extends LeaseError {
  constructor(code: string, message: string, field?: string) {
    super(code, message, { status: code === 'role_not_found' ? 404 : 403, ...(field ? { field } : {}) });
  }
}

/** Maps any thrown value to a status and a JSON error body. Unknown errors become a bare 500. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof LeaseError) return { status: err.status, body: err.toBody() };
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}
