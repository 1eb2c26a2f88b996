// The `gcp` access provider: a lease is a conditional role binding in the project's allow
// policy — `user:<verified e-mail>` holds each role the Lease role names until
// `request.time < timestamp("<expiry>")` stops being true, so Google ends the access on time
// even if Lease is down. A role's `permissions.allow` becomes a project custom role. See README.md.
import { createHash } from 'node:crypto';
import { callRest, collectPages, TargetRefused, TargetUnavailable, TokenCache, type RestClientOptions, type RetryOptions } from '../cloud/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, GrantRole, NativeRole, NativeRoleQuery, ProviderFactory, ProviderInstance } from '../provider.js';
import type { Identity } from '../../core/index.js';
import { gcpConfigSchema, type GcpConfig } from './config.js';
import { loadCredentials, type GoogleCredentials } from './credentials.js';
import { fetchGoogleToken } from './google-token.js';
import { BASIC_ROLES, conditionOf, providerOf, requestIdOf, titleOf, type Binding, type Policy } from './policy.js';

/** Read-modify-write of the allow policy is retried this often when another writer changed it meanwhile. */
const POLICY_WRITE_ATTEMPTS = 6;
/** A custom role found up to date is not checked again for this long. */
const CUSTOM_ROLE_TTL_MS = 10 * 60_000;
/** `projects/<p>/roles/<id>`, `organizations/<o>/roles/<id>` or a predefined `roles/<id>`. */
const ROLE_NAME = /^(?:roles\/[\w.]+|projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/roles\/[\w.]{3,64}|organizations\/\d+\/roles\/[\w.]{3,64})$/;
/** A permission as custom roles take it: `service.resource.verb`, no wildcards. */
const PERMISSION = /^[a-z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+){2,}$/;

/** New bindings from the current ones, or undefined when there is nothing to change. */
type PolicyChange = (bindings: Binding[]) => Binding[] | undefined;

export interface GcpGrantData {
  project: string;
  member: string;
  roles: string[];
  /** The condition title that marks the bindings (`lease:<request id>`). */
  title: string;
  expiresAt?: string;
}

interface CustomRole {
  name: string;
  title?: string;
  description?: string;
  includedPermissions?: string[];
  stage?: string;
  etag?: string;
  deleted?: boolean;
}

export interface GcpProviderOptions {
  retry?: RetryOptions;
  now?: () => number;
  /** The environment Application Default Credentials read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** For a relative service_account_key path. */
  configDir?: string;
}

export class GcpAccessProvider implements AccessProvider {
  readonly type = 'gcp';
  private readonly resourceManager: RestClientOptions;
  private readonly iam: RestClientOptions;
  private readonly target: string;
  private readonly now: () => number;
  private googleCredentials?: Promise<GoogleCredentials>;
  private readonly customRoles = new Map<string, { permissions: string; until: number }>();
  private readonly queued: Array<{ change: PolicyChange; resolve: () => void; reject: (err: unknown) => void }> = [];
  private writing = false;

