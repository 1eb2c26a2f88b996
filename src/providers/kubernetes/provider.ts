// The `kubernetes` access provider: a lease is a RoleBinding in each namespace the role names
// (a ClusterRoleBinding for `k8s:cluster`) of the requester's Kubernetes user to the
// ClusterRoles it inherits and/or to a Role (ClusterRole) Lease builds from its permissions.
// Everything is labelled with the request and provider ids and annotated with the expiry.
// Kubernetes RBAC has no expiry: the lease's timer and the reconciler end it. See README.md.
import type { Identity } from '../../core/index.js';
import { TargetRefused, type RetryOptions } from '../cloud/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, NativeRole, NativeRoleQuery, ProviderFactory, ProviderInstance } from '../provider.js';
import { kubernetesConfigSchema, type KubernetesConfig } from './config.js';
import { resolveConnection, type Connection } from './connection.js';
import { KubeApi } from './kube-api.js';
import {
  bindingName,
  clusterRolesOf,
  EXPIRES_ANNOTATION,
  groupResourceIssue,
  groupsOf,
  objectName,
  PROVIDER_LABEL,
  providerLabel,
  RBAC_API,
  RBAC_GROUP,
  REQUEST_ANNOTATION,
  REQUEST_LABEL,
  requestLabel,
  REQUESTER_ANNOTATION,
  ROLE_ANNOTATION,
  rulesOf,
  scopesOf,
  type PolicyRule,
  type Scope,
} from './rbac.js';

export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

/** One object Lease made for a grant. */
export interface ObjectRef {
  kind: RbacKind;
  name: string;
  /** For Role and RoleBinding. */
  namespace?: string;
}

export interface KubernetesGrantData {
  /** The requester's Kubernetes user: the bindings' subject, unless `groups` is set. */
  user: string;
  /** The Kubernetes groups the bindings name instead of the user (a role's `k8s:group/<name>`). */
  groups?: string[];
  /** Roles first, then bindings (revoke deletes in the reverse order). */
  objects: ObjectRef[];
}

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
}

interface RbacObject {
  apiVersion?: string;
  kind?: string;
  metadata: Metadata;
  rules?: PolicyRule[];
  subjects?: Array<{ kind: string; apiGroup?: string; name: string; namespace?: string }>;
  roleRef?: { apiGroup: string; kind: string; name: string };
}

const PLURAL: Record<RbacKind, string> = { Role: 'roles', ClusterRole: 'clusterroles', RoleBinding: 'rolebindings', ClusterRoleBinding: 'clusterrolebindings' };
const BINDING_KINDS = new Set<RbacKind>(['RoleBinding', 'ClusterRoleBinding']);
/** What a listing asks for, bindings first: a request is listed as active when one of its bindings exists. */
const LISTED_KINDS: RbacKind[] = ['RoleBinding', 'ClusterRoleBinding', 'Role', 'ClusterRole'];

export interface KubernetesProviderOptions {
  retry?: RetryOptions;
  /** The directory of the config file that declared the provider (relative paths). */
  configDir?: string;
  /** A connection given directly (tests); else resolved from the config. */
  connection?: Connection;
}

export class KubernetesAccessProvider implements AccessProvider {
  readonly type = 'kubernetes';
  private readonly target: string;
  private readonly providerLabelValue: string;
  private api?: Promise<KubeApi>;

