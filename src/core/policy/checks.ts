// The policy rules, one small check each, in the order they are evaluated. Each throws
// PolicyDenied with a code of its own so a refusal says exactly which rule refused.
import { PolicyDenied } from '../errors.js';
import { formatIsoDuration } from '../duration.js';
import type { PolicyCheck, PolicyRole } from './types.js';
import { identityMatches } from '../principals.js';

// The role must exist; a disabled role is reported as disabled, not as missing.
export const roleExists: PolicyCheck = ({ role, roleId }) => {
  if (!role) throw new PolicyDenied('role_not_found', `role "${roleId}" does not exist`, 'role');
};

// A disabled role cannot be requested.
export const roleEnabled: PolicyCheck = ({ role, roleId }) => {
  if (role && !role.enabled) throw new PolicyDenied('role_disabled', `role "${roleId}" is disabled`, 'role');
};

// The requester must have logged in through one of the role's authenticators, when it lists any.
export const authenticatorAllowed: PolicyCheck = ({ role, identity, roleId }) => {
  const allowed = (role as PolicyRole).authenticators;
  if (allowed.length > 0 && !allowed.includes(identity.provider)) {
    throw new PolicyDenied(
      'authenticator_not_allowed',
      `role "${roleId}" requires logging in with ${allowed.join(' or ')}`,
      'role',
    );
  }
};

// The requester, or one of their groups, must be in the role's scopes (on the same identity provider).
export const requesterInScope: PolicyCheck = ({ role, identity, roleId }) => {
  if (!identityMatches(identity, (role as PolicyRole).requesters)) {
    throw new PolicyDenied('not_in_scope', `you are not in the scopes of role "${roleId}"`, 'role');
  }
};

// The provider must be one the role lists.
export const providerAllowed: PolicyCheck = ({ role, providerId, roleId }) => {
  if (!(role as PolicyRole).providers.includes(providerId)) {
    throw new PolicyDenied(
      'provider_not_allowed',
      `role "${roleId}" cannot be granted on provider "${providerId}"`,
      'provider',
    );
  }
};

// The provider must be configured, of a type Lease implements, and enabled.
export const providerAvailable: PolicyCheck = ({ provider, providerId }) => {
  if (!provider) throw new PolicyDenied('provider_not_found', `provider "${providerId}" is not configured`, 'provider');
  if (provider.implemented === false) {
    const type = provider.type === undefined ? '' : ` (type "${provider.type}")`;
    throw new PolicyDenied('provider_not_implemented', `provider "${providerId}"${type} is of a type Lease does not implement yet`, 'provider');
  }
  if (!provider.enabled) throw new PolicyDenied('provider_disabled', `provider "${providerId}" is disabled`, 'provider');
};

// The duration must not exceed the role's maximum.
export const durationWithinMax: PolicyCheck = ({ role, durationMs, roleId }) => {
  const max = (role as PolicyRole).maxDurationMs;
  if (durationMs > max) {
    throw new PolicyDenied(
      'duration_exceeds_max',
      `duration ${formatIsoDuration(durationMs)} exceeds the maximum of ${formatIsoDuration(max)} for role "${roleId}"`,
      'duration',
    );
  }
};

// A reason must be given: the audit trail records why access was needed.
export const reasonPresent: PolicyCheck = ({ reason }) => {
  if (reason.trim() === '') throw new PolicyDenied('reason_required', 'a reason is required', 'reason');
};

/** The request pipeline: every rule, in order. */
export const POLICY_CHECKS: readonly PolicyCheck[] = [
  roleExists,
  roleEnabled,
  authenticatorAllowed,
  requesterInScope,
  providerAllowed,
  providerAvailable,
  durationWithinMax,
  reasonPresent,
];