  constructor(
    readonly id: string,
    private readonly config: GcpConfig,
    private readonly options: GcpProviderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.target = `gcp provider "${id}"`;
    const retry = options.retry ? { retry: options.retry } : {};
    const tokens = new TokenCache(async () => fetchGoogleToken(await this.credentialsOnce(), { target: this.target, now: this.now, ...retry }), this.now);
    this.resourceManager = { baseUrl: config.endpoint, token: () => tokens.get(), target: this.target, ...retry };
    this.iam = { baseUrl: config.iam_endpoint, token: () => tokens.get(), target: this.target, ...retry };
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const member = this.memberOf(input.identity);
    const predefined = this.nativeRolesOf(input.role);
    const permissions = this.permissionsOf(input.role);
    if (predefined.length === 0 && permissions.length === 0) {
      throw new TargetRefused('target_refused', `${this.target}: role "${input.role.id}" names no Google Cloud role; add inherits: [gcp:roles/<role>] (e.g. gcp:roles/storage.objectViewer) or permissions.allow`);
    }
    const roles = [...predefined];
    if (permissions.length > 0) roles.push(await this.ensureCustomRole(input.role, permissions));
    const condition = conditionOf(this.id, input.requestId, input.expiresAt);
    const title = condition.title as string;
    await this.modifyPolicy((current) => {
      // A grant again with a later expiry (an extended lease) replaces this request's bindings
      // whose condition ends at another time; the request's title marks them as its own.
      const bindings = current.filter((b) => b.condition?.title !== title || b.condition.expression === condition.expression);
      const missing = roles.filter((role) => !bindings.some((b) => b.role === role && b.condition?.title === title && b.members.includes(member)));
      return missing.length === 0 && bindings.length === current.length ? undefined : [...bindings, ...missing.map((role) => ({ role, members: [member], condition }))];
    });
    const data: GcpGrantData = { project: this.config.project_id, member, roles, title, expiresAt: input.expiresAt };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  /** Removes the bindings titled `lease:<request id>`, and nothing else; none left is success. Needs no record data. */
  async revoke(record: GrantRecord): Promise<void> {
    const title = titleOf(record.requestId);
    await this.modifyPolicy((bindings) => {
      const kept = bindings.filter((b) => b.condition?.title !== title);
      return kept.length === bindings.length ? undefined : kept;
    });
  }

  /** Every binding whose condition title is `lease:<request id>` and whose description names this provider (or none). */
  async listActive(): Promise<ActiveGrant[]> {
    const policy = await this.getPolicy();
    const grants = new Map<string, GcpGrantData>();
    for (const binding of policy.bindings ?? []) {
      const requestId = requestIdOf(binding);
      if (requestId === undefined) continue;
      const provider = providerOf(binding);
      if (provider !== undefined && provider !== this.id) continue;
      const grant = grants.get(requestId) ?? { project: this.config.project_id, member: binding.members[0] ?? '', roles: [], title: binding.condition?.title as string };
      grant.roles.push(binding.role);
      grants.set(requestId, grant);
    }
    return [...grants].map(([requestId, data]) => ({ provider: this.id, requestId, data: { ...data } }));
  }

  /** Google's predefined roles (`GET /v1/roles`, paged); the search is applied here (the API has none). */
  async listNativeRoles(query: NativeRoleQuery = {}): Promise<NativeRole[]> {
    const limit = query.limit ?? 100;
    const search = query.search?.toLowerCase();
    type Page = { roles?: Array<{ name: string; title?: string; description?: string }>; nextPageToken?: string };
    const toRole = (r: { name: string; title?: string; description?: string }): NativeRole => ({ id: r.name, name: r.title || r.name, ...(r.description ? { description: r.description } : {}) });
    const matches = (r: NativeRole) => !search || [r.id, r.name, r.description ?? ''].some((text) => text.toLowerCase().includes(search));
    return collectPages<Page, NativeRole>(
      { path: '/v1/roles', query: { pageSize: '1000' } },
      this.iam,
      (page) => (page.roles ?? []).map(toRole).filter(matches),
      (page) => (page.nextPageToken ? { path: '/v1/roles', query: { pageSize: '1000', pageToken: page.nextPageToken } } : undefined),
      limit,
    );
  }

  // ---- what the role asks for

  /** Only an e-mail address the identity provider verified names the Google account. */
  private memberOf(identity: Identity): string {
    const email = identity.email_verified === true ? identity.email : undefined;
    if (email === undefined || !/^[^\s@:]+@[^\s@:]+$/.test(email)) {
      throw new TargetRefused('target_not_found', `${this.target}: ${identity.id} has no verified e-mail address to bind as user:<email>`);
    }
    return `user:${email.toLowerCase()}`;
  }

  /** `inherits: [gcp:roles/<x>]` (or `<this provider's id>:`): predefined or custom role names. Basic roles are refused. */
  private nativeRolesOf(role: GrantRole): string[] {
    const prefixes = ['gcp:', `${this.id}:`];
    const names = role.nativeRoles.flatMap((entry) => {
      const prefix = prefixes.find((p) => entry.startsWith(p));
      return prefix ? [entry.slice(prefix.length).trim()] : [];
    });
    for (const name of names) {
      if (BASIC_ROLES.has(name)) {
        throw new TargetRefused(
          'target_refused',
          `${this.target}: role "${role.id}" inherits ${name}, a basic role; Google does not allow conditions on basic roles, so Lease cannot grant it with an expiry. Use predefined roles (e.g. roles/browser, roles/iam.securityReviewer) or permissions.allow instead`,
        );
      }
      if (!ROLE_NAME.test(name)) {
        throw new TargetRefused('target_refused', `${this.target}: role "${role.id}" inherits gcp:${name}; expected gcp:roles/<role>, gcp:projects/<project>/roles/<role> or gcp:organizations/<number>/roles/<role>`);
      }
    }
    return [...new Set(names)];
  }

  /**
   * `permissions.allow` minus `permissions.deny`, each an exact IAM permission (custom roles take
   * no wildcards). Entries in another target's form (`ec2:Describe*`, a sudo command: with a
   * colon, a slash or a space) are for the role's other providers and are left out.
   */
  private permissionsOf(role: GrantRole): string[] {
    const denied = new Set(role.permissions.deny);
    const ours = (p: string) => !/[:/\s]/.test(p);
    const allowed = [...new Set(role.permissions.allow.filter((p) => ours(p) && !denied.has(p)))].sort();
    const bad = allowed.filter((p) => !PERMISSION.test(p));
    if (bad.length > 0) {
      throw new TargetRefused('target_refused', `${this.target}: role "${role.id}" allows ${bad.map((p) => JSON.stringify(p)).join(', ')}; a custom role takes exact IAM permissions like compute.instances.get (no wildcards)`);
    }
    return allowed;
  }

  // ---- custom roles (IAM projects.roles)

  /** The project custom role holding exactly these permissions, created or updated as needed; its full name. */
  private async ensureCustomRole(role: GrantRole, permissions: string[]): Promise<string> {
    const roleId = customRoleId(role.id);
    const name = `projects/${this.config.project_id}/roles/${roleId}`;
    const key = permissions.join(',');
    const known = this.customRoles.get(roleId);
    if (known && known.permissions === key && known.until > this.now()) return name;
    const title = `Lease: ${role.name || role.id}`.slice(0, 100);
    const description = `Made by Lease from the permissions of its role "${role.id}". Lease rewrites it; do not edit.`.slice(0, 256);
    for (let attempt = 1; ; attempt++) {
      let current = await this.getCustomRole(name);
      try {
        if (current === undefined) {
          await callRest(this.iam, { method: 'POST', path: `/v1/projects/${this.config.project_id}/roles`, body: { roleId, role: { title, description, includedPermissions: permissions, stage: 'GA' } } });
        } else {
          if (current.deleted === true) current = (await callRest<CustomRole>(this.iam, { method: 'POST', path: `/v1/${name}:undelete`, body: { etag: current.etag } })).body;
          const same = [...(current.includedPermissions ?? [])].sort().join(',') === key && current.title === title && current.deleted !== true;
          if (!same) {
            await callRest(this.iam, { method: 'PATCH', path: `/v1/${name}`, query: { updateMask: 'includedPermissions,title,description' }, body: { title, description, includedPermissions: permissions, etag: current.etag } });
          }
        }
        this.customRoles.set(roleId, { permissions: key, until: this.now() + CUSTOM_ROLE_TTL_MS });
        return name;
      } catch (err) {
        // ALREADY_EXISTS (made meanwhile) or ABORTED (changed meanwhile): read it again.
        if (!(err instanceof TargetRefused && err.code === 'target_conflict') || attempt >= POLICY_WRITE_ATTEMPTS) throw withPermission(err);
      }
    }
  }

  private async getCustomRole(name: string): Promise<CustomRole | undefined> {
    try {
      return (await callRest<CustomRole>(this.iam, { path: `/v1/${name}`, query: { showDeleted: 'true' } })).body;
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_not_found') return undefined;
      throw withPermission(err);
    }
  }

  // ---- the allow policy (Resource Manager v3)

  /**
   * Read-modify-write of the project's allow policy: `change` gets the current bindings and
   * returns the new ones (undefined: nothing to do). Changes asked for while a write is under
   * way are applied together in the next one (one policy, one writer at a time in this
   * process); a batch that fails is retried change by change, so one change's refusal is
   * its own.
   */
  private modifyPolicy(change: PolicyChange): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ change, resolve, reject });
      void this.drainQueue();
    });
  }

  private async drainQueue(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.splice(0);
        try {
          await this.writePolicy(batch.map((b) => b.change));
          for (const b of batch) b.resolve();
        } catch (err) {
          if (batch.length === 1) {
            batch[0]?.reject(err);
            continue;
          }
          for (const b of batch) await this.writePolicy([b.change]).then(b.resolve, b.reject);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /**
   * One read-modify-write: read the policy (version 3), apply the changes, write it with the
   * etag it was read with, as version 3. When Google answers that another writer changed it
   * meanwhile (409 ABORTED, 412 FAILED_PRECONDITION), read again and redo the changes.
   */
  private async writePolicy(changes: PolicyChange[]): Promise<void> {
    for (let attempt = 1; attempt <= POLICY_WRITE_ATTEMPTS; attempt++) {
      const policy = await this.getPolicy();
      let bindings = policy.bindings ?? [];
      let changed = false;
      for (const change of changes) {
        const next = change(bindings);
        if (next !== undefined) {
          bindings = next;
          changed = true;
        }
      }
      if (!changed) return;
      try {
        await callRest(this.resourceManager, {
          method: 'POST',
          path: `/v3/projects/${this.config.project_id}:setIamPolicy`,
          body: { policy: { ...policy, version: 3, bindings }, updateMask: 'bindings,etag' },
        });
        return;
      } catch (err) {
        if (!(err instanceof TargetRefused && err.code === 'target_conflict')) throw withPermission(err);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * attempt));
      }
    }
    throw new TargetUnavailable(`${this.target}: the allow policy of project ${this.config.project_id} kept changing while Lease wrote it (${POLICY_WRITE_ATTEMPTS} attempts)`);
  }

  private async getPolicy(): Promise<Policy> {
    try {
      return (await callRest<Policy>(this.resourceManager, { method: 'POST', path: `/v3/projects/${this.config.project_id}:getIamPolicy`, body: { options: { requestedPolicyVersion: 3 } } })).body ?? {};
    } catch (err) {
      throw withPermission(err);
    }
  }

  private credentialsOnce(): Promise<GoogleCredentials> {
    this.googleCredentials ??= loadCredentials({
      ...(this.config.service_account_key !== undefined ? { serviceAccountKey: this.config.service_account_key } : {}),
      configDir: this.options.configDir ?? process.cwd(),
      env: this.options.env ?? process.env,
      target: this.target,
    }).catch((err: unknown) => {
      this.googleCredentials = undefined; // fixed files are read again next time
      throw err;
    });
    return this.googleCredentials;
  }
}

