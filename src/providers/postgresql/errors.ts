// How PostgreSQL's answers become Lease errors (SQLSTATE codes, appendix A of its manual): a
// refusal (privilege, unknown role or object, bad input) fails the request without retries; the
// server being unreachable, starting, shutting down or out of connections is retried. Messages
// are PostgreSQL's own (they never carry a statement's text, so never a password verifier).
import { LeaseError } from '../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';

interface PgLikeError {
  code?: string;
  message?: string;
}

/** Network errors of the socket (node), before PostgreSQL said anything. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** SQLSTATEs worth retrying: connection exceptions (08), out of resources (53: 53300 too many connections), operator intervention (57P01-57P03), serialization and deadlock (40001, 40P01). */
function transient(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || ['57P01', '57P02', '57P03', '40001', '40P01', '55P03'].includes(code);
}

/**
 * A LeaseError for what PostgreSQL (or the socket) answered `what` (e.g. `create role
 * lease_x`): TargetRefused (4xx) or TargetUnavailable (503). Anything else passes unchanged.
 */
export function pgError(err: unknown, target: string, what: string): unknown {
  if (err instanceof LeaseError) return err;
  const e = (err ?? {}) as PgLikeError;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const say = `${target}: cannot ${what}: ${message}`;
  if (NETWORK_CODES.has(code) || (code === '' && /timeout|Connection terminated/i.test(message))) return new TargetUnavailable(`${target}: cannot reach PostgreSQL to ${what}: ${message}`, { cause: err });
  if (code === '') return err;
  if (transient(code)) return new TargetUnavailable(`${say} (SQLSTATE ${code})`, { cause: err });
  if (code === '42501') return new TargetRefused('target_permission_denied', `${say} (SQLSTATE 42501: the admin role lacks this privilege; see the provider's required privileges)`, { missingPermission: missingPrivilege(message), cause: err });
  if (code === '28P01' || code === '28000') return new TargetRefused('target_permission_denied', `${say} (SQLSTATE ${code}: check the admin connection's user and password)`, { cause: err });
  if (['42704', '42P01', '3F000', '3D000', '42883'].includes(code)) return new TargetRefused('target_not_found', `${say} (SQLSTATE ${code})`, { cause: err });
  if (code === '42710' || code === '23505' || code === '2BP01' || code === '55006') return new TargetRefused('target_conflict', `${say} (SQLSTATE ${code})`, { cause: err });
  if (code.startsWith('42') || code.startsWith('22') || code.startsWith('0L') || code.startsWith('0P') || code.startsWith('2B')) return new TargetRefused('target_refused', `${say} (SQLSTATE ${code})`, { cause: err });
  return err;
}

/** What PostgreSQL says is missing, when it says (`permission denied to create role` → `create role`). */
function missingPrivilege(message: string): string | undefined {
  const match = /permission denied (?:to |for )(.+)$/i.exec(message);
  return match?.[1]?.trim();
}
