// What a role asks of Kubernetes RBAC, as plain data: the scopes (namespaces or the cluster) from
// `resources`, the ClusterRoles from `inherits`, the rules of the Role Lease builds from
// `permissions`, and the names and labels of everything made for a request. No I/O here.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TargetRefused } from '../cloud/index.js';
import type { GrantRole } from '../provider.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API = `/apis/${RBAC_GROUP}/v1`;
export const REQUEST_LABEL = 'lease.dev/request';
export const PROVIDER_LABEL = 'lease.dev/provider';
export const EXPIRES_ANNOTATION = 'lease.dev/expires-at';
export const REQUESTER_ANNOTATION = 'lease.dev/requester';
export const ROLE_ANNOTATION = 'lease.dev/role';
/** The request id itself (the label holds it too, hashed only if it were no valid label value). */
export const REQUEST_ANNOTATION = 'lease.dev/request-id';

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Where a grant applies: a namespace (RoleBinding, Role) or the whole cluster (ClusterRoleBinding, ClusterRole). */
export type Scope = { namespace: string } | { cluster: true };

/** The verbs Kubernetes authorizes on resources (the API's, plus RBAC's and admission's special ones). */
const VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', '*', 'bind', 'escalate', 'impersonate', 'use', 'approve', 'sign', 'attest', 'proxy']);
/** A DNS-1123 label: a namespace's name. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A resource (plural, lower case), `*`, optionally with a subresource. */
const RESOURCE = /^(\*|[a-z][a-z0-9-]*)(\/[a-z][a-z0-9-]*|\/\*)?$/;
/** An API group: empty (core), `*`, or a DNS subdomain. */
const GROUP = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;
/** A label value: at most 63, alphanumeric at both ends, `-_.` inside. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const SCOPE_PREFIXES = ['k8s:', 'kubernetes:'];

/**
 * The scopes of `resources.allow` (minus `resources.deny`): `k8s:namespace/<ns>` and `k8s:cluster`
 * (`kubernetes:` works too). Other providers' resources are not ours and are ignored.
 */
export function scopesOf(role: GrantRole, target: string): Scope[] {
  const ours = (list: string[]) =>
    list.flatMap((entry) => {
      const prefix = SCOPE_PREFIXES.find((p) => entry.toLowerCase().startsWith(p));
      return prefix ? [entry.slice(prefix.length).trim()] : [];
    });
  const denied = new Set(ours(role.resources.deny));
  const scopes = new Map<string, Scope>();
  for (const entry of ours(role.resources.allow)) {
    if (denied.has(entry)) continue;
    if (entry.toLowerCase().startsWith(GROUP_RESOURCE)) continue; // who, not where: groupsOf
    if (entry === 'cluster') {
      scopes.set('cluster', { cluster: true });
      continue;
    }
    const ns = /^namespace\/(.*)$/.exec(entry)?.[1];
    if (ns === undefined || !DNS_LABEL.test(ns)) {
      throw new TargetRefused('target_refused', `${target}: role "${role.id}" names resource "k8s:${entry}"; expected k8s:namespace/<namespace> (a DNS-1123 label, no wildcards) or k8s:cluster`);
    }
    scopes.set(`ns/${ns}`, { namespace: ns });
  }
  if (scopes.size === 0) {
    throw new TargetRefused('target_refused', `${target}: role "${role.id}" names no namespace or cluster; add resources: { allow: [k8s:namespace/<namespace>] } (or k8s:cluster)`);
  }
  return [...scopes.values()];
}

/** `k8s:group/<name>` in `resources`: bind this Kubernetes group instead of the requester. */
const GROUP_RESOURCE = 'group/';

/**
 * A Kubernetes group a role may name: as the cluster's authenticator spells it (with its
 * `--oidc-groups-prefix`, if any), no whitespace, control characters or wildcards, and never one
 * of Kubernetes' own `system:` groups (`system:authenticated` is everyone).
 */
export const kubernetesGroupSchema = z
  .string()
  .min(1, 'expected a group name after k8s:group/')
  .max(253, 'expected a group name of at most 253 characters')
  .regex(/^[^\s\p{C}*?]+$/u, 'expected one group name: no whitespace, control characters or wildcards')
  .refine((name) => !name.toLowerCase().startsWith('system:'), "Kubernetes' own system: groups (system:authenticated is everyone) cannot be granted");

