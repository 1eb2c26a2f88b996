// Who a config entry (a role's scopes, its approvers, server.admins) names. An identity is the
// pair (identity provider, subject): the config loader resolves every user or group name to
// references on that pair, so matching here is a plain comparison that never crosses identity
// providers unless the config said so (an e-mail at a provider trusted to assert it).
import type { Identity } from './identity.js';

/** One person or group, on one identity provider. */
export type PrincipalRef =
  /** The subject itself: Identity.id (a local username, an OIDC `sub`, a SAML NameID). */
  | { provider: string; user: string }
  /** An e-mail address the identity provider asserted as verified (Identity.email_verified). */
  | { provider: string; email: string }
  | { provider: string; group: string };

/** The stable key of an identity: `<identity provider>:<subject>`, as config names users. */
export function identityKey(identity: Pick<Identity, 'provider' | 'id'>): string {
  return `${identity.provider}:${identity.id}`;
}

/** Identities are the same person when identity provider and subject match. */
export function sameIdentity(a: Pick<Identity, 'provider' | 'id'>, b: Pick<Identity, 'provider' | 'id'>): boolean {
  return a.provider === b.provider && a.id === b.id;
}

/** True when one of `refs` names the identity or one of its groups. */
export function identityMatches(identity: Identity, refs: readonly PrincipalRef[]): boolean {
  return refs.some((ref) => ref.provider === identity.provider && matchesOnProvider(identity, ref));
}

function matchesOnProvider(identity: Identity, ref: PrincipalRef): boolean {
  if ('user' in ref) return identity.id === ref.user;
  if ('group' in ref) return identity.groups.includes(ref.group);
  // Addresses are compared without case; an address the IdP did not verify matches nothing.
  return identity.email_verified === true && identity.email !== undefined && identity.email.toLowerCase() === ref.email.toLowerCase();
}
