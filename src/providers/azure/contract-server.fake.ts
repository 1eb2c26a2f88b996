// A contract server for the Azure APIs the `azure` provider calls: there is no Azure emulator,
// so this in-process node:http server answers as the published references say, and refuses
// what real Azure refuses. References followed:
// - Entra ID client-credentials token:
//   https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
// - ARM role assignments: https://learn.microsoft.com/en-us/rest/api/authorization/role-assignments/create,
//   .../role-assignments/delete, .../role-assignments/get, .../role-assignments/list-for-scope
// - ARM role definitions: https://learn.microsoft.com/en-us/rest/api/authorization/role-definitions/list
// - PIM: https://learn.microsoft.com/en-us/rest/api/authorization/role-assignment-schedule-requests/create
//   and .../role-assignment-schedule-requests/list-for-scope
// - Microsoft Graph: https://learn.microsoft.com/en-us/graph/api/user-get, .../user-list ($filter)
// - ARM errors: https://learn.microsoft.com/en-us/azure/role-based-access-control/troubleshooting
//   and https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/request-limits-and-throttling
// What it checks: client id and secret (401 invalid_client, AADSTS7000215), that a token's
// audience is the API it is used at (401 InvalidAuthenticationToken), api-version (400
// MissingApiVersionParameter / InvalidApiVersionParameter), role definitions and principals
// exist (400 RoleDefinitionDoesNotExist / PrincipalNotFound), one assignment per principal,
// role and scope (409 RoleAssignmentExists), that a name keeps its principal, role and scope
// (409 RoleAssignmentUpdateNotPermitted), the caller's write/delete permission (403
// AuthorizationFailed naming the action), paging with nextLink, and 429 with Retry-After on demand.
// Tokens are opaque random strings here (real ones are JWTs); only their audience matters.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUser {
  id: string;
  userPrincipalName: string;
  mail?: string;
}

export interface FakeRoleDefinition {
  name: string;
  roleName: string;
  description?: string;
}

export interface StoredAssignment {
  id: string;
  name: string;
  type: 'Microsoft.Authorization/roleAssignments';
  properties: { scope: string; roleDefinitionId: string; principalId: string; principalType: string; description: string | null; createdOn: string; updatedOn: string };
}

export interface StoredScheduleRequest {
  id: string;
  name: string;
  type: 'Microsoft.Authorization/RoleAssignmentScheduleRequests';
  properties: {
    scope: string;
    roleDefinitionId: string;
    principalId: string;
    principalType: string;
    requestType: string;
    status: string;
    justification: string | null;
    createdOn: string;
    scheduleInfo?: { startDateTime?: string; expiration?: { type: string; endDateTime: string | null; duration: string | null } };
  };
}

export interface AzureContractOptions {
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  users?: FakeUser[];
  roleDefinitions?: FakeRoleDefinition[];
  /** Items per list page (default 2, so paging is always exercised). */
  pageSize?: number;
  now?: () => number;
}

