// The `azure` access provider: a lease is an Azure RBAC role assignment (or, with `pim: true`, a
// Privileged Identity Management schedule request that Azure itself ends at the lease's expiry)
// of the role definitions the role inherits, at the subscription or the role's ARM scopes, for
// the requester's Entra ID user. See README.md.
import { randomUUID } from 'node:crypto';
import { callRest, collectPages, TargetRefused, TokenCache, type RestClientOptions, type RetryOptions } from '../cloud/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, GrantRole, NativeRole, NativeRoleQuery, ProviderFactory, ProviderInstance } from '../provider.js';
import type { Identity } from '../../core/index.js';
import { azureConfigSchema, defaultScope, isGuid, type AzureConfig } from './config.js';
import { fetchEntraToken } from './entra-token.js';
import { describeHolders, deterministicGuid, holderEntries, holdersOf, latestUntil, MAX_DESCRIPTION_LENGTH, type Holder } from './naming.js';

export const ROLE_ASSIGNMENTS_API = '2022-04-01';
export const ROLE_DEFINITIONS_API = '2022-04-01';
export const SCHEDULE_REQUESTS_API = '2020-10-01';
const AUTHORIZATION = '/providers/Microsoft.Authorization';
/** Directory lookups (user → object id, role name → definition) are kept this long. */
const LOOKUP_TTL_MS = 10 * 60_000;
/** Read-modify-write of a shared assignment's holders is checked and retried this often. */
const HOLDER_WRITE_ATTEMPTS = 4;

/** One thing a grant made or joined: an assignment (or PIM schedule) of one role definition at one scope. */
export interface AssignmentRef {
  scope: string;
  /** The role assignment's name (a GUID); for PIM, the schedule request that assigned it. */
  name: string;
  roleDefinitionId: string;
}

export interface AzureGrantData {
  principalId: string;
  pim: boolean;
  assignments: AssignmentRef[];
}

interface RoleAssignment {
  id: string;
  name: string;
  properties: { scope: string; roleDefinitionId: string; principalId: string; description?: string | null };
}

interface ScheduleRequest {
  id: string;
  name: string;
  properties: {
    scope: string;
    roleDefinitionId: string;
    principalId: string;
    requestType: string;
    status?: string;
    justification?: string | null;
    createdOn?: string;
    scheduleInfo?: { startDateTime?: string; expiration?: { type?: string; endDateTime?: string | null } };
  };
}

interface Page<T> {
  value?: T[];
  nextLink?: string | null;
}

/** Statuses of a schedule request that leave (or will leave) the assignment in place. */
const LIVE_STATUSES = new Set(['provisioned', 'granted', 'accepted', 'pendingprovisioning', 'pendingschedulecreation', 'schedulecreated', 'pendingevaluation', 'provisioningstarted']);

/** An ARM scope: segments a URL cannot reinterpret (no `.`/`..`, `%`, `?`, `#`, wildcards). */
const ARM_SCOPE = /^\/subscriptions(\/(?!\.{1,2}(?:\/|$))[\w.()-]+)+$/;
const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const lastSegment = (id: string) => id.slice(id.lastIndexOf('/') + 1).toLowerCase();

export interface AzureProviderOptions {
  retry?: RetryOptions;
  now?: () => number;
}

export class AzureAccessProvider implements AccessProvider {
  readonly type = 'azure';
  private readonly arm: RestClientOptions;
  private readonly graph: RestClientOptions;
  private readonly subscriptionScope: string;
  private readonly now: () => number;
  private readonly principals = new Map<string, { id: string; until: number }>();
  private readonly roleDefinitions = new Map<string, { id: string; until: number }>();

