// A userinfo answer → the Lease identity. Plain OAuth 2.0 has no standard userinfo: OIDC IdPs
// answer `sub` / `email_verified`, Google's v2 endpoint `id` / `verified_email`, GitHub-like APIs
// a numeric `id`. Both spellings are read.
import type { Identity } from '../../core/index.js';
import { groupsAt } from '../oidc/index.js';

/** The stable subject: `sub`, else `id` (a string, or an integer as GitHub sends it). */
function subjectOf(info: Record<string, unknown>): string | undefined {
  if (typeof info.sub === 'string' && info.sub !== '') return info.sub;
  if (typeof info.id === 'string' && info.id !== '') return info.id;
  if (typeof info.id === 'number' && Number.isSafeInteger(info.id)) return String(info.id);
  return undefined;
}

/** `true` / `"true"` (some IdPs send strings) is asserted, `false` / `"false"` denied, anything else unsaid. */
function flag(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/**
 * id = the subject, email and name when present, groups from `groupsClaim`. An email the IdP
 * marks unverified is left out, as for OIDC; one it does not vouch for is kept with
 * `email_verified: false` (true with `trustEmail`), so whoever compares emails can tell.
 */
export function identityFromUserinfo(
  info: Record<string, unknown>,
  options: { providerId: string; providerType: string; groupsClaim: string; trustEmail?: boolean },
): Identity | undefined {
  const id = subjectOf(info);
  if (id === undefined) return undefined;
  const verified = flag(info.email_verified) ?? flag(info.verified_email);
  const email = typeof info.email === 'string' && info.email !== '' && verified !== false ? info.email : undefined;
  const name = typeof info.name === 'string' && info.name !== '' ? info.name : undefined;
  return {
    id,
    ...(email !== undefined ? { email, email_verified: verified === true || (verified === undefined && options.trustEmail === true) } : {}),
    ...(name !== undefined ? { name } : {}),
    groups: groupsAt(info, options.groupsClaim),
    provider: options.providerId,
    provider_type: options.providerType,
  };
}
