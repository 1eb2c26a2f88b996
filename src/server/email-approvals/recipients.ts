// Who an e-mail notification goes to. `to` names addresses, or people as config names them
// (a user or group at a local identity provider, whose addresses the config itself gives), or
// `approvers` (also when absent): the role's approvers, else the administrators. For an
// approval mail, only people who may decide are mailed, and never the requester. Addresses of
// SSO users come from `<provider>:<address>` / bare-address approver entries; their subjects
// and groups are not known to Lease until they log in.
import { identityMatches, sameIdentity, type Identity, type PrincipalRef } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { RequestRecord } from '../../store/index.js';
import type { AccessControl } from '../services/access-control.js';
import { isApprover } from '../services/approvers.js';

/** An address as `to` may name one (the provider checks each again before sending). */
function isEmailAddress(value: string): boolean {
  return value.length <= 254 && /^[^\s@<>()",;:\\]+@[^\s@<>()",;:\\]+$/.test(value);
}

interface LocalUser {
  identity: Identity;
}

/** Users of the `local` identity providers with an address, as the identities they log in as. */
function localUsers(config: LoadedConfig): LocalUser[] {
  const users: LocalUser[] = [];
  for (const provider of config.providers.values()) {
    if (provider.provider !== 'local' || !provider.config || typeof provider.config !== 'object') continue;
    const entries = (provider.config as { users?: Record<string, { email?: string; name?: string; groups?: string[] }> }).users ?? {};
    for (const [id, user] of Object.entries(entries)) {
      if (typeof user.email !== 'string') continue;
      users.push({ identity: { id, provider: provider.id, provider_type: 'local', email: user.email, email_verified: true, groups: user.groups ?? [], ...(user.name ? { name: user.name } : {}) } });
    }
  }
  return users;
}

/** The addresses `refs` name: e-mail entries, and local users they match. */
function addressesOf(config: LoadedConfig, refs: readonly PrincipalRef[]): string[] {
  const addresses = refs.flatMap((ref) => ('email' in ref ? [ref.email] : []));
  for (const { identity } of localUsers(config)) if (identityMatches(identity, refs)) addresses.push(identity.email!);
  return addresses;
}

export function resolveRecipients(config: LoadedConfig, access: AccessControl, request: RequestRecord, to: unknown, approvals: boolean): string[] {
  const names = (Array.isArray(to) ? to : typeof to === 'string' ? to.split(/[\s,;]+/) : []).filter((n): n is string => typeof n === 'string' && n.trim() !== '').map((n) => n.trim());
  const role = config.roles.get(request.role);
  const approverRefs = role?.approvals?.approvers.length ? role.approvals.approvers : config.admins;
  const found: string[] = [];
  const users = localUsers(config);
  for (const name of names.length === 0 ? ['approvers'] : names) {
    if (name === 'approvers') found.push(...addressesOf(config, approverRefs));
    else if (isEmailAddress(name)) found.push(name);
    else {
      const bare = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
      const provider = name.includes(':') ? name.slice(0, name.indexOf(':')) : undefined;
      for (const { identity } of users) {
        if (provider !== undefined && identity.provider !== provider) continue;
        if (identity.id === bare || identity.groups.includes(bare)) found.push(identity.email!);
      }
    }
  }
  const requester = request.identity.email_verified === true ? request.identity.email?.toLowerCase() : undefined;
  const unique = [...new Set(found.map((a) => a.toLowerCase()))];
  if (!approvals) return unique;
  // A local user we know is mailed only when they may decide; the requester never is.
  return unique.filter((address) => {
    if (address === requester) return false;
    const known = users.filter((u) => u.identity.email!.toLowerCase() === address);
    if (known.some((u) => sameIdentity(u.identity, request.identity))) return false;
    return known.length === 0 || known.some((u) => isApprover(u.identity, role, access));
  });
}
