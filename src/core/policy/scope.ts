import type { Identity } from '../identity.js';

/**
 * True when the identity is listed in `users` (by id or email, case-insensitively) or one of
 * its groups is in `groups`. A group entry may carry an identity-provider prefix
 * (`oidc:eng`, `corp:eng`): it then matches only identities from a provider of that id or type.
 */
export function identityInScope(identity: Identity, scopes: { users: string[]; groups: string[] }): boolean {
  const names = [identity.id, identity.email].filter((x): x is string => !!x).map((x) => x.toLowerCase());
  if (scopes.users.some((u) => names.includes(u.toLowerCase()))) return true;
  return scopes.groups.some((entry) => {
    const colon = entry.indexOf(':');
    if (colon > 0) {
      const prefix = entry.slice(0, colon);
      const group = entry.slice(colon + 1);
      if (prefix !== identity.provider && prefix !== identity.provider_type) return false;
      return identity.groups.includes(group);
    }
    return identity.groups.includes(entry);
  });
}