const API_VERSIONS: Record<string, string[]> = {
  roleAssignments: ['2015-07-01', '2018-09-01-preview', '2020-04-01-preview', '2022-04-01'],
  roleDefinitions: ['2015-07-01', '2018-01-01-preview', '2022-04-01', '2022-05-01-preview'],
  roleAssignmentScheduleRequests: ['2020-10-01', '2020-10-01-preview', '2022-04-01-preview'],
};
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tail = (id: string) => id.slice(id.lastIndexOf('/') + 1).toLowerCase();

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status}`);
  }
}
const armError = (status: number, code: string, message: string) => new ApiError(status, { error: { code, message } });

export class AzureContractServer {
  readonly assignments = new Map<string, StoredAssignment>();
  readonly scheduleRequests = new Map<string, StoredScheduleRequest>();
  readonly users: FakeUser[];
  readonly roleDefinitions: FakeRoleDefinition[];
  /** Every request, for tests to see what was called (method and path with query). */
  readonly calls: string[] = [];
  /** Whether Lease's client may write / delete role assignments (false: 403 AuthorizationFailed). */
  canWrite = true;
  private holds: Array<{ matches: (method: string, path: string) => boolean; reached: () => void; released: Promise<void> }> = [];
  private throttled = 0;
  private throttleRetryAfter = '0';
  private readonly tokens = new Map<string, { audience: string; expiresAt: number }>();
  private readonly pageSize: number;
  private readonly now: () => number;
  private server?: Server;
  private base = '';

  constructor(private readonly options: AzureContractOptions) {
    this.users = options.users ?? [];
    this.roleDefinitions = options.roleDefinitions ?? [];
    this.pageSize = options.pageSize ?? 2;
    this.now = options.now ?? Date.now;
  }

  get authority(): string {
    return `${this.base}/login`;
  }
  get armEndpoint(): string {
    return `${this.base}/arm`;
  }
  get graphEndpoint(): string {
    return `${this.base}/graph`;
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

  /**
   * The next call matching `method` and `path` is carried out, but its answer is held until
   * `release()`: Azure has made the change and the caller does not know yet (a crash there).
   */
  holdAnswer(method: string, path: RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ matches: (m, p) => m === method && path.test(p), reached, released });
    return { reached: reachedPromise, release };
  }

  /** The next `count` ARM or Graph calls answer 429 with this Retry-After (seconds). */
  throttle(count: number, retryAfterSeconds = 0): void {
    this.throttled = count;
    this.throttleRetryAfter = String(retryAfterSeconds);
  }

  roleDefinitionId(name: string): string {
    return `/subscriptions/${this.options.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${name}`;
  }

  /** Assignments as a user or admin made them outside Lease (no api checks). */
  addAssignment(scope: string, roleDefinitionName: string, principalId: string, description: string | null = null): StoredAssignment {
    return this.storeAssignment(scope, randomUUID(), this.roleDefinitionId(roleDefinitionName), principalId, description);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    this.calls.push(`${req.method} ${url.pathname}${url.search}`);
    let body = '';
    for await (const chunk of req) body += String(chunk);
    try {
      const answer = url.pathname.startsWith('/login/') ? this.token(url, body) : this.api(req, url, body);
      const hold = this.holds.find((h) => h.matches(req.method ?? 'GET', url.pathname));
      if (hold) {
        this.holds = this.holds.filter((h) => h !== hold);
        hold.reached();
        await hold.released;
      }
      const status = answer.status ?? 200;
      if (answer.body === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer.body));
    } catch (err) {
      if (!(err instanceof ApiError)) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'InternalServerError', message: String(err) } }));
        return;
      }
      res.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8', ...err.headers }).end(JSON.stringify(err.body));
    }
  }

  // ---- Entra ID: POST /{tenant}/oauth2/v2.0/token (client credentials)

  private token(url: URL, body: string): { status?: number; body?: unknown } {
    const match = /^\/login\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    const oauth = (status: number, error: string, description: string) => new ApiError(status, { error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)] });
    if (!match) throw oauth(404, 'invalid_request', 'AADSTS900561: The endpoint only accepts POST requests.');
    if (decodeURIComponent(match[1] as string) !== this.options.tenantId) throw oauth(400, 'invalid_request', `AADSTS90002: Tenant '${match[1]}' not found.`);
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'client_credentials') throw oauth(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
    if (form.get('client_id') !== this.options.clientId) throw oauth(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory.`);
    if (form.get('client_secret') !== this.options.clientSecret) throw oauth(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.options.clientId}'.`);
    const scope = form.get('scope') ?? '';
    const audience = scope.endsWith('/.default') ? scope.slice(0, -'/.default'.length) : '';
    if (audience !== this.armEndpoint && audience !== this.graphEndpoint) throw oauth(400, 'invalid_scope', `AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { audience, expiresAt: this.now() + 3_599_000 });
    return { body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token } };
  }

  // ---- ARM and Graph: bearer token of the right audience, then the route

  private api(req: IncomingMessage, url: URL, body: string): { status?: number; body?: unknown } {
    const graph = url.pathname.startsWith('/graph/');
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const known = token ? this.tokens.get(token) : undefined;
    if (graph) {
      if (!known || known.expiresAt <= this.now() || known.audience !== this.graphEndpoint) {
        throw new ApiError(401, { error: { code: 'InvalidAuthenticationToken', message: known ? 'Access token validation failure. Invalid audience.' : 'Access token is empty.' } });
      }
    } else {
      if (!token) throw armError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
      if (!known || known.expiresAt <= this.now() || known.audience !== this.armEndpoint) {
        throw armError(401, 'InvalidAuthenticationToken', known ? `The access token has an invalid audience; expected '${this.armEndpoint}'.` : 'The access token is invalid.');
      }
    }
    if (this.throttled > 0) {
      this.throttled--;
      throw new ApiError(429, { error: { code: 'TooManyRequests', message: 'The request is being throttled.' } }, { 'retry-after': this.throttleRetryAfter });
    }
    if (graph) return this.graph(url);
    const parsed = /^\/arm(\/subscriptions\/[^/]+(?:\/.*?)?)\/providers\/Microsoft\.Authorization\/(roleAssignments|roleDefinitions|roleAssignmentScheduleRequests)(?:\/([^/]+))?$/i.exec(url.pathname);
    if (!parsed) throw armError(404, 'InvalidResourceType', `The resource type could not be found in the namespace for path '${url.pathname.slice(4)}'.`);
    const [, scope, kind, name] = parsed as unknown as [string, string, string, string | undefined];
    const version = url.searchParams.get('api-version');
    const type = Object.keys(API_VERSIONS).find((k) => k.toLowerCase() === kind.toLowerCase()) as string;
    if (version === null) throw armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    if (!API_VERSIONS[type]?.includes(version)) {
      throw armError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${API_VERSIONS[type]?.join(',')}'.`);
    }
    if (!scope.toLowerCase().startsWith(`/subscriptions/${this.options.subscriptionId}`)) throw armError(404, 'SubscriptionNotFound', `The subscription '${scope.split('/')[2]}' could not be found.`);
    const method = req.method ?? 'GET';
    const json = () => {
      try {
        return JSON.parse(body) as { properties?: Record<string, unknown> };
      } catch {
        throw armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
    };
    if (type === 'roleDefinitions') {
      if (method !== 'GET') throw armError(405, 'MethodNotAllowed', 'Only GET is served for role definitions here.');
      return name ? this.getRoleDefinition(scope, name) : this.list(url, this.listRoleDefinitions(scope, url.searchParams.get('$filter')));
    }
    if (type === 'roleAssignments') {
      if (name === undefined) {
        if (method !== 'GET') throw armError(405, 'MethodNotAllowed', 'The collection is read only.');
        return this.list(url, this.listAssignments(scope, url.searchParams.get('$filter')));
      }
      if (method === 'GET') {
        const found = this.assignments.get(name.toLowerCase());
        if (!found || found.properties.scope.toLowerCase() !== scope.toLowerCase()) throw armError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
        return { body: found };
      }
      if (method === 'PUT') return this.putAssignment(scope, name, json());
      if (method === 'DELETE') return this.deleteAssignment(scope, name);
    }
    if (type === 'roleAssignmentScheduleRequests') {
      if (name === undefined) {
        if (method !== 'GET') throw armError(405, 'MethodNotAllowed', 'The collection is read only.');
        return this.list(url, this.listScheduleRequests(scope, url.searchParams.get('$filter')));
      }
      if (method === 'GET') {
        const found = this.scheduleRequests.get(name.toLowerCase());
        if (!found) throw armError(404, 'RoleAssignmentScheduleRequestNotFound', `The role assignment schedule request '${name}' is not found.`);
        return { body: found };
      }
      if (method === 'PUT') return this.putScheduleRequest(scope, name, json());
    }
    throw armError(405, 'MethodNotAllowed', `${method} is not supported here.`);
  }

  /** ARM list paging: `value` plus `nextLink` carrying a $skipToken. */
  private list(url: URL, all: unknown[]): { body: unknown } {
    const skip = Number(url.searchParams.get('$skipToken') ?? '0');
    const page = all.slice(skip, skip + this.pageSize);
    const next = new URL(url.toString());
    next.searchParams.set('$skipToken', String(skip + this.pageSize));
    return { body: { value: page, ...(skip + this.pageSize < all.length ? { nextLink: next.toString() } : {}) } };
  }

  // ---- role definitions

  private getRoleDefinition(scope: string, name: string): { body: unknown } {
    const found = this.roleDefinitions.find((d) => d.name.toLowerCase() === name.toLowerCase());
    if (!found) throw armError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${name}' does not exist.`);
    return { body: this.roleDefinitionBody(scope, found) };
  }

  private listRoleDefinitions(scope: string, filter: string | null): unknown[] {
    let definitions = this.roleDefinitions;
    if (filter !== null) {
      const byName = /^roleName eq '((?:[^']|'')*)'$/.exec(filter);
      if (!byName) throw armError(400, 'BadRequest', `The filter '${filter}' is not supported. Supported filters: roleName eq '{value}', type eq 'BuiltInRole|CustomRole'.`);
      const roleName = (byName[1] as string).replace(/''/g, "'");
      definitions = definitions.filter((d) => d.roleName === roleName);
    }
    return definitions.map((d) => this.roleDefinitionBody(scope, d));
  }

  private roleDefinitionBody(scope: string, d: FakeRoleDefinition): unknown {
    return {
      id: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${d.name}`,
      name: d.name,
      type: 'Microsoft.Authorization/roleDefinitions',
      properties: { roleName: d.roleName, description: d.description ?? null, type: 'BuiltInRole', permissions: [], assignableScopes: ['/'] },
    };
  }

  // ---- role assignments

  private putAssignment(scope: string, name: string, body: { properties?: Record<string, unknown> }): { status: number; body: unknown } {
    if (!GUID.test(name)) throw armError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
    this.authorize('Microsoft.Authorization/roleAssignments/write', `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    const p = body.properties ?? {};
    const roleDefinitionId = typeof p.roleDefinitionId === 'string' ? p.roleDefinitionId : '';
    const principalId = typeof p.principalId === 'string' ? p.principalId : '';
    if (!roleDefinitionId || !principalId) throw armError(400, 'InvalidRequestContent', 'properties.roleDefinitionId and properties.principalId are required.');
    if (!this.roleDefinitions.some((d) => d.name.toLowerCase() === tail(roleDefinitionId))) {
      throw armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${tail(roleDefinitionId)}' does not exist.`);
    }
    if (!this.users.some((u) => u.id === principalId)) throw armError(400, 'PrincipalNotFound', `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${this.options.tenantId}.`);
    if (p.description !== undefined && p.description !== null && (typeof p.description !== 'string' || p.description.length > 2048)) {
      throw armError(400, 'InvalidRequestContent', 'properties.description must be a string of at most 2048 characters.');
    }
    const existing = this.assignments.get(name.toLowerCase());
    if (existing) {
      const e = existing.properties;
      if (e.scope.toLowerCase() !== scope.toLowerCase() || e.principalId !== principalId || tail(e.roleDefinitionId) !== tail(roleDefinitionId)) {
        throw armError(409, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
      }
      e.description = typeof p.description === 'string' ? p.description : null;
      e.updatedOn = new Date(this.now()).toISOString();
      return { status: 200, body: existing };
    }
    const duplicate = [...this.assignments.values()].find(
      (a) => a.properties.scope.toLowerCase() === scope.toLowerCase() && a.properties.principalId === principalId && tail(a.properties.roleDefinitionId) === tail(roleDefinitionId),
    );
    if (duplicate) throw armError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
    return { status: 201, body: this.storeAssignment(scope, name, roleDefinitionId, principalId, typeof p.description === 'string' ? p.description : null, typeof p.principalType === 'string' ? p.principalType : 'User') };
  }

  private storeAssignment(scope: string, name: string, roleDefinitionId: string, principalId: string, description: string | null, principalType = 'User'): StoredAssignment {
    const at = new Date(this.now()).toISOString();
    const stored: StoredAssignment = {
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: { scope, roleDefinitionId, principalId, principalType, description, createdOn: at, updatedOn: at },
    };
    this.assignments.set(name.toLowerCase(), stored);
    return stored;
  }

  /** 200 with the deleted assignment, 204 when there is none (the reference's two answers). */
  private deleteAssignment(scope: string, name: string): { status: number; body?: unknown } {
    this.authorize('Microsoft.Authorization/roleAssignments/delete', `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    const found = this.assignments.get(name.toLowerCase());
    if (!found || found.properties.scope.toLowerCase() !== scope.toLowerCase()) return { status: 204 };
    this.assignments.delete(name.toLowerCase());
    return { status: 200, body: found };
  }

  /** No filter: at, above and below the scope; atScope(): at and above; principalId eq: that principal's, at, above and below. */
  private listAssignments(scope: string, filter: string | null): StoredAssignment[] {
    const lower = scope.toLowerCase();
    const above = (s: string) => lower === s.toLowerCase() || lower.startsWith(`${s.toLowerCase()}/`);
    const below = (s: string) => s.toLowerCase().startsWith(`${lower}/`);
    const all = [...this.assignments.values()];
    if (filter === null) return all.filter((a) => above(a.properties.scope) || below(a.properties.scope));
    if (filter === 'atScope()') return all.filter((a) => above(a.properties.scope));
    const principal = /^principalId eq '([^']+)'$/.exec(filter);
    if (principal) return all.filter((a) => a.properties.principalId === principal[1] && (above(a.properties.scope) || below(a.properties.scope)));
    throw armError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported. Supported filters: atScope(), principalId eq '{id}', assignedTo('{id}').`);
  }

  // ---- PIM role assignment schedule requests

  private putScheduleRequest(scope: string, name: string, body: { properties?: Record<string, unknown> }): { status: number; body: unknown } {
    if (!GUID.test(name)) throw armError(400, 'InvalidRoleAssignmentScheduleRequestName', `The request name '${name}' must be a GUID.`);
    this.authorize('Microsoft.Authorization/roleAssignmentScheduleRequests/write', `${scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/${name}`);
    if (this.scheduleRequests.has(name.toLowerCase())) throw armError(409, 'RoleAssignmentScheduleRequestExists', `A role assignment schedule request named '${name}' already exists; requests cannot be changed.`);
    const p = body.properties ?? {};
    const roleDefinitionId = typeof p.roleDefinitionId === 'string' ? p.roleDefinitionId : '';
    const principalId = typeof p.principalId === 'string' ? p.principalId : '';
    const requestType = typeof p.requestType === 'string' ? p.requestType : '';
    if (!['AdminAssign', 'AdminRemove', 'AdminUpdate', 'AdminExtend', 'AdminRenew', 'SelfActivate', 'SelfDeactivate', 'SelfExtend', 'SelfRenew'].includes(requestType)) {
      throw armError(400, 'InvalidRequestType', `The request type '${requestType}' is not valid.`);
    }
    if (!this.roleDefinitions.some((d) => d.name.toLowerCase() === tail(roleDefinitionId))) throw armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${tail(roleDefinitionId)}' does not exist.`);
    if (!this.users.some((u) => u.id === principalId)) throw armError(400, 'PrincipalNotFound', `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${this.options.tenantId}.`);
    const scheduleInfo = p.scheduleInfo as StoredScheduleRequest['properties']['scheduleInfo'] | undefined;
    if (requestType !== 'AdminRemove') {
      const expiration = scheduleInfo?.expiration;
      if (!expiration || !['AfterDateTime', 'AfterDuration', 'NoExpiration'].includes(expiration.type)) throw armError(400, 'InvalidExpiration', 'scheduleInfo.expiration.type must be AfterDateTime, AfterDuration or NoExpiration.');
      if (expiration.type === 'AfterDateTime' && (typeof expiration.endDateTime !== 'string' || Number.isNaN(Date.parse(expiration.endDateTime)))) {
        throw armError(400, 'InvalidExpiration', 'scheduleInfo.expiration.endDateTime must be an ISO 8601 date-time with type AfterDateTime.');
      }
      if (expiration.type === 'AfterDateTime' && Date.parse(expiration.endDateTime as string) <= this.now()) throw armError(400, 'ExpirationDateTimeInPast', 'The expiration date-time is in the past.');
    }
    const active = this.activeSchedule(scope, roleDefinitionId, principalId);
    if (requestType === 'AdminAssign' && active) throw armError(400, 'RoleAssignmentExists', 'The Role assignment already exists.');
    if ((requestType === 'AdminRemove' || requestType === 'AdminUpdate' || requestType === 'AdminExtend') && !active) throw armError(400, 'RoleAssignmentDoesNotExist', 'The Role assignment does not exist.');
    const stored: StoredScheduleRequest = {
      id: `${scope}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/${name}`,
      name,
      type: 'Microsoft.Authorization/RoleAssignmentScheduleRequests',
      properties: {
        scope,
        roleDefinitionId,
        principalId,
        principalType: 'User',
        requestType,
        status: requestType === 'AdminRemove' ? 'Revoked' : 'Provisioned',
        justification: typeof p.justification === 'string' ? p.justification : null,
        createdOn: new Date(this.now()).toISOString(),
        ...(scheduleInfo ? { scheduleInfo } : {}),
      },
    };
    this.scheduleRequests.set(name.toLowerCase(), stored);
    return { status: 201, body: stored };
  }

  /** The latest schedule request for the triple, when it leaves the role assigned now (Azure ends it at endDateTime). */
  activeSchedule(scope: string, roleDefinitionId: string, principalId: string): StoredScheduleRequest | undefined {
    const matching = [...this.scheduleRequests.values()].filter((r) => r.properties.scope.toLowerCase() === scope.toLowerCase() && tail(r.properties.roleDefinitionId) === tail(roleDefinitionId) && r.properties.principalId === principalId);
    const latest = matching.at(-1);
    if (!latest || latest.properties.requestType === 'AdminRemove') return undefined;
    const end = latest.properties.scheduleInfo?.expiration?.endDateTime;
    return end && Date.parse(end) <= this.now() ? undefined : latest;
  }

  private listScheduleRequests(scope: string, filter: string | null): StoredScheduleRequest[] {
    const lower = scope.toLowerCase();
    const within = (s: string) => s.toLowerCase() === lower || s.toLowerCase().startsWith(`${lower}/`);
    const all = [...this.scheduleRequests.values()].filter((r) => within(r.properties.scope));
    if (filter === null) return all;
    const principal = /^principalId eq '([^']+)'$/.exec(filter);
    if (principal) return all.filter((r) => r.properties.principalId === principal[1]);
    throw armError(400, 'UnsupportedQuery', `The filter '${filter}' is not supported.`);
  }

  private authorize(action: string, scope: string): void {
    if (this.canWrite) return;
    throw armError(403, 'AuthorizationFailed', `The client '${this.options.clientId}' with object id '${this.options.clientId}' does not have authorization or an ABAC condition not fulfilled to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
  }

  // ---- Microsoft Graph users

  private graph(url: URL): { body: unknown } {
    const path = url.pathname.slice('/graph'.length);
    const one = /^\/v1\.0\/users\/([^/]+)$/.exec(path);
    const pick = (u: FakeUser) => ({ id: u.id, userPrincipalName: u.userPrincipalName, ...(u.mail ? { mail: u.mail } : {}) });
    if (one) {
      const key = decodeURIComponent(one[1] as string).toLowerCase();
      const found = this.users.find((u) => u.id === key || u.userPrincipalName.toLowerCase() === key);
      if (!found) throw new ApiError(404, { error: { code: 'Request_ResourceNotFound', message: `Resource '${decodeURIComponent(one[1] as string)}' does not exist or one of its queried reference-property objects are not present.` } });
      return { body: pick(found) };
    }
    if (path === '/v1.0/users') {
      const filter = url.searchParams.get('$filter');
      const byMail = filter === null ? null : /^mail eq '((?:[^']|'')*)'$/.exec(filter);
      if (filter !== null && !byMail) throw new ApiError(400, { error: { code: 'Request_UnsupportedQuery', message: 'Unsupported query.' } });
      const mail = byMail ? (byMail[1] as string).replace(/''/g, "'").toLowerCase() : undefined;
      return { body: { value: this.users.filter((u) => mail === undefined || u.mail?.toLowerCase() === mail).map(pick) } };
    }
    throw new ApiError(404, { error: { code: 'Request_ResourceNotFound', message: `No resource at ${path}.` } });
  }
}