  constructor(
    readonly id: string,
    private readonly config: AzureConfig,
    options: AzureProviderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    const target = `azure provider "${id}"`;
    const credentials = { authority: config.authority, tenantId: config.tenant_id, clientId: config.client_id, clientSecret: config.client_secret, target, ...(options.retry ? { retry: options.retry } : {}) };
    // One token per audience: Azure refuses an ARM token at Graph and the other way round.
    const armTokens = new TokenCache(() => fetchEntraToken(credentials, config.endpoint, this.now), this.now);
    const graphTokens = new TokenCache(() => fetchEntraToken(credentials, config.graph_endpoint, this.now), this.now);
    this.arm = { baseUrl: config.endpoint, token: () => armTokens.get(), target, ...(options.retry ? { retry: options.retry } : {}) };
    this.graph = { baseUrl: config.graph_endpoint, token: () => graphTokens.get(), target, ...(options.retry ? { retry: options.retry } : {}) };
    this.subscriptionScope = `/subscriptions/${config.subscription_id}`;
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const definitionRefs = this.nativeRolesOf(input.role);
    const scopes = this.scopesOf(input.role);
    const principalId = await this.principalOf(input.identity);
    const definitions: string[] = [];
    for (const ref of definitionRefs) definitions.push(await this.roleDefinitionOf(ref));
    const assignments: AssignmentRef[] = [];
    for (const scope of scopes) {
      for (const roleDefinitionId of definitions) {
        const wanted = { scope, roleDefinitionId, principalId };
        assignments.push(this.config.pim ? await this.joinSchedule(wanted, input.requestId, input.expiresAt) : await this.joinAssignment(wanted, input.requestId));
      }
    }
    const data: AzureGrantData = { principalId, pim: this.config.pim, assignments };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    const data = record.data as Partial<AzureGrantData>;
    if (Array.isArray(data.assignments) && typeof data.principalId === 'string') {
      for (const ref of data.assignments) {
        if (data.pim === true) await this.leaveSchedule({ ...ref, principalId: data.principalId }, record.requestId);
        else await this.leaveAssignment(ref, record.requestId);
      }
      return;
    }
    // No record of what was made (a crash between Azure's answer and the store): find it by the request id.
    if (this.config.pim) {
      for (const schedule of await this.liveSchedules()) {
        if (holdersOf(schedule.properties.justification).includes(record.requestId)) await this.leaveSchedule(schedule.properties, record.requestId);
      }
      return;
    }
    for (const assignment of await this.listAssignments(this.subscriptionScope)) {
      if (holdersOf(assignment.properties.description).includes(record.requestId)) await this.leaveAssignment(refOf(assignment), record.requestId);
    }
  }

  async listActive(): Promise<ActiveGrant[]> {
    const grants = new Map<string, AzureGrantData>();
    const add = (requestId: string, principalId: string, ref: AssignmentRef) => {
      const grant = grants.get(requestId) ?? { principalId, pim: this.config.pim, assignments: [] };
      grant.assignments.push(ref);
      grants.set(requestId, grant);
    };
    if (this.config.pim) {
      for (const schedule of await this.liveSchedules()) {
        for (const holder of holdersOf(schedule.properties.justification)) add(holder, schedule.properties.principalId, { scope: schedule.properties.scope, name: schedule.name, roleDefinitionId: schedule.properties.roleDefinitionId });
      }
    } else {
      for (const assignment of await this.listAssignments(this.subscriptionScope)) {
        for (const holder of holdersOf(assignment.properties.description)) add(holder, assignment.properties.principalId, refOf(assignment));
      }
    }
    return [...grants].map(([requestId, data]) => ({ provider: this.id, requestId, data: { ...data } }));
  }

  async listNativeRoles(query: NativeRoleQuery = {}): Promise<NativeRole[]> {
    const all = await collectPages<Page<{ name: string; properties: { roleName: string; description?: string | null } }>, NativeRole>(
      { path: `${this.subscriptionScope}${AUTHORIZATION}/roleDefinitions`, query: { 'api-version': ROLE_DEFINITIONS_API } },
      this.arm,
      (page) => (page.value ?? []).map((d) => ({ id: d.name, name: d.properties.roleName, ...(d.properties.description ? { description: d.properties.description } : {}) })),
      (page) => (page.nextLink ? { path: page.nextLink } : undefined),
    );
    const search = query.search?.toLowerCase();
    const matching = search ? all.filter((r) => [r.id, r.name, r.description ?? ''].some((text) => text.toLowerCase().includes(search))) : all;
    return matching.sort((a, b) => a.name.localeCompare(b.name)).slice(0, query.limit ?? 100);
  }

  // ---- what the role asks for

