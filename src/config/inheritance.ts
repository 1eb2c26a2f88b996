// Resolves `inherits`: a role's permissions and resources are its own plus those of every role
// it inherits, transitively; deny always wins over allow. Only permissions, resources and
// native roles are inherited. Scopes, providers, authenticators, duration and workflow are the
// role's own: inheriting a role must never widen who may request this one, or where.
import { isNativeRoleReference } from './cross-references.js';
import type { IssueLog } from './issues.js';
import type { PrincipalResolver } from './principals.js';
import { roleReferences } from './role-references.js';
import type { Sourced } from './merge.js';
import type { RoleConfig } from './schema/index.js';
import { durationMs } from './schema/index.js';
import type { AllowDeny, ApprovalStage, ResolvedRole, RoleApprovals } from './types.js';

type Roles = ReadonlyMap<string, Sourced<RoleConfig>>;

interface Grants {
  permissions: AllowDeny;
  resources: AllowDeny;
  nativeRoles: string[];
}

/** Reports every inheritance cycle (`a → b → a`) once, on the role where it was found. */
export function reportInheritanceCycles(roles: Roles, log: IssueLog): void {
  for (const cycle of findInheritanceCycles(roles)) {
    const first = cycle[0] as string;
    log.error(roles.get(first)?.file ?? '', ['roles', first, 'inherits'], `inheritance cycle: ${cycle.join(' → ')}`);
  }
}

export function findInheritanceCycles(roles: Roles): string[][] {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const parent of localParents(roles, id)) {
      const seen = state.get(parent);
      if (seen === 'visiting') cycles.push([...stack.slice(stack.indexOf(parent)), parent]);
      else if (seen === undefined) visit(parent);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of roles.keys()) if (!state.has(id)) visit(id);
  return cycles;
}

/** Resolves every valid role. Assumes cycles were reported: a cycle is cut, not followed. */
export function resolveRoles(roles: Roles, principals: PrincipalResolver): Map<string, ResolvedRole> {
  const memo = new Map<string, Grants>();
  const resolved = new Map<string, ResolvedRole>();
  for (const [id, { value, file }] of roles) {
    if (value === undefined) continue;
    const role = toResolvedRole(id, value, collectGrants(roles, id, memo, new Set()));
    role.requesters = principals.resolve(role.scopes, file, ['roles', id, value.scopes ? 'scopes' : 'applies']);
    if (value.approvals) {
      role.approvals = resolveApprovals(id, value.approvals, file, principals);
      if (value.approvals.auto_approve_on_call) role.approvals.autoApproveOnCall = { ...value.approvals.auto_approve_on_call };
    }
    resolved.set(id, role);
  }
  return resolved;
}

/** `approvers`/`required` is one stage; `stages` are kept in order. */
function resolveApprovals(id: string, approvals: NonNullable<RoleConfig['approvals']>, file: string, principals: PrincipalResolver): RoleApprovals {
  const written = approvals.stages ?? [{ approvers: approvals.approvers ?? {}, required: approvals.required ?? 1 }];
  const stages: ApprovalStage[] = written.map((stage, i) => ({
    name: 'name' in stage && typeof stage.name === 'string' ? stage.name : `stage ${i + 1}`,
    approvers: principals.resolve(stage.approvers, file, approvals.stages ? ['roles', id, 'approvals', 'stages', i, 'approvers'] : ['roles', id, 'approvals', 'approvers']),
    required: stage.required,
  }));
  return {
    stages,
    approvers: stages.flatMap((s) => s.approvers),
    required: stages.reduce((sum, s) => sum + s.required, 0),
    timeoutMs: approvals.timeout === undefined ? undefined : durationMs(approvals.timeout),
  };
}

function localParents(roles: Roles, id: string): string[] {
  const entry = roles.get(id);
  if (entry === undefined) return [];
  return roleReferences(entry).inherits.filter((parent) => !isNativeRoleReference(parent) && roles.has(parent));
}

function collectGrants(roles: Roles, id: string, memo: Map<string, Grants>, visiting: Set<string>): Grants {
  const known = memo.get(id);
  if (known) return known;
  const role = roles.get(id)?.value;
  const grants: Grants = {
    permissions: { allow: [...(role?.permissions?.allow ?? [])], deny: [...(role?.permissions?.deny ?? [])] },
    resources: { allow: [...(role?.resources?.allow ?? [])], deny: [...(role?.resources?.deny ?? [])] },
    nativeRoles: (role?.inherits ?? []).filter(isNativeRoleReference),
  };
  if (role === undefined || visiting.has(id)) return grants;
  visiting.add(id);
  for (const parent of localParents(roles, id)) {
    if (visiting.has(parent)) continue;
    const inherited = collectGrants(roles, parent, memo, visiting);
    appendAllowDeny(grants.permissions, inherited.permissions);
    appendAllowDeny(grants.resources, inherited.resources);
    grants.nativeRoles.push(...inherited.nativeRoles);
  }
  visiting.delete(id);
  grants.nativeRoles = unique(grants.nativeRoles);
  memo.set(id, grants);
  return grants;
}

function appendAllowDeny(into: AllowDeny, from: AllowDeny): void {
  into.allow.push(...from.allow);
  into.deny.push(...from.deny);
}

/** Deny wins: an allow entry also listed in deny is dropped; deny is kept for wildcard matching. */
function denyWins(lists: AllowDeny): AllowDeny {
  const deny = unique(lists.deny);
  return { allow: unique(lists.allow).filter((entry) => !deny.includes(entry)), deny };
}

function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

function toResolvedRole(id: string, role: RoleConfig, grants: Grants): ResolvedRole {
  const scopes = role.scopes ?? role.applies;
  const workflows = unique([...(role.workflow === undefined ? [] : [role.workflow]), ...(role.workflows ?? [])]);
  return {
    id,
    name: role.name,
    description: role.description,
    enabled: role.enabled,
    scopes: { users: scopes?.users ?? [], groups: scopes?.groups ?? [] },
    requesters: [],
    providers: role.providers ?? [],
    authenticators: role.authenticators ?? [],
    maxDurationMs: durationMs(role.max_duration),
    maxDuration: role.max_duration,
    permissions: denyWins(grants.permissions),
    resources: denyWins(grants.resources),
    nativeRoles: grants.nativeRoles,
    inherits: role.inherits ?? [],
    workflow: workflows[0],
    workflows,
    approvals: undefined,
    breakGlass: role.break_glass,
    extendWithoutApproval: role.extend_without_approval,
  };
}
