// Session tokens: a JWT encrypted (JWE, `dir` + A256GCM) with the server's session key. Only
// the server can read or mint one; the agent holds it as an opaque string. Tokens are
// credentials: never log them, never put them in error messages.
import type * as Jose from 'jose';
import type { Identity } from '../../core/index.js';
import { InvalidInput, Unauthenticated, identitySchema, newId, toIso } from '../../core/index.js';
import type { SessionKeys } from './keys.js';

export const SESSION_ISSUER = 'lease';
export const DEFAULT_SESSION_TTL_MS = 60 * 60 * 1000;
/** Far above any real token (an identity with many groups); bounds work on garbage input. */
const MAX_TOKEN_LENGTH = 64 * 1024;

// jose (about 45 modules) loads with the first session issued or checked, not at start-up.
let jose: Promise<typeof Jose> | undefined;
const loadJose = () => (jose ??= import('jose'));

export interface IssuedSession {
  token: string;
  expires_at: string;
}

export interface VerifiedSession {
  identity: Identity;
  expires_at: string;
  /** The session's id: what a logout revokes. */
  jti: string;
  /** When it was issued, epoch ms: "end every session of this user issued before T" compares it. */
  issued_at_ms: number;
  /** The session key it was encrypted with: revoking that key ends the session. */
  kid: string;
}

/** Encrypts `identity` into a token that expires `ttlMs` (default 1 h) after `now` (epoch ms). */
export async function issueSessionToken(
  keys: SessionKeys,
  identity: Identity,
  options: { now: number; ttlMs?: number },
): Promise<IssuedSession> {
  const { EncryptJWT } = await loadJose();
  const ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  if (!Number.isInteger(ttlMs) || ttlMs < 1000) throw new InvalidInput('a session lifetime must be a whole number of ms, at least 1 s', 'ttlMs');
  const iat = Math.floor(options.now / 1000);
  const exp = Math.floor((options.now + ttlMs) / 1000);
  const { kid, key } = await keys.fresh();
  // `iat` has whole seconds only; `iat_ms` tells a session issued just after an administrator
  // ended a user's sessions from one issued just before, within the same second.
  const token = await new EncryptJWT({ idn: identitySchema.parse(identity), iat_ms: options.now })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
    .setIssuer(SESSION_ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(newId('ses', options.now))
    .encrypt(key);
  return { token, expires_at: toIso(exp * 1000) };
}

/**
 * The session in `token`, or Unauthenticated: `session_expired` for a genuine token past its
 * expiry, `unauthenticated` for anything else (malformed, tampered, unknown or revoked key).
 */
export async function verifySessionToken(keys: SessionKeys, token: string, options: { now: number }): Promise<VerifiedSession> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalidSession();
  const { errors: joseErrors, jwtDecrypt } = await loadJose();
  let payload: Record<string, unknown>;
  let kid = '';
  try {
    ({ payload } = await jwtDecrypt(
      token,
      async (header) => {
        const key = typeof header.kid === 'string' ? await keys.resolve(header.kid) : undefined;
        if (key === undefined) throw new joseErrors.JWKSNoMatchingKey();
        kid = header.kid as string;
        return key;
      },
      {
        issuer: SESSION_ISSUER,
        currentDate: new Date(options.now),
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
        requiredClaims: ['iat', 'exp', 'jti'],
      },
    ));
  } catch (err) {
    // Expiry is checked only after decryption succeeded, so only genuine tokens read "expired".
    if (err instanceof joseErrors.JWTExpired) throw new Unauthenticated('session expired; log in again', 'session_expired');
    throw invalidSession();
  }
  const identity = identitySchema.safeParse(payload.idn);
  if (!identity.success || typeof payload.jti !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') throw invalidSession();
  // Tokens from before iat_ms existed: their whole second is at or before the true issue time.
  const issuedAtMs = typeof payload.iat_ms === 'number' ? payload.iat_ms : payload.iat * 1000;
  return { identity: identity.data, expires_at: toIso(payload.exp * 1000), jti: payload.jti, issued_at_ms: issuedAtMs, kid };
}

function invalidSession(): Unauthenticated {
  return new Unauthenticated('invalid session; log in again');
}