  /** `inherits: [azure:<role name or id>]` (or `<this provider's id>:`): the role definitions to assign. */
  private nativeRolesOf(role: GrantRole): string[] {
    const prefixes = ['azure:', `${this.id}:`];
    const refs = role.nativeRoles.flatMap((entry) => {
      const prefix = prefixes.find((p) => entry.startsWith(p));
      return prefix ? [entry.slice(prefix.length).trim()] : [];
    });
    if (refs.length === 0 || refs.some((ref) => ref === '')) {
      throw new TargetRefused('target_refused', `azure provider "${this.id}": role "${role.id}" names no Azure role definition; add inherits: [azure:<role name or id>] (e.g. azure:Reader)`);
    }
    return [...new Set(refs)];
  }

  /** The ARM scopes in `resources.allow` (minus `resources.deny`), else the subscription (or `resource_group`). */
  private scopesOf(role: GrantRole): string[] {
    const arm = (list: string[]) => list.filter((r) => r.toLowerCase().startsWith('/subscriptions/')).map((r) => r.replace(/\/+$/, ''));
    const allowed = arm(role.resources.allow);
    if (allowed.length === 0) return [defaultScope(this.config)];
    const denied = new Set(arm(role.resources.deny).map((r) => r.toLowerCase()));
    const scopes = [...new Map(allowed.filter((s) => !denied.has(s.toLowerCase())).map((s) => [s.toLowerCase(), s])).values()];
    if (scopes.length === 0) throw new TargetRefused('target_refused', `azure provider "${this.id}": role "${role.id}" denies every scope it allows`);
    const inside = this.subscriptionScope.toLowerCase();
    for (const scope of scopes) {
      const lower = scope.toLowerCase();
      if (!ARM_SCOPE.test(scope) || (lower !== inside && !lower.startsWith(`${inside}/`))) {
        throw new TargetRefused('target_refused', `azure provider "${this.id}": role "${role.id}" names scope ${scope}, which is not a scope of subscription ${this.config.subscription_id} (segments of letters, digits, - _ . ( ); no wildcards, no . or ..)`);
      }
    }
    return scopes;
  }

  /** The requester's Entra ID user: by UPN (= e-mail for most tenants), then by `mail`. Only an e-mail the identity provider verified is used. */
  private async principalOf(identity: Identity): Promise<string> {
    const email = identity.email_verified === true ? identity.email : undefined;
    if (email === undefined || !email.includes('@')) {
      throw new TargetRefused('target_not_found', `azure provider "${this.id}": ${identity.id} has no verified e-mail address to find their Entra ID user by`);
    }
    const key = email.toLowerCase();
    const cached = this.principals.get(key);
    if (cached && cached.until > this.now()) return cached.id;
    let id: string | undefined;
    try {
      id = (await callRest<{ id: string }>(this.graph, { path: `/v1.0/users/${encodeURIComponent(email)}`, query: { $select: 'id' } })).body.id;
    } catch (err) {
      if (!(err instanceof TargetRefused && err.code === 'target_not_found')) throw err;
      const found = await callRest<Page<{ id: string }>>(this.graph, { path: '/v1.0/users', query: { $filter: `mail eq '${email.replace(/'/g, "''")}'`, $select: 'id' } });
      id = found.body.value?.[0]?.id;
    }
    if (id === undefined) throw new TargetRefused('target_not_found', `azure provider "${this.id}": no Entra ID user has the user principal name or mail ${email}`);
    this.principals.set(key, { id, until: this.now() + LOOKUP_TTL_MS });
    return id;
  }

  /** A role definition's full id: given as one, as its GUID, or looked up by its roleName. */
  private async roleDefinitionOf(ref: string): Promise<string> {
    if (ref.startsWith('/') && ref.toLowerCase().includes('/providers/microsoft.authorization/roledefinitions/')) return ref;
    if (isGuid(ref)) return `${this.subscriptionScope}${AUTHORIZATION}/roleDefinitions/${ref.toLowerCase()}`;
    const cached = this.roleDefinitions.get(ref);
    if (cached && cached.until > this.now()) return cached.id;
    const found = await callRest<Page<{ id: string }>>(this.arm, {
      path: `${this.subscriptionScope}${AUTHORIZATION}/roleDefinitions`,
      query: { $filter: `roleName eq '${ref.replace(/'/g, "''")}'`, 'api-version': ROLE_DEFINITIONS_API },
    });
    const id = found.body.value?.[0]?.id;
    if (id === undefined) throw new TargetRefused('target_not_found', `azure provider "${this.id}": no role definition named "${ref}" in subscription ${this.config.subscription_id}`);
    this.roleDefinitions.set(ref, { id, until: this.now() + LOOKUP_TTL_MS });
    return id;
  }