  constructor(
    readonly id: string,
    private readonly config: KubernetesConfig,
    private readonly options: KubernetesProviderOptions = {},
  ) {
    this.target = `kubernetes provider "${id}"`;
    this.providerLabelValue = providerLabel(id);
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const user = this.userOf(input.identity);
    const scopes = scopesOf(input.role, this.target);
    const groups = groupsOf(input.role, this.target);
    if (groups !== undefined) this.checkMembership(input, groups);
    const subjects = groups === undefined ? [{ kind: 'User', apiGroup: RBAC_GROUP, name: user }] : groups.map((name) => ({ kind: 'Group', apiGroup: RBAC_GROUP, name }));
    const clusterRoles = clusterRolesOf(input.role, this.id);
    const rules = rulesOf(input.role, this.target);
    if (clusterRoles.length === 0 && rules.length === 0) {
      throw new TargetRefused('target_refused', `${this.target}: role "${input.role.id}" grants nothing on Kubernetes; add inherits: [kubernetes:<ClusterRole>] or permissions like get:pods, list:deployments.apps`);
    }
    const api = await this.connect();
    for (const name of clusterRoles) {
      try {
        await api.call({ path: `${RBAC_API}/clusterroles/${encodeURIComponent(name)}` });
      } catch (err) {
        if (err instanceof TargetRefused && err.code === 'target_not_found') throw new TargetRefused('target_not_found', `${this.target}: role "${input.role.id}" inherits ClusterRole "${name}", which the cluster does not have`);
        throw err;
      }
    }
    const meta = (name: string, namespace?: string): Metadata => ({
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      labels: { [REQUEST_LABEL]: requestLabel(input.requestId), [PROVIDER_LABEL]: this.providerLabelValue },
      annotations: { [REQUEST_ANNOTATION]: input.requestId, [EXPIRES_ANNOTATION]: input.expiresAt, [REQUESTER_ANNOTATION]: user, [ROLE_ANNOTATION]: input.role.id },
    });
    const roles: ObjectRef[] = [];
    const bindings: ObjectRef[] = [];
    // Roles first: a binding never points at a role that is not there yet.
    for (const scope of scopes) {
      const namespace = 'namespace' in scope ? scope.namespace : undefined;
      const refs: Array<{ kind: 'Role' | 'ClusterRole'; name: string; built: boolean }> = clusterRoles.map((name) => ({ kind: 'ClusterRole', name, built: false }));
      if (rules.length > 0) {
        const kind = namespace === undefined ? 'ClusterRole' : 'Role';
        const name = objectName(input.requestId);
        await this.ensure(api, { apiVersion: `${RBAC_GROUP}/v1`, kind, metadata: meta(name, namespace), rules }, input.requestId);
        roles.push({ kind, name, ...(namespace !== undefined ? { namespace } : {}) });
        refs.unshift({ kind, name, built: true });
      }
      for (const ref of refs) {
        const kind = namespace === undefined ? 'ClusterRoleBinding' : 'RoleBinding';
        const name = bindingName(input.requestId, ref, ref.built);
        await this.ensure(
          api,
          {
            apiVersion: `${RBAC_GROUP}/v1`,
            kind,
            metadata: meta(name, namespace),
            subjects,
            roleRef: { apiGroup: RBAC_GROUP, kind: ref.kind, name: ref.name },
          },
          input.requestId,
        );
        bindings.push({ kind, name, ...(namespace !== undefined ? { namespace } : {}) });
      }
    }
    const data: KubernetesGrantData = { user, ...(groups !== undefined ? { groups } : {}), objects: [...roles, ...bindings] };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    const api = await this.connect();
    const data = record.data as Partial<KubernetesGrantData>;
    const recorded = Array.isArray(data.objects) ? data.objects.filter(isObjectRef) : undefined;
    // Everything labelled with the request goes too: with no record (a crash between the API
    // server's answer and the store) that is all there is to go by, and a record can be older
    // than a re-grant. A credential that may not list cluster-wide still deletes what was recorded.
    let found: ObjectRef[] = [];
    try {
      found = await this.labelled(api, `${REQUEST_LABEL}=${requestLabel(record.requestId)}`);
    } catch (err) {
      if (!(recorded && err instanceof TargetRefused && err.code === 'target_permission_denied')) throw err;
    }
    const objects = [...new Map([...(recorded ?? []), ...found].map((o) => [`${o.kind}/${o.namespace ?? ''}/${o.name}`, o])).values()];
    // Bindings first: access ends before the roles it pointed at go.
    const ordered = [...objects.filter((o) => BINDING_KINDS.has(o.kind)), ...objects.filter((o) => !BINDING_KINDS.has(o.kind))];
    for (const object of ordered) await api.remove(pathOf(object));
  }

