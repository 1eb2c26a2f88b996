// The only way user data reaches SQL text: identifiers and literals quoted here (the same rules as
// pg's escapeIdentifier/escapeLiteral, which sql.test.ts checks against), and the lease role's
// name, comment and password verifier. Everything else is a bind parameter.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { TargetRefused } from '../cloud/index.js';

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1), which could make two names one. */
export const MAX_IDENTIFIER_BYTES = 63;
export const LEASE_ROLE_PREFIX = 'lease_';

/** A double-quoted identifier: any text, inner quotes doubled; NUL and over-long names are refused. */
export function ident(name: string): string {
  if (name.length === 0) throw new TargetRefused('target_refused', 'an empty PostgreSQL identifier');
  if (name.includes('\0')) throw new TargetRefused('target_refused', 'a PostgreSQL identifier cannot contain a NUL character');
  if (Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) throw new TargetRefused('target_refused', `PostgreSQL identifier ${JSON.stringify(name)} is longer than ${MAX_IDENTIFIER_BYTES} bytes`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** A string literal: quotes doubled; with a backslash, the E'' form with backslashes doubled (as pg's escapeLiteral). */
export function literal(value: string): string {
  if (value.includes('\0')) throw new TargetRefused('target_refused', 'a PostgreSQL string cannot contain a NUL character');
  const quoted = `'${value.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`;
  return value.includes('\\') ? ` E${quoted}` : quoted;
}

/**
 * The lease role of a request: `lease_` + the request id's 26 characters (Lease ids are `req_` +
 * lower-case Crockford base32); any other id, by a hash of it. Deterministic, so a grant repeated
 * after a crash finds the role it made; at most 63 bytes.
 */
export function leaseRoleName(requestId: string): string {
  const body = requestId.replace(/^req_/, '');
  if (/^[0-9a-z]{1,40}$/.test(body)) return `${LEASE_ROLE_PREFIX}${body}`;
  return `${LEASE_ROLE_PREFIX}h${createHash('sha256').update(requestId).digest('hex').slice(0, 48)}`;
}

/** What `COMMENT ON ROLE` says of a lease role: which provider made it, for which request. */
export interface LeaseRoleTag {
  provider: string;
  request: string;
}

const TAG_PREFIX = 'lease:';

export function describeLeaseRole(tag: LeaseRoleTag): string {
  return `${TAG_PREFIX}${JSON.stringify({ provider: tag.provider, request: tag.request })}`;
}

/** The tag of a role's comment, or undefined when Lease did not write it. */
export function parseLeaseRoleComment(comment: string | null | undefined): LeaseRoleTag | undefined {
  if (!comment?.startsWith(TAG_PREFIX)) return undefined;
  try {
    const tag = JSON.parse(comment.slice(TAG_PREFIX.length)) as Partial<LeaseRoleTag>;
    return typeof tag.provider === 'string' && typeof tag.request === 'string' ? { provider: tag.provider, request: tag.request } : undefined;
  } catch {
    return undefined;
  }
}

/** A fresh password: 32 random bytes as base64url (no character a URL, a shell or SASLprep changes). */
export function newPassword(): string {
  return randomBytes(32).toString('base64url');
}

const SCRAM_ITERATIONS = 4096;

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, as libpq's
 * PQencryptPasswordConn makes it). Lease sends this, never the password itself, so the clear
 * password never reaches the server's statement log or pg_stat_activity. `password` must be
 * ASCII without control characters (newPassword's are), which SASLprep leaves unchanged.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