  // ---- plain role assignments

  /**
   * Makes the principal hold the role at the scope for this request: creates the assignment, or
   * joins the Lease-made one that already exists (Azure allows one per principal, role and scope).
   * One Lease did not make is refused: its access is standing, not a lease's to grant or end.
   */
  private async joinAssignment(wanted: { scope: string; roleDefinitionId: string; principalId: string }, requestId: string): Promise<AssignmentRef> {
    for (let attempt = 1; ; attempt++) {
      const existing = await this.assignmentFor(wanted);
      if (existing) {
        const holders = holdersOf(existing.properties.description);
        if (holders.includes(requestId)) return refOf(existing);
        if (holders.length === 0) {
          throw new TargetRefused('target_conflict', `azure provider "${this.id}": the user already holds role definition ${lastSegment(wanted.roleDefinitionId)} at ${wanted.scope} through role assignment ${existing.name}, which Lease did not make`);
        }
        await this.putAssignment(refOf(existing), wanted.principalId, [...holders, requestId]);
      } else {
        const ref = { scope: wanted.scope, name: deterministicGuid(this.id, requestId, wanted.scope.toLowerCase(), lastSegment(wanted.roleDefinitionId)), roleDefinitionId: wanted.roleDefinitionId };
        try {
          // Created with this request as its only holder: nothing concurrent can have lost it.
          await this.putAssignment(ref, wanted.principalId, [requestId]);
          return ref;
        } catch (err) {
          // RoleAssignmentExists: another request's grant made it meanwhile; join that one.
          if (!(err instanceof TargetRefused && err.code === 'target_conflict') || attempt >= HOLDER_WRITE_ATTEMPTS) throw err;
          continue;
        }
      }
      // Holders are a read-modify-write without an etag: read back, and write again if a concurrent change lost ours.
      const after = await this.assignmentFor(wanted);
      if (after && holdersOf(after.properties.description).includes(requestId)) return refOf(after);
      if (attempt >= HOLDER_WRITE_ATTEMPTS) throw new TargetRefused('target_conflict', `azure provider "${this.id}": the role assignment at ${wanted.scope} kept changing while request ${requestId} joined it`);
    }
  }

  /** Removes this request from the assignment's holders; the last holder deletes it. Gone already is success. */
  private async leaveAssignment(ref: AssignmentRef, requestId: string): Promise<void> {
    for (let attempt = 1; attempt <= HOLDER_WRITE_ATTEMPTS; attempt++) {
      const current = await this.getAssignment(ref);
      if (current === undefined) return;
      const holders = holdersOf(current.properties.description);
      if (!holders.includes(requestId)) return;
      const remaining = holders.filter((h) => h !== requestId);
      if (remaining.length === 0) {
        await callRest(this.arm, { method: 'DELETE', path: assignmentPath(ref), query: { 'api-version': ROLE_ASSIGNMENTS_API } }).catch(ignoreNotFound);
        return;
      }
      await this.putAssignment(refOf(current), current.properties.principalId, remaining);
    }
    throw new TargetRefused('target_conflict', `azure provider "${this.id}": the role assignment ${ref.name} kept changing while request ${requestId} left it`);
  }

  private async putAssignment(ref: AssignmentRef, principalId: string, holders: string[]): Promise<void> {
    const description = describeHolders(holders);
    if (description.length > MAX_DESCRIPTION_LENGTH) throw new TargetRefused('target_conflict', `azure provider "${this.id}": too many overlapping leases share role assignment ${ref.name}`);
    await callRest(this.arm, {
      method: 'PUT',
      path: assignmentPath(ref),
      query: { 'api-version': ROLE_ASSIGNMENTS_API },
      body: { properties: { roleDefinitionId: ref.roleDefinitionId, principalId, principalType: 'User', description } },
    });
  }

  private async getAssignment(ref: AssignmentRef): Promise<RoleAssignment | undefined> {
    try {
      return (await callRest<RoleAssignment>(this.arm, { path: assignmentPath(ref), query: { 'api-version': ROLE_ASSIGNMENTS_API } })).body;
    } catch (err) {
      return ignoreNotFound(err);
    }
  }