/**
 * A `resources` entry's problem, if it names a Kubernetes group badly (`k8s:group/<name>`, or
 * `kubernetes:group/<name>`); undefined for anything else. Checked when the config loads.
 */
export function groupResourceIssue(entry: string): string | undefined {
  const name = groupEntry(entry);
  if (name === undefined) return undefined;
  const parsed = kubernetesGroupSchema.safeParse(name);
  return parsed.success ? undefined : `"${entry}": ${parsed.error.issues[0]?.message ?? 'invalid'}`;
}

/** The group name of a `k8s:group/<name>` entry (prefix case-insensitive, the name as written). */
function groupEntry(entry: string): string | undefined {
  const text = entry.trim();
  const prefix = SCOPE_PREFIXES.find((p) => text.toLowerCase().startsWith(p + GROUP_RESOURCE));
  return prefix === undefined ? undefined : text.slice(prefix.length + GROUP_RESOURCE.length);
}

/**
 * The Kubernetes groups a role binds instead of the requester (`resources.allow:
 * [k8s:group/<name>]`, minus `resources.deny`), or undefined when it names none: then the
 * requester's User is bound, as by default.
 */
export function groupsOf(role: GrantRole, target: string): string[] | undefined {
  const names = (list: string[]) => list.flatMap((entry) => {
    const name = groupEntry(entry);
    return name === undefined ? [] : [name];
  });
  const denied = new Set(names(role.resources.deny));
  const groups = [...new Set(names(role.resources.allow))].filter((name) => !denied.has(name));
  for (const name of groups) {
    const issue = groupResourceIssue(`k8s:${GROUP_RESOURCE}${name}`);
    if (issue !== undefined) throw new TargetRefused('target_refused', `${target}: role "${role.id}" names resource ${issue}`);
  }
  return groups.length > 0 ? groups.sort() : undefined;
}

/** `inherits: [kubernetes:<ClusterRole>]` (or `k8s:`, `<provider id>:`): the ClusterRoles to bind. */
export function clusterRolesOf(role: GrantRole, providerId: string): string[] {
  const prefixes = ['kubernetes:', 'k8s:', `${providerId}:`];
  const names = role.nativeRoles.flatMap((entry) => {
    const prefix = prefixes.find((p) => entry.startsWith(p));
    return prefix ? [entry.slice(prefix.length).trim()] : [];
  });
  return [...new Set(names)];
}

interface Permission {
  verbs: string[];
  group: string;
  resource: string;
  /** As written, for messages. */
  text: string;
}

/**
 * One permission entry, if it is a Kubernetes one: `<verb>[,<verb>]:<resource>[.<group>][/<subresource>]`
 * (`get:pods`, `list,watch:deployments.apps`, `*:configmaps`, `get:pods/log`), or Thand's
 * `k8s:[<group>/]<resource>:<verb>[,<verb>]` (`k8s:pods:get`, `k8s:apps/deployments:list,watch`).
 * Anything else (another provider's action, like `ec2:Describe*`) is not ours: undefined.
 */
export function parsePermission(entry: string, target: string, roleId: string): Permission | undefined {
  const text = entry.trim();
  const bad = (why: string) => new TargetRefused('target_refused', `${target}: role "${roleId}" has permission "${text}": ${why}`);
  const thand = /^(?:k8s|kubernetes):([^:]+):([^:]+)$/.exec(text);
  let verbs: string[];
  let group: string;
  let resource: string;
  if (thand) {
    const [, groupResource = '', verbList = ''] = thand;
    verbs = verbList.split(',').map((v) => v.trim().toLowerCase());
    // Thand's `<group>/<resource>` (it has no subresources): `apps/deployments`.
    const slash = groupResource.indexOf('/');
    group = slash > 0 ? groupResource.slice(0, slash) : '';
    resource = slash > 0 ? groupResource.slice(slash + 1) : groupResource;
  } else {
    const colon = text.indexOf(':');
    if (colon <= 0) return undefined;
    verbs = text.slice(0, colon).split(',').map((v) => v.trim().toLowerCase());
    if (!verbs.every((v) => VERBS.has(v))) return undefined;
    const rest = text.slice(colon + 1).trim();
    const slash = rest.indexOf('/');
    const named = slash >= 0 ? rest.slice(0, slash) : rest;
    const sub = slash >= 0 ? rest.slice(slash) : '';
    const dot = named.indexOf('.');
    resource = (dot >= 0 ? named.slice(0, dot) : named) + sub;
    group = dot >= 0 ? named.slice(dot + 1) : '';
  }
  if (verbs.length === 0 || !verbs.every((v) => VERBS.has(v))) throw bad(`unknown verb; expected ${[...VERBS].join(', ')}`);
  if (!RESOURCE.test(resource)) throw bad('expected a resource like pods, deployments.apps or pods/log');
  if (!GROUP.test(group) && group !== '') throw bad('expected an API group like apps or networking.k8s.io');
  return { verbs: [...new Set(verbs)], group, resource, text };
}