/** A custom role id from the Lease role id: `lease_<role>_<hash>`, in Google's [a-zA-Z0-9_.]{3,64}. */
export function customRoleId(roleId: string): string {
  const hash = createHash('sha256').update(roleId).digest('hex').slice(0, 8);
  return `${`lease_${roleId.replace(/[^a-zA-Z0-9_.]/g, '_')}`.slice(0, 55)}_${hash}`;
}

/** A permission refusal whose message does not name the missing permission gets it appended. */
function withPermission(err: unknown): unknown {
  if (!(err instanceof TargetRefused) || err.missingPermission === undefined || err.message.includes(err.missingPermission)) return err;
  return new TargetRefused(err.code as 'target_permission_denied', `${err.message} (missing permission ${err.missingPermission})`, { status: err.status, missingPermission: err.missingPermission, cause: err });
}

export const gcpProviderFactory: ProviderFactory<GcpConfig> = {
  type: 'gcp',
  capabilities: ['access'],
  configSchema: gcpConfigSchema,
  create({ id, name, enabled, config, deps }): ProviderInstance {
    return { id, type: 'gcp', name, enabled, capabilities: ['access'], access: new GcpAccessProvider(id, config, { configDir: deps.configDir }) };
  },
  configWarnings(config) {
    return config.region === undefined ? [] : [{ path: ['region'], message: 'IAM is global: the gcp provider does not use a region: ignored' }];
  },
};