  /** The principal's assignment of exactly this role at exactly this scope, if any. */
  private async assignmentFor(wanted: { scope: string; roleDefinitionId: string; principalId: string }): Promise<RoleAssignment | undefined> {
    const all = await this.listAssignments(wanted.scope, `principalId eq '${wanted.principalId}'`);
    return all.find((a) => sameId(a.properties.scope, wanted.scope) && lastSegment(a.properties.roleDefinitionId) === lastSegment(wanted.roleDefinitionId) && sameId(a.properties.principalId, wanted.principalId));
  }

  /** Assignments at, above and below the scope (with a principalId filter: that principal's). */
  private listAssignments(scope: string, filter?: string): Promise<RoleAssignment[]> {
    return collectPages<Page<RoleAssignment>, RoleAssignment>(
      { path: `${scope}${AUTHORIZATION}/roleAssignments`, query: { 'api-version': ROLE_ASSIGNMENTS_API, ...(filter ? { $filter: filter } : {}) } },
      this.arm,
      (page) => page.value ?? [],
      (page) => (page.nextLink ? { path: page.nextLink } : undefined),
    );
  }

  // ---- PIM schedule requests

  /**
   * Makes the principal hold the role at the scope until the expiry through PIM: an AdminAssign
   * request ending at the expiry, or, when a Lease-made PIM assignment exists, an AdminUpdate
   * adding this request to its holders and ending at the later of both expiries.
   */
  private async joinSchedule(wanted: { scope: string; roleDefinitionId: string; principalId: string }, requestId: string, expiresAt: string): Promise<AssignmentRef> {
    const current = await this.liveScheduleFor(wanted);
    const mine: Holder = { requestId, until: expiresAt };
    if (current) {
      const holders = holderEntries(current.properties.justification);
      if (holders.some((h) => h.requestId === requestId)) return scheduleRefOf(current);
      if (holders.length === 0) {
        throw new TargetRefused('target_conflict', `azure provider "${this.id}": the user already holds role definition ${lastSegment(wanted.roleDefinitionId)} at ${wanted.scope} through a PIM assignment Lease did not make`);
      }
      const end = laterOf(current.properties.scheduleInfo?.expiration?.endDateTime, expiresAt);
      const made = await this.putSchedule(wanted, randomUUID(), 'AdminUpdate', [...holders, mine], end);
      return scheduleRefOf(made);
    }
    const name = deterministicGuid(this.id, requestId, wanted.scope.toLowerCase(), lastSegment(wanted.roleDefinitionId));
    const made = await this.putSchedule(wanted, name, 'AdminAssign', [mine], expiresAt);
    return scheduleRefOf(made);
  }

  /**
   * Removes this request from the PIM assignment's holders, ending it at the latest expiry of
   * those left; the last holder removes it (AdminRemove). Gone already is success.
   */
  private async leaveSchedule(wanted: { scope: string; roleDefinitionId: string; principalId: string }, requestId: string): Promise<void> {
    const current = await this.liveScheduleFor(wanted);
    if (!current) return;
    const holders = holderEntries(current.properties.justification);
    if (!holders.some((h) => h.requestId === requestId)) return;
    const remaining = holders.filter((h) => h.requestId !== requestId);
    if (remaining.length > 0) {
      const end = latestUntil(remaining) ?? current.properties.scheduleInfo?.expiration?.endDateTime ?? undefined;
      await this.putSchedule(wanted, randomUUID(), 'AdminUpdate', remaining, end);
      return;
    }
    try {
      await this.putSchedule(wanted, randomUUID(), 'AdminRemove', [{ requestId }]);
    } catch (err) {
      // RoleAssignmentDoesNotExist: it ended (Azure's expiry) between the listing and the removal.
      if (err instanceof TargetRefused && /RoleAssignmentDoesNotExist/.test(err.message)) return;
      throw err;
    }
  }

