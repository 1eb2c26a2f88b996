// Resolves, at call time, what the built-in calls need from the configuration: the policy
// re-check, the provider that grants, and the role as the provider sees it.
import { LeaseError, PolicyDenied, evaluatePolicy, formatIsoDuration, type Identity } from '../../core/index.js';
import type { ProviderInstance, GrantRole } from '../../providers/index.js';
import type { RequestRecord, Store } from '../../store/index.js';
import type { AccessDirectory } from '../../workflow/calls/index.js';
import type { WorkflowEvent } from '../../workflow/interpreter/types.js';
import type { LoadedConfig, ResolvedRole } from '../../config/index.js';
import type { AccessControl } from './access-control.js';
import type { EmailApprovals } from '../email-approvals/service.js';
import { checkApprovalsMet } from './approvers.js';

/** Runs the policy on a request against the current configuration; throws PolicyDenied. */
export function checkPolicy(
  config: LoadedConfig,
  providers: Map<string, ProviderInstance>,
  ask: { identity: Identity; roleId: string; providerId: string; durationMs: number; reason: string },
): void {
  const provider = providers.get(ask.providerId);
  evaluatePolicy({
    ...ask,
    role: config.roles.get(ask.roleId),
    // A provider that cannot grant access (identity or notification only) is not a target.
    provider: provider ? { id: provider.id, type: provider.type, implemented: provider.implemented !== false, enabled: provider.enabled && !!provider.access } : undefined,
  });
}

/**
 * The provider a request is for: the one it names, else the role's only provider. A role with
 * several needs the request to choose (400 provider_required, naming them). Without a role
 * there is nothing to infer: the policy then refuses role_not_found before it looks at providers.
 */
export function requestedProvider(config: LoadedConfig, roleId: string, asked: string | undefined): string {
  const role = config.roles.get(roleId);
  if (asked !== undefined || !role) return asked ?? '';
  const [only, ...others] = role.providers;
  if (only !== undefined && others.length === 0) return only;
  const message = only === undefined ? `role "${roleId}" lists no provider to grant it on` : `role "${roleId}" can be granted on several providers: name one of ${role.providers.join(', ')}`;
  throw new LeaseError('provider_required', message, { status: 400, field: 'provider' });
}

export function createAccessDirectory(
  config: LoadedConfig,
  providers: Map<string, ProviderInstance>,
  deps: { store: Store; access: AccessControl; emailApprovals?: EmailApprovals; signal?: (instanceId: string, event: WorkflowEvent) => Promise<void> },
): AccessDirectory {
  const { emailApprovals } = deps;
  return {
    ...(emailApprovals
      ? {
          emailInvites: async (request: RequestRecord, to: unknown, approvals: boolean, linkTtlMs: number) =>
            Promise.all(emailApprovals.recipients(request, to, approvals).map(async (address) => ({ to: address, ...(approvals ? { approval: await emailApprovals.invite(request, address, linkTtlMs) } : {}) }))),
        }
      : {}),
    validate(request: RequestRecord): void {
      checkPolicy(config, providers, {
        identity: request.identity,
        roleId: request.role,
        providerId: request.provider,
        durationMs: request.duration_ms,
        reason: request.reason,
      });
    },
    async checkApprovals(request: RequestRecord): Promise<void> {
      const role = config.roles.get(request.role);
      if (role?.approvals === undefined) return;
      checkApprovalsMet(request, role, await deps.store.decisions.list(request.id), deps.access);
    },
    checkExtension(extension: RequestRecord, original: RequestRecord, expiresAt: string): void {
      const role = config.roles.get(original.role);
      if (!role) throw new PolicyDenied('role_not_found', `role "${original.role}" is no longer configured`);
      checkExtensionLength(original, role, 0, Date.parse(expiresAt));
      if (original.status !== 'active') throw new PolicyDenied('lease_ended', `request ${original.id} is ${original.status}: there is no lease to extend`);
      if (extension.role !== original.role || extension.provider !== original.provider) throw new PolicyDenied('extension_mismatch', `${extension.id} does not extend ${original.id}`);
    },
    signal: async (instanceId, event) => {
      if (!deps.signal) throw new Error('no workflow runtime to deliver events to');
      await deps.signal(instanceId, event);
    },
    accessProvider: (id) => providers.get(id)?.access,
    notifier: (id) => {
      const provider = providers.get(id);
      return provider?.enabled ? provider.notification : undefined;
    },
    grantRole: (id) => {
      const role = config.roles.get(id);
      return role ? toGrantRole(role) : undefined;
    },
  };
}

export function toGrantRole(role: ResolvedRole): GrantRole {
  return {
    id: role.id,
    name: role.name,
    permissions: { allow: [...role.permissions.allow], deny: [...role.permissions.deny] },
    resources: { allow: [...role.resources.allow], deny: [...role.resources.deny] },
    nativeRoles: [...role.nativeRoles],
  };
}

/** An extension keeps the lease within the role's max_duration in total (from its grant). */
export function checkExtensionLength(original: RequestRecord, role: ResolvedRole, extraMs: number, currentExpiry: number): void {
  const total = currentExpiry + extraMs - Date.parse(original.granted_at ?? original.created_at);
  if (total > role.maxDurationMs) {
    throw new PolicyDenied(
      'duration_exceeds_max',
      `extending by ${formatIsoDuration(extraMs)} makes the lease ${formatIsoDuration(total)} in total, over the maximum of ${role.maxDuration} for role "${role.id}"`,
      'duration',
    );
  }
}
