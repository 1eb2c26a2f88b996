// The CSRF token of a cookie session: HMAC-SHA256 keyed by the session token itself. Only a
// holder of the session token can compute it, and the token is in an HttpOnly cookie, so only
// this server can: it hands the CSRF token to its own pages (GET /api/v1/auth/csrf), which a
// page on another origin cannot read. No server-side state and no extra key: it survives
// restarts and key rotation, and dies with the session. Never log it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LeaseError } from '../../core/index.js';

export const CSRF_HEADER = 'X-CSRF-Token';
const LABEL = 'lease/csrf/v1';

/** A cookie-authenticated unsafe request without the session's CSRF token (403). */
export class CsrfTokenInvalid extends LeaseError {
  constructor(reason: string) {
    super('csrf_token_invalid', `${reason}; GET /api/v1/auth/csrf gives the token to send as ${CSRF_HEADER}`, { status: 403 });
  }
}

export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update(LABEL).digest('base64url');
}

/** Passes when `presented` is the session's CSRF token; compared in constant time. */
export function checkCsrfToken(presented: string | undefined, sessionToken: string): void {
  if (presented === undefined || presented === '') throw new CsrfTokenInvalid(`missing ${CSRF_HEADER} header`);
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(presented);
  // The length of a token is public (a base64url SHA-256); only the content must not leak.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new CsrfTokenInvalid(`${CSRF_HEADER} does not match this session`);
}