  private async putSchedule(wanted: { scope: string; roleDefinitionId: string; principalId: string }, name: string, requestType: 'AdminAssign' | 'AdminUpdate' | 'AdminRemove', holders: Holder[], endDateTime?: string): Promise<ScheduleRequest> {
    const justification = describeHolders(holders);
    if (justification.length > MAX_DESCRIPTION_LENGTH) throw new TargetRefused('target_conflict', `azure provider "${this.id}": too many overlapping leases share one PIM assignment at ${wanted.scope}`);
    const properties = {
      principalId: wanted.principalId,
      roleDefinitionId: wanted.roleDefinitionId,
      requestType,
      justification,
      ...(requestType === 'AdminRemove'
        ? {}
        : { scheduleInfo: { startDateTime: new Date(this.now()).toISOString(), expiration: endDateTime ? { type: 'AfterDateTime', endDateTime } : { type: 'NoExpiration' } } }),
    };
    return (await callRest<ScheduleRequest>(this.arm, { method: 'PUT', path: `${wanted.scope}${AUTHORIZATION}/roleAssignmentScheduleRequests/${name}`, query: { 'api-version': SCHEDULE_REQUESTS_API }, body: { properties } })).body;
  }

  /** The latest schedule request for this principal, role and scope, when it leaves the role assigned and not yet expired. */
  private async liveScheduleFor(wanted: { scope: string; roleDefinitionId: string; principalId: string }): Promise<ScheduleRequest | undefined> {
    const requests = await this.listSchedules(wanted.scope, `principalId eq '${wanted.principalId}'`);
    return this.liveOf(requests).find((r) => sameId(r.properties.scope, wanted.scope) && lastSegment(r.properties.roleDefinitionId) === lastSegment(wanted.roleDefinitionId));
  }

  /** Every live schedule in the subscription whose latest request Lease made. */
  private async liveSchedules(): Promise<ScheduleRequest[]> {
    return this.liveOf(await this.listSchedules(this.subscriptionScope)).filter((r) => holdersOf(r.properties.justification).length > 0);
  }

  /** Per principal, role and scope, the latest request, kept when it assigns and has not ended. */
  private liveOf(requests: ScheduleRequest[]): ScheduleRequest[] {
    const latest = new Map<string, ScheduleRequest>();
    for (const request of requests) {
      const p = request.properties;
      if (!LIVE_STATUSES.has((p.status ?? '').toLowerCase()) && p.requestType !== 'AdminRemove') continue;
      const key = `${p.scope.toLowerCase()}|${lastSegment(p.roleDefinitionId)}|${p.principalId.toLowerCase()}`;
      const known = latest.get(key);
      if (!known || Date.parse(p.createdOn ?? '') >= Date.parse(known.properties.createdOn ?? '')) latest.set(key, request);
    }
    return [...latest.values()].filter((r) => {
      if (r.properties.requestType === 'AdminRemove') return false;
      const end = r.properties.scheduleInfo?.expiration?.endDateTime;
      return !end || Date.parse(end) > this.now();
    });
  }

  private listSchedules(scope: string, filter?: string): Promise<ScheduleRequest[]> {
    return collectPages<Page<ScheduleRequest>, ScheduleRequest>(
      { path: `${scope}${AUTHORIZATION}/roleAssignmentScheduleRequests`, query: { 'api-version': SCHEDULE_REQUESTS_API, ...(filter ? { $filter: filter } : {}) } },
      this.arm,
      (page) => page.value ?? [],
      (page) => (page.nextLink ? { path: page.nextLink } : undefined),
    );
  }
}

function assignmentPath(ref: AssignmentRef): string {
  return `${ref.scope}${AUTHORIZATION}/roleAssignments/${ref.name}`;
}

function refOf(assignment: RoleAssignment): AssignmentRef {
  return { scope: assignment.properties.scope, name: assignment.name, roleDefinitionId: assignment.properties.roleDefinitionId };
}

function scheduleRefOf(request: ScheduleRequest): AssignmentRef {
  return { scope: request.properties.scope, name: request.name, roleDefinitionId: request.properties.roleDefinitionId };
}

function laterOf(a: string | null | undefined, b: string): string {
  return a && Date.parse(a) > Date.parse(b) ? a : b;
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof TargetRefused && err.code === 'target_not_found') return undefined;
  throw err;
}

export const azureProviderFactory: ProviderFactory<AzureConfig> = {
  type: 'azure',
  capabilities: ['access'],
  configSchema: azureConfigSchema,
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'azure', name, enabled, capabilities: ['access'], access: new AzureAccessProvider(id, config) };
  },
};
