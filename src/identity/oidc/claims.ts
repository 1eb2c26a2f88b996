// Claims (ID token, completed by userinfo) → the Lease identity that roles' scopes match.
import type { Identity } from '../../core/index.js';

/** Reads `name` or, failing that, the dotted path `a.b.c` through nested objects. */
function claimAt(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** An array of strings (other entries dropped), a single string, or nothing. */
function groupsFrom(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((g): g is string => typeof g === 'string' && g !== ''))];
}

/** The groups at `claim` (a dotted path reaches nested members): an array of strings or a single string. */
export function groupsAt(claims: Record<string, unknown>, claim: string): string[] {
  return groupsFrom(claimAt(claims, claim));
}

/**
 * The identity: id = `sub`, email and name when present, groups from `groupsClaim`.
 * An email the IdP marks `email_verified: false` is left out: an address someone merely typed in
 * must not make them someone else, even on a notification. An address is verified when the IdP
 * says so, or, with `trustEmail`, when it says nothing.
 */
export function identityFromClaims(claims: Record<string, unknown>, options: { providerId: string; groupsClaim: string; trustEmail?: boolean }): Identity | undefined {
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') return undefined;
  const email = typeof claims.email === 'string' && claims.email !== '' && claims.email_verified !== false ? claims.email : undefined;
  const verified = claims.email_verified === true || (claims.email_verified === undefined && options.trustEmail === true);
  const name = typeof claims.name === 'string' && claims.name !== '' ? claims.name : undefined;
  return {
    id: sub,
    ...(email !== undefined ? { email, email_verified: verified } : {}),
    ...(name !== undefined ? { name } : {}),
    groups: groupsAt(claims, options.groupsClaim),
    provider: options.providerId,
    provider_type: 'oidc',
  };
}