/**
 * The rules of the Role Lease builds from `permissions.allow` (Kubernetes entries only), grouped
 * by API group and resource. RBAC has no deny: a deny that an allowed rule would still grant is
 * refused rather than silently widened.
 */
export function rulesOf(role: GrantRole, target: string): PolicyRule[] {
  const allowed = role.permissions.allow.flatMap((entry) => parsePermission(entry, target, role.id) ?? []);
  const denied = role.permissions.deny.flatMap((entry) => parsePermission(entry, target, role.id) ?? []);
  for (const deny of denied) {
    const covering = allowed.find((allow) => covers(allow, deny));
    if (covering) {
      throw new TargetRefused('target_refused', `${target}: role "${role.id}" allows "${covering.text}" and denies "${deny.text}"; Kubernetes RBAC cannot deny part of what a rule allows: list the allowed verbs and resources one by one`);
    }
  }
  const byResource = new Map<string, PolicyRule>();
  for (const p of allowed) {
    const key = `${p.group} ${p.resource}`;
    const rule = byResource.get(key) ?? { apiGroups: [p.group], resources: [p.resource], verbs: [] };
    rule.verbs = [...new Set([...rule.verbs, ...p.verbs])].sort();
    if (rule.verbs.includes('*')) rule.verbs = ['*'];
    byResource.set(key, rule);
  }
  return [...byResource.values()].sort((a, b) => `${a.apiGroups[0]} ${a.resources[0]}`.localeCompare(`${b.apiGroups[0]} ${b.resources[0]}`));
}

function covers(allow: Permission, deny: Permission): boolean {
  const verb = allow.verbs.includes('*') || deny.verbs.some((v) => allow.verbs.includes(v));
  const group = allow.group === '*' || allow.group === deny.group;
  const resource = allow.resource === '*' || allow.resource === deny.resource || (allow.resource.endsWith('/*') && deny.resource.startsWith(allow.resource.slice(0, -1)));
  return verb && group && resource;
}

/** `lease-<request id>` as a DNS-1123 name (`req_0abc…` → `lease-req-0abc…`). */
export function objectName(requestId: string): string {
  const base = `lease-${requestId.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}`.replace(/-+$/, '');
  return base.length <= 200 ? base : `${base.slice(0, 180)}-${shortHash(requestId)}`;
}

/** The binding of a request to one role: `lease-<request id>` for the Role Lease built, `lease-<request id>-<hash>` for a ClusterRole. */
export function bindingName(requestId: string, roleRef: { kind: string; name: string }, built: boolean): string {
  return built ? objectName(requestId) : `${objectName(requestId)}-${shortHash(`${roleRef.kind}/${roleRef.name}`)}`;
}

/** A label value for the provider id: itself when Kubernetes accepts it, else a stable hash. */
export function providerLabel(providerId: string): string {
  return providerId.length <= 63 && LABEL_VALUE.test(providerId) ? providerId : `p-${shortHash(providerId)}`;
}

/** A request id as a label value (ids made by Lease always fit; anything else is hashed). */
export function requestLabel(requestId: string): string {
  return requestId.length <= 63 && LABEL_VALUE.test(requestId) ? requestId : `r-${shortHash(requestId)}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}