  async listActive(): Promise<ActiveGrant[]> {
    const api = await this.connect();
    const grants = new Map<string, { user?: string; groups?: string[]; objects: ObjectRef[]; bound: boolean }>();
    for (const kind of LISTED_KINDS) {
      for (const item of await api.list<RbacObject>(collectionPath(kind), { labelSelector: `${PROVIDER_LABEL}=${this.providerLabelValue},${REQUEST_LABEL}` })) {
        const requestId = item.metadata.annotations?.[REQUEST_ANNOTATION] ?? item.metadata.labels?.[REQUEST_LABEL];
        if (!requestId) continue;
        const grant = grants.get(requestId) ?? { objects: [], bound: false };
        grant.objects.push({ kind, name: item.metadata.name, ...(item.metadata.namespace ? { namespace: item.metadata.namespace } : {}) });
        if (BINDING_KINDS.has(kind)) {
          grant.bound = true;
          const groups = (item.subjects ?? []).filter((s) => s.kind === 'Group').map((s) => s.name);
          if (groups.length > 0) {
            grant.groups ??= groups.sort();
            grant.user ??= item.metadata.annotations?.[REQUESTER_ANNOTATION];
          } else {
            grant.user ??= item.subjects?.[0]?.name;
          }
        }
        grants.set(requestId, grant);
      }
    }
    // A request whose bindings are all gone grants nothing (a Role alone is inert): not listed,
    // so an active lease in that state is found missing; its roles go with the lease's revoke.
    return [...grants]
      .filter(([, grant]) => grant.bound)
      .map(([requestId, grant]) => {
        const roles = grant.objects.filter((o) => !BINDING_KINDS.has(o.kind));
        const bindings = grant.objects.filter((o) => BINDING_KINDS.has(o.kind));
        const data: KubernetesGrantData = { user: grant.user ?? '', ...(grant.groups !== undefined ? { groups: grant.groups } : {}), objects: [...roles, ...bindings] };
        return { provider: this.id, requestId, data: { ...data } };
      });
  }

  /** The cluster's ClusterRoles (not those Lease made), for `inherits: [kubernetes:<name>]`. */
  async listNativeRoles(query: NativeRoleQuery = {}): Promise<NativeRole[]> {
    const api = await this.connect();
    const all = await api.list<RbacObject>(collectionPath('ClusterRole'), { labelSelector: `!${REQUEST_LABEL}` });
    const roles = all.map((r): NativeRole => {
      const description = r.metadata.annotations?.['kubernetes.io/description'] ?? r.metadata.annotations?.description;
      return { id: r.metadata.name, name: r.metadata.name, ...(description ? { description } : {}) };
    });
    const search = query.search?.toLowerCase();
    const matching = search ? roles.filter((r) => [r.id, r.description ?? ''].some((text) => text.toLowerCase().includes(search))) : roles;
    return matching.sort((a, b) => a.name.localeCompare(b.name)).slice(0, query.limit ?? 100);
  }

  // ---- helpers

  /**
   * A lease never grants a group its requester is not in: each group the role names must be one
   * of the requester's identity-provider groups (with `group_prefix` before them, as the
   * cluster's authenticator spells them). Refused before anything is made.
   */
  private checkMembership(input: GrantInput, groups: string[]): void {
    const theirs = new Set(input.identity.groups.map((g) => `${this.config.group_prefix}${g}`));
    const missing = groups.filter((g) => !theirs.has(g));
    if (missing.length > 0) {
      throw new TargetRefused(
        'target_refused',
        `${this.target}: role "${input.role.id}" binds Kubernetes group${missing.length > 1 ? 's' : ''} ${missing.map((g) => `"${g}"`).join(', ')}, which ${input.identity.id} is not a member of at their identity provider; a lease never grants a group its requester is not in`,
        { status: 403 },
      );
    }
  }

  /** The requester's Kubernetes user name: their verified e-mail (or identity id), with the configured prefix. */
  private userOf(identity: Identity): string {
    if (this.config.username === 'id') return `${this.config.username_prefix}${identity.id}`;
    const email = identity.email_verified === true ? identity.email : undefined;
    if (email === undefined || !email.includes('@')) {
      throw new TargetRefused('target_not_found', `${this.target}: ${identity.id} has no verified e-mail address to name their Kubernetes user by (set username: id to use the identity's id)`);
    }
    return `${this.config.username_prefix}${email}`;
  }

