// A contract server for the Google APIs the `gcp` provider calls: there is no GCP IAM emulator,
// so this in-process node:http server answers as the published references say, and refuses
// what Google refuses. References followed:
// - OAuth 2.0 for service accounts (JWT-bearer grant, RFC 7523):
//   https://developers.google.com/identity/protocols/oauth2/service-account#httprest
//   and the refresh-token grant: https://developers.google.com/identity/protocols/oauth2/web-server#offline
// - Resource Manager v3: https://cloud.google.com/resource-manager/reference/rest/v3/projects/getIamPolicy
//   and .../v3/projects/setIamPolicy; the Policy, Binding and Expr types:
//   https://cloud.google.com/resource-manager/reference/rest/Shared.Types/Policy
// - Policy versions and conditions: https://cloud.google.com/iam/docs/policies#versions,
//   https://cloud.google.com/iam/docs/conditions-overview (no conditions on basic roles, allUsers,
//   allAuthenticatedUsers), limits: https://cloud.google.com/iam/docs/allow-policies#limits
//   (1,500 principals, each occurrence counted)
// - IAM v1 roles: https://cloud.google.com/iam/docs/reference/rest/v1/roles/list and
//   https://cloud.google.com/iam/docs/reference/rest/v1/projects.roles (create, get, patch,
//   delete, undelete); custom role ids: https://cloud.google.com/iam/docs/creating-custom-roles
// - Errors: https://cloud.google.com/apis/design/errors (code, message, status, details with
//   google.rpc.ErrorInfo; IAM_PERMISSION_DENIED names the permission in metadata.permission)
// What it checks: the assertion's RS256 signature against the registered public key, its `iss`,
// `aud` (= the token endpoint), scope, `iat`/`exp` window (400 invalid_grant as Google answers);
// a bearer token on every API call (401 UNAUTHENTICATED); the caller's permission (403
// PERMISSION_DENIED naming it); requestedPolicyVersion (0, 1, 3), and the version-1 view of a
// conditional policy (`_withcond_` role names, no conditions); on setIamPolicy the etag (409
// ABORTED when stale), version 3 whenever a binding has a condition, no conditions on basic
// roles, a title and expression on each condition, valid timestamps, members' form, known roles
// and users, 1,500 principals; custom role ids, permissions, etags and the deleted state.
// Error texts are Google's where the references quote them, paraphrased elsewhere.
import { generateKeyPairSync, randomBytes, createHash, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';

export interface FakeBinding {
  role: string;
  members: string[];
  condition?: { title?: string; description?: string; expression: string };
}

export interface FakePolicy {
  version: number;
  etag: string;
  bindings: FakeBinding[];
}

export interface FakeRole {
  name: string;
  title: string;
  description?: string;
  includedPermissions?: string[];
  stage?: string;
  etag?: string;
  deleted?: boolean;
}

export interface GcpContractOptions {
  projectId: string;
  /** Google's predefined roles this server knows (roles.list, and what bindings may name). */
  predefinedRoles?: Array<{ name: string; title: string; description?: string }>;
  /** When given, custom roles may hold only these permissions (Google: "Permission x is not valid"). */
  knownPermissions?: string[];
  /** When given, `user:` members must be among these e-mail addresses (Google: "User x does not exist"). */
  users?: string[];
  /** Items per roles.list page when the caller asks for more (default 300, Google's default). */
  maxPageSize?: number;
  now?: () => number;
}

const BASIC_ROLES = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_PRINCIPALS = 1500;
const MEMBER = /^(?:(?:user|serviceAccount|group|domain|principal|principalSet|deleted:user|deleted:serviceAccount|deleted:group):\S+|allUsers|allAuthenticatedUsers|projectOwner:\S+|projectEditor:\S+|projectViewer:\S+)$/;

type Status = 'INVALID_ARGUMENT' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'ABORTED' | 'FAILED_PRECONDITION' | 'RESOURCE_EXHAUSTED' | 'UNAVAILABLE';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status}`);
  }
}
const googleError = (code: number, status: Status, message: string, details?: unknown[]) => new ApiError(code, { error: { code, message, status, ...(details ? { details } : {}) } });
const invalid = (message: string) => googleError(400, 'INVALID_ARGUMENT', message);
const oauthError = (status: number, error: string, description: string) => new ApiError(status, { error, error_description: description });
const newEtag = () => randomBytes(8).toString('base64');
const clone = <T>(value: T): T => structuredClone(value);

export class GcpContractServer {
  /** Every API call (not the token endpoint), for tests to see what was sent. */
  readonly requests: Array<{ method: string; path: string; body: unknown }> = [];
  /** Access tokens issued so far. */
  tokensIssued = 0;
  private policyState: FakePolicy = { version: 1, etag: newEtag(), bindings: [] };
  private readonly customRoles = new Map<string, FakeRole>();
  private readonly keys = new Map<string, { email: string; publicKey: KeyObject }>();
  private readonly refreshTokens = new Map<string, { clientId: string; clientSecret: string }>();
  private readonly tokens = new Map<string, number>();
  private readonly denied = new Set<string>();
  private terseDenials = false;
  private failures: { count: number; status: 429 | 500 | 503; retryAfter?: string } = { count: 0, status: 503 };
  private holds: Array<{ matches: (method: string, path: string) => boolean; reached: () => void; released: Promise<void> }> = [];
  private beforeNextSet?: (policy: FakePolicy) => void;
  private readonly now: () => number;
  private server?: Server;
  private base = '';

  constructor(private readonly options: GcpContractOptions) {
    this.now = options.now ?? Date.now;
  }

  get endpoint(): string {
    return `${this.base}/crm`;
  }
  get iamEndpoint(): string {
    return `${this.base}/iam`;
  }
  get tokenUri(): string {
    return `${this.base}/token`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ---- test hooks

  /**
   * A new service account key for `email`, registered here: the JSON key file text Google's
   * console hands out (its token_uri is this server's), and its private key for tests that sign.
   */
  serviceAccountKey(email: string, options: { tokenUri?: string } = {}): { json: string; keyId: string; privateKeyPem: string } {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = randomBytes(20).toString('hex');
    this.keys.set(keyId, { email, publicKey });
    const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const json = JSON.stringify({
      type: 'service_account',
      project_id: this.options.projectId,
      private_key_id: keyId,
      private_key: privateKeyPem,
      client_email: email,
      client_id: String(BigInt(`0x${createHash('sha256').update(email).digest('hex').slice(0, 15)}`)),
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: options.tokenUri ?? this.tokenUri,
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
    });
    return { json, keyId, privateKeyPem };
  }

  /** `authorized_user` credentials (what `gcloud auth application-default login` writes, plus a token_uri pointing here), registered here. */
  authorizedUser(): string {
    const clientId = `${randomBytes(6).toString('hex')}.apps.googleusercontent.com`;
    const clientSecret = randomBytes(12).toString('base64url');
    const refreshToken = `1//${randomBytes(24).toString('base64url')}`;
    this.refreshTokens.set(refreshToken, { clientId, clientSecret });
    return JSON.stringify({ type: 'authorized_user', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken, token_uri: this.tokenUri });
  }

  /** Lease's service account lacks `permission` (403 PERMISSION_DENIED naming it); `terse`: Google's older "The caller does not have permission" text. */
  deny(permission: string, options: { terse?: boolean } = {}): void {
    this.denied.add(permission);
    this.terseDenials = options.terse ?? false;
  }

  allowAll(): void {
    this.denied.clear();
  }

  /** The next `count` API calls answer `status` (429 RESOURCE_EXHAUSTED or 5xx UNAVAILABLE). */
  failNext(count: number, status: 429 | 500 | 503 = 503, retryAfterSeconds?: number): void {
    this.failures = { count, status, ...(retryAfterSeconds !== undefined ? { retryAfter: String(retryAfterSeconds) } : {}) };
  }

  /**
   * The next call whose method and path (e.g. `/crm/v3/projects/p:setIamPolicy`) match is carried
   * out, but its answer is held until `release()`: Google applied it and the caller does not know.
   */
  holdAnswer(method: string, path: RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ matches: (m, p) => m === method && path.test(p), reached, released });
    return { reached: reachedPromise, release };
  }

  /** Another writer changes the policy after the caller read it and before its next setIamPolicy lands (the etag moves). */
  changeBeforeNextSet(change: (policy: FakePolicy) => void): void {
    this.beforeNextSet = change;
  }

  /** The stored policy (a copy). */
  get policy(): FakePolicy {
    return clone(this.policyState);
  }

  /** Changes the policy as someone outside Lease would (console, gcloud): no checks; a new etag. */
  editPolicy(change: (policy: FakePolicy) => void): void {
    change(this.policyState);
    this.policyState.version = this.policyState.bindings.some((b) => b.condition) ? 3 : this.policyState.version;
    this.policyState.etag = newEtag();
  }

  /** Deletes a custom role as an administrator would (projects.roles.delete: kept 7 days, undeletable). */
  deleteCustomRole(name: string): void {
    const role = this.customRoles.get(name);
    if (role) Object.assign(role, { deleted: true, etag: newEtag() });
  }

  customRole(name: string): FakeRole | undefined {
    const role = this.customRoles.get(name);
    return role ? clone(role) : undefined;
  }

  /**
   * Whether `member` holds `role` at `time` through the policy, as IAM evaluates it: an
   * unconditional binding, or a condition of the form `request.time < timestamp("...")` that holds.
   */
  holdsRole(member: string, role: string, time: number): boolean {
    return this.policyState.bindings.some((b) => b.role === role && b.members.includes(member) && (!b.condition || evaluateExpiry(b.condition.expression, time)));
  }

  // ---- dispatch

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const method = req.method ?? 'GET';
    let text = '';
    for await (const chunk of req) text += String(chunk);
    try {
      let answer: { status?: number; body?: unknown };
      if (url.pathname === '/token') answer = await this.token(method, text);
      else {
        const body = text === '' ? undefined : parseBody(text);
        this.requests.push({ method, path: `${url.pathname}${url.search}`, body });
        this.authenticate(req);
        if (this.failures.count > 0) {
          this.failures.count--;
          const { status, retryAfter } = this.failures;
          throw new ApiError(status, { error: { code: status, message: status === 429 ? 'Quota exceeded for quota metric \'Write requests\' and limit \'Write requests per minute\'.' : 'The service is currently unavailable.', status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE' } }, retryAfter ? { 'retry-after': retryAfter } : {});
        }
        answer = url.pathname.startsWith('/crm/') ? this.resourceManager(method, url, body) : url.pathname.startsWith('/iam/') ? this.iam(method, url, body) : notFound(url.pathname);
      }
      const hold = this.holds.find((h) => h.matches(method, url.pathname));
      if (hold) {
        this.holds = this.holds.filter((h) => h !== hold);
        hold.reached();
        await hold.released;
      }
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(answer.body ?? {}));
    } catch (err) {
      if (!(err instanceof ApiError)) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 500, message: String(err), status: 'INTERNAL' } }));
        return;
      }
      res.writeHead(err.status, { 'content-type': 'application/json; charset=UTF-8', ...err.headers }).end(JSON.stringify(err.body));
    }
  }

  // ---- OAuth 2.0 token endpoint

  private async token(method: string, text: string): Promise<{ body: unknown }> {
    if (method !== 'POST') throw oauthError(405, 'invalid_request', 'Only POST is accepted.');
    const form = new URLSearchParams(text);
    const grantType = form.get('grant_type');
    if (grantType === 'refresh_token') {
      const known = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (!known || known.clientId !== form.get('client_id')) throw oauthError(400, 'invalid_grant', 'Bad Request');
      if (known.clientSecret !== form.get('client_secret')) throw oauthError(401, 'invalid_client', 'Unauthorized');
      return { body: this.issueToken() };
    }
    if (grantType !== JWT_BEARER) throw oauthError(400, 'unsupported_grant_type', 'Invalid grant_type: ' + (grantType ?? ''));
    const assertion = form.get('assertion') ?? '';
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw oauthError(400, 'invalid_request', 'Invalid JWT: the assertion is not a JWS.');
    }
    if (header.alg !== 'RS256') throw oauthError(400, 'invalid_grant', 'Invalid JWT: only RS256 is accepted.');
    const candidates = [...this.keys].filter(([id, k]) => k.email === claims.iss && (header.kid === undefined || header.kid === id));
    if (candidates.length === 0) throw oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
    const iat = typeof claims.iat === 'number' ? claims.iat : NaN;
    const exp = typeof claims.exp === 'number' ? claims.exp : NaN;
    const nowS = Math.floor(this.now() / 1000);
    // Google: at most an hour, issued no later than a little after now, not yet expired.
    if (!(exp - iat <= 3600) || !(exp > nowS) || !(iat <= nowS + 60)) {
      throw oauthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    }
    if (claims.aud !== this.tokenUri) throw oauthError(400, 'invalid_grant', `Invalid JWT: Failed audience check. The right audience is ${this.tokenUri}`);
    let verified = false;
    for (const [, key] of candidates) {
      try {
        await jwtVerify(assertion, key.publicKey, { algorithms: ['RS256'], currentDate: new Date(this.now()) });
        verified = true;
        break;
      } catch {
        // try the account's next key
      }
    }
    if (!verified) throw oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(CLOUD_PLATFORM)) throw oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    return { body: this.issueToken() };
  }

  private issueToken(): { access_token: string; expires_in: number; token_type: string } {
    const token = `ya29.${randomBytes(32).toString('base64url')}`;
    this.tokens.set(token, this.now() + 3_599_000);
    this.tokensIssued++;
    return { access_token: token, expires_in: 3599, token_type: 'Bearer' };
  }

  private authenticate(req: IncomingMessage): void {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const until = token ? this.tokens.get(token) : undefined;
    if (until === undefined || until <= this.now()) {
      throw googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.');
    }
  }

  private authorize(permission: string, resource: string, service: string): void {
    if (!this.denied.has(permission)) return;
    const details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission, resource } }];
    const message = this.terseDenials ? 'The caller does not have permission' : `Permission '${permission}' denied on resource '//${service}/${resource}' (or it may not exist).`;
    throw googleError(403, 'PERMISSION_DENIED', message, details);
  }

  // ---- Resource Manager v3: projects.getIamPolicy / projects.setIamPolicy

  private resourceManager(method: string, url: URL, body: unknown): { body: unknown } {
    const match = /^\/crm\/v3\/projects\/([^/:]+):(getIamPolicy|setIamPolicy)$/.exec(url.pathname);
    if (!match) return notFound(url.pathname);
    if (method !== 'POST') throw googleError(404, 'NOT_FOUND', `Method ${method} is not served at ${url.pathname}.`);
    const [, project, verb] = match as unknown as [string, string, string];
    const resource = `projects/${project}`;
    // Google answers 403 for a project that does not exist, so callers cannot probe for names.
    if (project !== this.options.projectId) throw googleError(403, 'PERMISSION_DENIED', `Permission 'resourcemanager.projects.${verb}' denied on resource '//cloudresourcemanager.googleapis.com/${resource}' (or it may not exist).`, [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'IAM_PERMISSION_DENIED', domain: 'iam.googleapis.com', metadata: { permission: `resourcemanager.projects.${verb}`, resource } }]);
    this.authorize(`resourcemanager.projects.${verb}`, resource, 'cloudresourcemanager.googleapis.com');
    return verb === 'getIamPolicy' ? this.getIamPolicy(body) : this.setIamPolicy(body);
  }

  private getIamPolicy(body: unknown): { body: unknown } {
    const requested = (body as { options?: { requestedPolicyVersion?: unknown } } | undefined)?.options?.requestedPolicyVersion ?? 0;
    if (![0, 1, 3].includes(requested as number)) throw invalid(`Invalid requested policy version: ${JSON.stringify(requested)}. Valid values are 0, 1 and 3.`);
    return { body: viewOf(this.policyState, requested as number) };
  }

  private setIamPolicy(body: unknown): { body: unknown } {
    const request = (body ?? {}) as { policy?: Partial<FakePolicy> & Record<string, unknown>; updateMask?: unknown };
    if (typeof request.policy !== 'object' || request.policy === null) throw invalid('policy is required.');
    if (this.beforeNextSet) {
      const change = this.beforeNextSet;
      this.beforeNextSet = undefined;
      this.editPolicy(change);
    }
    const policy = request.policy;
    const mask = typeof request.updateMask === 'string' ? request.updateMask.split(',').map((p) => p.trim()) : ['bindings', 'etag'];
    const unknownPath = mask.find((p) => !['bindings', 'etag', 'version', 'auditConfigs'].includes(p));
    if (unknownPath !== undefined) throw invalid(`Invalid update mask path: ${unknownPath}.`);
    if (policy.etag !== undefined && policy.etag !== this.policyState.etag) {
      throw googleError(409, 'ABORTED', 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.');
    }
    const version = policy.version ?? 1;
    if (![0, 1, 3].includes(version)) throw invalid(`Invalid policy version: ${version}. Valid values are 0, 1 and 3.`);
    const bindings = Array.isArray(policy.bindings) ? policy.bindings : [];
    const conditional = bindings.some((b) => b?.condition !== undefined && b.condition !== null);
    if (conditional && version !== 3) {
      throw invalid(`Conditions are only supported in policies of version 3; this policy has version ${version}. Set the policy's version to 3 (see https://cloud.google.com/iam/docs/policies#versions).`);
    }
    let principals = 0;
    const merged: FakeBinding[] = [];
    const byKey = new Map<string, FakeBinding>();
    for (const binding of bindings) {
      this.checkBinding(binding);
      principals += binding.members.length;
      const condition = binding.condition ? { ...(binding.condition.title !== undefined ? { title: binding.condition.title } : {}), ...(binding.condition.description !== undefined ? { description: binding.condition.description } : {}), expression: binding.condition.expression } : undefined;
      // Google merges bindings of one role with the same condition, and drops repeated members.
      const key = JSON.stringify([binding.role, condition ?? null]);
      const same = byKey.get(key);
      if (same) same.members = [...new Set([...same.members, ...binding.members])];
      else {
        const entry = { role: binding.role, members: [...new Set(binding.members)], ...(condition ? { condition } : {}) };
        byKey.set(key, entry);
        merged.push(entry);
      }
    }
    if (principals > MAX_PRINCIPALS) throw invalid(`The number of members in the policy (${principals}) is larger than the maximum allowed size ${MAX_PRINCIPALS}.`);
    this.policyState = { version: conditional ? 3 : version === 0 ? 1 : version, etag: newEtag(), bindings: merged };
    return { body: viewOf(this.policyState, 3) };
  }

  private checkBinding(binding: FakeBinding): void {
    if (typeof binding?.role !== 'string' || binding.role === '') throw invalid('A binding has no role.');
    if (!Array.isArray(binding.members) || binding.members.length === 0) throw invalid(`The binding for ${binding.role} has no members.`);
    for (const member of binding.members) {
      if (typeof member !== 'string' || !MEMBER.test(member)) throw invalid(`Invalid member: ${String(member)}.`);
      const email = member.startsWith('user:') ? member.slice(5).toLowerCase() : undefined;
      if (email !== undefined && this.options.users && !this.options.users.some((u) => u.toLowerCase() === email)) throw invalid(`User ${member.slice(5)} does not exist.`);
    }
    if (binding.role.startsWith('roles/')) {
      if (!(this.options.predefinedRoles ?? []).some((r) => r.name === binding.role)) throw invalid(`Role ${binding.role} is not supported for this resource.`);
    } else {
      const custom = this.customRoles.get(binding.role);
      if (!custom || custom.deleted) throw invalid(`Role (${binding.role}) does not exist in the resource's hierarchy.`);
    }
    const condition = binding.condition;
    if (condition === undefined || condition === null) return;
    if (BASIC_ROLES.has(binding.role)) throw invalid(`Conditions are not supported for basic roles (${binding.role}); grant a predefined or custom role instead (see https://cloud.google.com/iam/docs/conditions-overview).`);
    if (binding.members.some((m) => m === 'allUsers' || m === 'allAuthenticatedUsers')) throw invalid('Conditions are not supported for allUsers and allAuthenticatedUsers.');
    if (typeof condition.expression !== 'string' || condition.expression.trim() === '') throw invalid('Condition expression is required.');
    if (typeof condition.title !== 'string' || condition.title === '') throw invalid('Condition title is required.');
    if (condition.title.length > 100) throw invalid('Condition title must be at most 100 characters.');
    if (condition.description !== undefined && (typeof condition.description !== 'string' || condition.description.length > 256)) throw invalid('Condition description must be at most 256 characters.');
    for (const [, literal] of condition.expression.matchAll(/timestamp\(\s*["']([^"']*)["']\s*\)/g)) {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/.test(literal as string) || Number.isNaN(Date.parse(literal as string))) {
        throw invalid(`Condition expression is invalid: timestamp("${literal}") is not an RFC 3339 date-time.`);
      }
    }
  }

  // ---- IAM v1: roles.list and projects.roles

  private iam(method: string, url: URL, body: unknown): { body: unknown } {
    const path = url.pathname.slice('/iam'.length);
    if (path === '/v1/roles' && method === 'GET') return this.listRoles(url);
    const collection = /^\/v1\/projects\/([^/]+)\/roles$/.exec(path);
    if (collection) {
      if (collection[1] !== this.options.projectId) throw googleError(404, 'NOT_FOUND', `Project ${collection[1]} not found.`);
      if (method !== 'POST') throw googleError(404, 'NOT_FOUND', `Method ${method} is not served at ${path}.`);
      return this.createRole(body);
    }
    const one = /^\/v1\/(projects\/([^/]+)\/roles\/([^/:]+))(:undelete)?$/.exec(path);
    if (!one) return notFound(url.pathname);
    const [, name, project, , undelete] = one as unknown as [string, string, string, string, string | undefined];
    if (project !== this.options.projectId) throw googleError(404, 'NOT_FOUND', `Project ${project} not found.`);
    const role = this.customRoles.get(name);
    const gone = () => googleError(404, 'NOT_FOUND', `The role named ${name} was not found.`);
    if (undelete) {
      if (method !== 'POST') throw gone();
      this.authorize('iam.roles.undelete', name, 'iam.googleapis.com');
      if (!role) throw gone();
      const etag = (body as { etag?: unknown } | undefined)?.etag;
      if (etag !== undefined && etag !== role.etag) throw googleError(409, 'ABORTED', 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.');
      if (!role.deleted) throw googleError(400, 'FAILED_PRECONDITION', `The role ${name} is not deleted.`);
      delete role.deleted;
      role.etag = newEtag();
      return { body: clone(role) };
    }
    if (method === 'GET') {
      this.authorize('iam.roles.get', name, 'iam.googleapis.com');
      if (!role) throw gone();
      return { body: clone(role) };
    }
    if (method === 'PATCH') {
      this.authorize('iam.roles.update', name, 'iam.googleapis.com');
      if (!role) throw gone();
      if (role.deleted) throw googleError(400, 'FAILED_PRECONDITION', `You can't update a deleted role (${name}); undelete it first.`);
      const patch = (body ?? {}) as Partial<FakeRole>;
      if (patch.etag !== undefined && patch.etag !== role.etag) throw googleError(409, 'ABORTED', 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.');
      const mask = (url.searchParams.get('updateMask') ?? 'title,description,includedPermissions,stage').split(',').map((p) => p.trim());
      for (const field of mask) {
        if (!['title', 'description', 'includedPermissions', 'stage'].includes(field)) throw invalid(`Invalid update mask path: ${field}.`);
      }
      const next = { ...role };
      if (mask.includes('title')) next.title = String(patch.title ?? '');
      if (mask.includes('description') && patch.description !== undefined) next.description = patch.description;
      if (mask.includes('includedPermissions')) next.includedPermissions = this.checkPermissions(patch.includedPermissions);
      if (mask.includes('stage') && patch.stage !== undefined) next.stage = patch.stage;
      this.checkRoleText(next);
      this.customRoles.set(name, { ...next, etag: newEtag() });
      return { body: clone(this.customRoles.get(name)) };
    }
    if (method === 'DELETE') {
      this.authorize('iam.roles.delete', name, 'iam.googleapis.com');
      if (!role) throw gone();
      role.deleted = true;
      role.etag = newEtag();
      return { body: clone(role) };
    }
    throw gone();
  }

  private listRoles(url: URL): { body: unknown } {
    if (url.searchParams.has('parent') && url.searchParams.get('parent') !== '') throw invalid('Only predefined roles (no parent) are served here.');
    const size = Math.min(Number(url.searchParams.get('pageSize') || 300), this.options.maxPageSize ?? 1000, 1000);
    const start = Number(url.searchParams.get('pageToken') || 0);
    const all = this.options.predefinedRoles ?? [];
    const page = all.slice(start, start + size).map((r) => ({ name: r.name, title: r.title, ...(r.description ? { description: r.description } : {}), stage: 'GA', etag: 'AA==' }));
    return { body: { roles: page, ...(start + size < all.length ? { nextPageToken: String(start + size) } : {}) } };
  }

  private createRole(body: unknown): { body: unknown } {
    const request = (body ?? {}) as { roleId?: unknown; role?: Partial<FakeRole> };
    const roleId = typeof request.roleId === 'string' ? request.roleId : '';
    const name = `projects/${this.options.projectId}/roles/${roleId}`;
    this.authorize('iam.roles.create', `projects/${this.options.projectId}`, 'iam.googleapis.com');
    if (!/^[a-zA-Z0-9_.]{3,64}$/.test(roleId)) throw invalid(`The role id "${roleId}" is invalid: use 3 to 64 letters, digits, underscores and periods.`);
    if (this.customRoles.has(name)) throw googleError(409, 'ALREADY_EXISTS', `A role named ${roleId} in projects/${this.options.projectId} already exists.`);
    const role: FakeRole = {
      name,
      title: String(request.role?.title ?? ''),
      ...(request.role?.description !== undefined ? { description: request.role.description } : {}),
      includedPermissions: this.checkPermissions(request.role?.includedPermissions),
      stage: request.role?.stage ?? 'ALPHA',
      etag: newEtag(),
    };
    this.checkRoleText(role);
    this.customRoles.set(name, role);
    return { body: clone(role) };
  }

  private checkRoleText(role: FakeRole): void {
    if (role.title.length > 100) throw invalid('The role title must be at most 100 characters.');
    if ((role.description ?? '').length > 256) throw invalid('The role description must be at most 256 characters.');
  }

  private checkPermissions(value: unknown): string[] {
    if (!Array.isArray(value)) return [];
    for (const permission of value) {
      const valid = typeof permission === 'string' && /^[a-z][a-zA-Z0-9]*(?:\.[a-zA-Z0-9]+){2,}$/.test(permission) && (!this.options.knownPermissions || this.options.knownPermissions.includes(permission));
      if (!valid) throw invalid(`Permission ${String(permission)} is not valid.`);
    }
    return [...new Set(value as string[])];
  }
}

/** The policy as getIamPolicy answers it for a requested version: below 3, conditional bindings lose their condition and get a `_withcond_` role name. */
function viewOf(policy: FakePolicy, requested: number): unknown {
  const conditional = policy.bindings.some((b) => b.condition);
  const bindings =
    requested >= 3 || !conditional
      ? clone(policy.bindings)
      : policy.bindings.map((b) => (b.condition ? { role: `${b.role}_withcond_${createHash('sha256').update(JSON.stringify(b.condition)).digest('hex').slice(0, 20)}`, members: [...b.members] } : clone(b)));
  return { version: requested >= 3 ? policy.version : 1, etag: policy.etag, ...(bindings.length > 0 ? { bindings } : {}) };
}

/** `request.time < timestamp("...")` at `time`; any other expression is not evaluated here (false). */
export function evaluateExpiry(expression: string, time: number): boolean {
  const match = /^\s*request\.time\s*<\s*timestamp\(\s*["']([^"']+)["']\s*\)\s*$/.exec(expression);
  return match ? time < Date.parse(match[1] as string) : false;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid('Invalid JSON payload received.');
  }
}

function notFound(path: string): never {
  throw googleError(404, 'NOT_FOUND', `The requested URL ${path} was not found on this server.`);
}