  /**
   * Creates the object, or accepts the one this request made before (a repeated grant: same
   * name, our label). One that another request or someone else made is refused; ours with other
   * contents is brought back to what this grant wants (a binding's roleRef cannot change: it is
   * deleted and made again).
   */
  private async ensure(api: KubeApi, wanted: RbacObject, requestId: string): Promise<void> {
    const kind = wanted.kind as RbacKind;
    const ref: ObjectRef = { kind, name: wanted.metadata.name, ...(wanted.metadata.namespace ? { namespace: wanted.metadata.namespace } : {}) };
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await api.call({ method: 'POST', path: collectionPath(kind, wanted.metadata.namespace), body: wanted });
        return;
      } catch (err) {
        if (!(err instanceof TargetRefused && err.code === 'target_conflict')) throw err;
      }
      let existing: RbacObject;
      try {
        existing = await api.call<RbacObject>({ path: pathOf(ref) });
      } catch (err) {
        if (err instanceof TargetRefused && err.code === 'target_not_found') continue; // deleted meanwhile: create again
        throw err;
      }
      if (existing.metadata.labels?.[REQUEST_LABEL] !== requestLabel(requestId) || existing.metadata.labels?.[PROVIDER_LABEL] !== this.providerLabelValue) {
        throw new TargetRefused('target_conflict', `${this.target}: ${kind} ${describe(ref)} exists and was not made by this lease (labels ${REQUEST_LABEL}, ${PROVIDER_LABEL})`);
      }
      if (wanted.roleRef && !sameJson(existing.roleRef, wanted.roleRef)) {
        await api.remove(pathOf(ref));
        continue;
      }
      if (sameJson(existing.rules, wanted.rules) && sameJson(existing.subjects, wanted.subjects)) return;
      await api.call({ method: 'PUT', path: pathOf(ref), body: { ...wanted, metadata: { ...wanted.metadata, resourceVersion: existing.metadata.resourceVersion } } });
      return;
    }
    throw new TargetRefused('target_conflict', `${this.target}: ${kind} ${describe(ref)} kept changing while this lease was granted`);
  }

  /** Everything of this provider carrying the label selector, bindings first. */
  private async labelled(api: KubeApi, selector: string): Promise<ObjectRef[]> {
    const found: ObjectRef[] = [];
    for (const kind of LISTED_KINDS) {
      for (const item of await api.list<RbacObject>(collectionPath(kind), { labelSelector: `${PROVIDER_LABEL}=${this.providerLabelValue},${selector}` })) {
        found.push({ kind, name: item.metadata.name, ...(item.metadata.namespace ? { namespace: item.metadata.namespace } : {}) });
      }
    }
    return found;
  }

  /** The API client, its connection resolved on first use (again after a failure). */
  private connect(): Promise<KubeApi> {
    this.api ??= (async () => {
      const connection = this.options.connection ?? (await resolveConnection(this.config, this.options.configDir ?? process.cwd(), this.target));
      return new KubeApi(connection, this.target, this.options.retry);
    })();
    this.api.catch(() => (this.api = undefined));
    return this.api;
  }
}

function collectionPath(kind: RbacKind, namespace?: string): string {
  return namespace === undefined ? `${RBAC_API}/${PLURAL[kind]}` : `${RBAC_API}/namespaces/${encodeURIComponent(namespace)}/${PLURAL[kind]}`;
}

function pathOf(ref: ObjectRef): string {
  const namespaced = ref.kind === 'Role' || ref.kind === 'RoleBinding';
  return `${collectionPath(ref.kind, namespaced ? ref.namespace : undefined)}/${encodeURIComponent(ref.name)}`;
}

function describe(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

function isObjectRef(value: unknown): value is ObjectRef {
  const v = value as ObjectRef;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && v.kind in PLURAL && ((v.kind !== 'Role' && v.kind !== 'RoleBinding') || typeof v.namespace === 'string');
}

/** Compares what the API server gives back with what Lease sends, whatever the order of keys (it adds no fields to rules, subjects or roleRef). */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]));
}

export type { Scope };

export const kubernetesProviderFactory: ProviderFactory<KubernetesConfig> = {
  type: 'kubernetes',
  capabilities: ['access'],
  configSchema: kubernetesConfigSchema,
  resourceIssue: groupResourceIssue,
  create({ id, name, enabled, config, deps }): ProviderInstance {
    return { id, type: 'kubernetes', name, enabled, capabilities: ['access'], access: new KubernetesAccessProvider(id, config, { configDir: deps.configDir }) };
  },
};
