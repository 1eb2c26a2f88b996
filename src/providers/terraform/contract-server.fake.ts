// A contract server for the HCP Terraform / Terraform Enterprise API calls the `terraform`
// provider makes: nothing real runs here (HCP Terraform is a hosted service, Terraform
// Enterprise a licensed one), so this in-process node:http server answers as the published
// references say, and refuses what the real service refuses. References followed:
// - API overview (JSON:API, Content-Type application/vnd.api+json, bearer tokens, 401, 404 for
//   what the token may not see, 422 errors with source pointers, pagination with page[number] /
//   page[size] and meta.pagination, rate limiting: 30 requests per second, 429 with
//   X-RateLimit-Limit / X-RateLimit-Reset): https://developer.hashicorp.com/terraform/cloud-docs/api-docs
// - Teams (list with filter[names] and q, create, show, delete; only owners may modify teams;
//   404 "organization not found, or user unauthorized to perform action"):
//   https://developer.hashicorp.com/terraform/cloud-docs/api-docs/teams
// - Team membership by organization membership id (POST/DELETE
//   /teams/:team_id/relationships/organization-memberships, 204; 404 team or user not found):
//   https://developer.hashicorp.com/terraform/cloud-docs/api-docs/team-members
// - Organization memberships (list with filter[email]; a user must have joined the organization
//   before being added to a team): https://developer.hashicorp.com/terraform/cloud-docs/api-docs/organization-memberships
// - Team access to workspaces (POST /team-workspaces with access read|plan|write|admin|custom,
//   list with the required filter[workspace][id], delete):
//   https://developer.hashicorp.com/terraform/cloud-docs/api-docs/team-access
// - Workspaces (show by organization and name): https://developer.hashicorp.com/terraform/cloud-docs/api-docs/workspaces
// What it checks: the bearer token (401), the JSON:API media type on writes (415, as JSON:API
// requires), that the organization, teams, workspaces and memberships exist and that the token
// may change teams (404 otherwise), team names (unique, letters/digits/-/_: 422 with a pointer),
// access levels (422), one access per team and workspace (422 "has already been taken"), only
// active memberships join teams (422), and 429 on demand.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTerraformUser {
  email: string;
  /** `invited` memberships cannot join teams yet. Default active. */
  status?: 'active' | 'invited';
}

export interface StoredTeam {
  id: string;
  name: string;
  visibility: 'secret' | 'organization';
  /** Organization membership ids. */
  members: Set<string>;
}

export interface StoredTeamAccess {
  id: string;
  teamId: string;
  workspaceId: string;
  access: string;
}

export interface TerraformContractOptions {
  organization: string;
  /** The token that may manage teams (an owner's). */
  token: string;
  /** A token of a member who may read but not manage teams. */
  readOnlyToken?: string;
  users?: FakeTerraformUser[];
  /** Teams that exist already (names). */
  teams?: string[];
  /** Workspaces (names). */
  workspaces?: string[];
  /** The largest page[size] honoured (the service's is 100; tests lower it to exercise paging). */
  maxPageSize?: number;
}

const ACCESS_LEVELS = ['read', 'plan', 'write', 'admin', 'custom'];
const JSON_API = 'application/vnd.api+json';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status}`);
  }
}
const jsonApiError = (status: number, title: string, detail?: string, pointer?: string) =>
  new ApiError(status, { errors: [{ status: String(status), title, ...(detail ? { detail } : {}), ...(pointer ? { source: { pointer } } : {}) }] });
const notFound = (detail?: string) => jsonApiError(404, 'not found', detail);

function hcpId(prefix: string): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789';
  return `${prefix}-${[...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

export class TerraformContractServer {
  readonly teams = new Map<string, StoredTeam>();
  readonly access = new Map<string, StoredTeamAccess>();
  /** Organization memberships: id → user. */
  readonly memberships = new Map<string, FakeTerraformUser & { id: string; userId: string }>();
  readonly workspaces = new Map<string, string>();
  /** Every request (method, path and query), for tests to see what was called. */
  readonly calls: string[] = [];
  private holds: Array<{ matches: (method: string, path: string) => boolean; reached: () => void; released: Promise<void> }> = [];
  private throttled = 0;
  private throttleReset = '0';
  private readonly maxPageSize: number;
  private server?: Server;
  private base = '';

  constructor(private readonly options: TerraformContractOptions) {
    this.maxPageSize = options.maxPageSize ?? 100;
    for (const user of options.users ?? []) this.addUser(user);
    for (const name of options.teams ?? []) this.addTeam(name);
    for (const name of options.workspaces ?? []) this.workspaces.set(name, hcpId('ws'));
  }

  /** The `address` to configure. */
  get address(): string {
    return this.base;
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

  addUser(user: FakeTerraformUser): string {
    const id = hcpId('ou');
    this.memberships.set(id, { ...user, id, userId: hcpId('user') });
    return id;
  }

  addTeam(name: string, visibility: 'secret' | 'organization' = 'organization'): StoredTeam {
    const team: StoredTeam = { id: hcpId('team'), name, visibility, members: new Set() };
    this.teams.set(team.id, team);
    return team;
  }

  teamNamed(name: string): StoredTeam | undefined {
    return [...this.teams.values()].find((t) => t.name === name);
  }

  membershipOf(email: string): string | undefined {
    return [...this.memberships.values()].find((m) => m.email.toLowerCase() === email.toLowerCase())?.id;
  }

  /** The e-mail addresses of a team's members (by team name). */
  membersOf(teamName: string): string[] {
    const team = this.teamNamed(teamName);
    return team ? [...team.members].map((id) => this.memberships.get(id)?.email ?? id).sort() : [];
  }

  /** The access level a team has on a workspace (by names), if any. */
  accessOf(teamName: string, workspaceName: string): string | undefined {
    const team = this.teamNamed(teamName);
    const workspaceId = this.workspaces.get(workspaceName);
    return [...this.access.values()].find((a) => a.teamId === team?.id && a.workspaceId === workspaceId)?.access;
  }

  /**
   * The next call matching `method` and `path` is carried out, but its answer is held until
   * `release()`: the change is made and the caller does not know yet (a crash there).
   */
  holdAnswer(method: string, path: RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ matches: (m, p) => m === method && path.test(p), reached, released });
    return { reached: reachedPromise, release };
  }

  /** The next `count` API calls answer 429 with this X-RateLimit-Reset (seconds). */
  throttle(count: number, resetSeconds = 0): void {
    this.throttled = count;
    this.throttleReset = String(resetSeconds);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const method = req.method ?? 'GET';
    this.calls.push(`${method} ${url.pathname}${url.search}`);
    let body = '';
    for await (const chunk of req) body += String(chunk);
    try {
      const answer = this.api(req, method, url, body);
      const hold = this.holds.find((h) => h.matches(method, url.pathname));
      if (hold) {
        this.holds = this.holds.filter((h) => h !== hold);
        hold.reached();
        await hold.released;
      }
      const status = answer.status ?? 200;
      if (answer.body === undefined) res.writeHead(status).end();
      else res.writeHead(status, { 'content-type': JSON_API }).end(JSON.stringify(answer.body));
    } catch (err) {
      const error = err instanceof ApiError ? err : jsonApiError(500, 'internal server error', String(err));
      res.writeHead(error.status, { 'content-type': JSON_API, ...error.headers }).end(JSON.stringify(error.body));
    }
  }

  private api(req: IncomingMessage, method: string, url: URL, body: string): { status?: number; body?: unknown } {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const owner = token === this.options.token;
    if (!owner && !(this.options.readOnlyToken !== undefined && token === this.options.readOnlyToken)) throw jsonApiError(401, 'unauthorized');
    if (this.throttled > 0) {
      this.throttled--;
      throw new ApiError(429, { errors: [{ status: '429', title: 'Too Many Requests', detail: "You have exceeded the API's rate limit." }] }, { 'x-ratelimit-limit': '30', 'x-ratelimit-reset': this.throttleReset });
    }
    if (method === 'POST' || method === 'PATCH' || (method === 'DELETE' && body !== '')) {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
      if (type !== JSON_API) throw jsonApiError(415, 'unsupported media type', `Content-Type must be ${JSON_API}`);
    }
    const json = () => {
      try {
        return JSON.parse(body) as { data?: unknown };
      } catch {
        throw jsonApiError(400, 'bad request', 'the request body is not valid JSON');
      }
    };
    const path = url.pathname.replace(/^\/api\/v2/, '');
    if (path === url.pathname) throw notFound();
    const org = this.options.organization;
    let m: RegExpExecArray | null;
    if ((m = /^\/organizations\/([^/]+)\/(organization-memberships|teams|workspaces)(?:\/([^/]+))?$/.exec(path))) {
      if (decodeURIComponent(m[1] as string) !== org) throw notFound('organization not found, or user unauthorized to perform action');
      const [, , kind, name] = m as unknown as [string, string, string, string | undefined];
      if (kind === 'organization-memberships' && method === 'GET' && name === undefined) return this.listMemberships(url);
      if (kind === 'teams' && name === undefined && method === 'GET') return this.listTeams(url);
      if (kind === 'teams' && name === undefined && method === 'POST') {
        if (!owner) throw notFound('organization not found, or user unauthorized to perform action');
        return this.createTeam(json());
      }
      if (kind === 'workspaces' && name !== undefined && method === 'GET') {
        const id = this.workspaces.get(decodeURIComponent(name));
        if (!id) throw notFound('workspace not found, or user unauthorized to perform action');
        return { body: { data: { id, type: 'workspaces', attributes: { name: decodeURIComponent(name) } } } };
      }
      throw notFound();
    }
    if ((m = /^\/teams\/([^/]+)$/.exec(path))) {
      const team = this.visibleTeam(m[1] as string);
      if (method === 'GET') return { body: { data: this.teamBody(team) } };
      if (method === 'DELETE') {
        if (!owner) throw notFound('team not found, or user unauthorized to perform action');
        this.teams.delete(team.id);
        for (const [id, a] of this.access) if (a.teamId === team.id) this.access.delete(id);
        return { status: 204 };
      }
      throw jsonApiError(405, 'method not allowed');
    }
    if ((m = /^\/teams\/([^/]+)\/relationships\/organization-memberships$/.exec(path)) && (method === 'POST' || method === 'DELETE')) {
      const team = this.visibleTeam(m[1] as string);
      if (!owner) throw notFound('team not found, or user unauthorized to perform action');
      const data = json().data;
      if (!Array.isArray(data) || data.some((d: { type?: unknown; id?: unknown }) => d?.type !== 'organization-memberships' || typeof d.id !== 'string')) {
        throw jsonApiError(422, 'invalid attribute', 'data must be an array of {type: organization-memberships, id}', '/data');
      }
      const ids = (data as Array<{ id: string }>).map((d) => d.id);
      for (const id of ids) {
        const membership = this.memberships.get(id);
        if (!membership) throw notFound(`organization membership ${id} not found`);
        if (method === 'POST' && membership.status === 'invited') throw jsonApiError(422, 'invalid attribute', `organization membership ${id} has not been accepted yet`, '/data');
      }
      for (const id of ids) {
        if (method === 'POST') team.members.add(id);
        else team.members.delete(id);
      }
      return { status: 204 };
    }
    if (path === '/team-workspaces' && method === 'GET') {
      const workspaceId = url.searchParams.get('filter[workspace][id]');
      if (!workspaceId) throw jsonApiError(422, 'invalid filter', 'filter[workspace][id] is required', '/filter/workspace/id');
      if (![...this.workspaces.values()].includes(workspaceId)) throw notFound('workspace not found, or user unauthorized to perform action');
      return this.page(url, [...this.access.values()].filter((a) => a.workspaceId === workspaceId).map((a) => this.accessBody(a)));
    }
    if (path === '/team-workspaces' && method === 'POST') return this.createAccess(json(), owner);
    if ((m = /^\/team-workspaces\/([^/]+)$/.exec(path))) {
      const found = this.access.get(m[1] as string);
      if (!found) throw notFound('team access not found, or user unauthorized to perform action');
      if (method === 'GET') return { body: { data: this.accessBody(found) } };
      if (method === 'DELETE') {
        if (!owner) throw notFound('team access not found, or user unauthorized to perform action');
        this.access.delete(found.id);
        return { status: 204 };
      }
    }
    throw notFound();
  }

  /** Secret teams are visible only to owners; everything else to every member. */
  private visibleTeam(id: string): StoredTeam {
    const team = this.teams.get(decodeURIComponent(id));
    if (!team) throw notFound('team not found, or user unauthorized to perform action');
    return team;
  }

  /** JSON:API paging: page[number] (from 1), page[size] (default 20, at most 100), links.next and meta.pagination. */
  private page(url: URL, all: unknown[]): { body: unknown } {
    const size = Math.min(this.maxPageSize, Math.max(1, Number(url.searchParams.get('page[size]') ?? '20') || 20));
    const number = Math.max(1, Number(url.searchParams.get('page[number]') ?? '1') || 1);
    const totalPages = Math.max(1, Math.ceil(all.length / size));
    const link = (n: number) => {
      const next = new URL(url.toString());
      next.searchParams.set('page[number]', String(n));
      next.searchParams.set('page[size]', String(size));
      return next.toString();
    };
    return {
      body: {
        data: all.slice((number - 1) * size, number * size),
        links: { self: link(number), first: link(1), prev: number > 1 ? link(number - 1) : null, next: number < totalPages ? link(number + 1) : null, last: link(totalPages) },
        meta: { pagination: { 'current-page': number, 'page-size': size, 'prev-page': number > 1 ? number - 1 : null, 'next-page': number < totalPages ? number + 1 : null, 'total-pages': totalPages, 'total-count': all.length } },
      },
    };
  }

  private listMemberships(url: URL): { body: unknown } {
    const emails = url.searchParams.get('filter[email]')?.split(',').map((e) => e.trim().toLowerCase());
    const found = [...this.memberships.values()].filter((m) => emails === undefined || emails.includes(m.email.toLowerCase()));
    return this.page(
      url,
      found.map((m) => ({
        id: m.id,
        type: 'organization-memberships',
        attributes: { status: m.status ?? 'active', email: m.email },
        relationships: {
          user: { data: { id: m.userId, type: 'users' } },
          organization: { data: { id: this.options.organization, type: 'organizations' } },
          teams: { data: [...this.teams.values()].filter((t) => t.members.has(m.id)).map((t) => ({ id: t.id, type: 'teams' })) },
        },
      })),
    );
  }

  private listTeams(url: URL): { body: unknown } {
    const names = url.searchParams.get('filter[names]')?.split(',');
    const q = url.searchParams.get('q')?.toLowerCase();
    const found = [...this.teams.values()].filter((t) => (names === undefined || names.includes(t.name)) && (q === undefined || t.name.toLowerCase().includes(q)));
    return this.page(url, found.map((t) => this.teamBody(t)));
  }

  private teamBody(team: StoredTeam): unknown {
    const members = [...team.members];
    return {
      id: team.id,
      type: 'teams',
      attributes: {
        name: team.name,
        'users-count': members.length,
        visibility: team.visibility,
        'organization-access': { 'manage-workspaces': false, 'manage-policies': false, 'manage-vcs-settings': false, 'manage-membership': false },
      },
      relationships: {
        users: { data: members.map((id) => ({ id: this.memberships.get(id)?.userId, type: 'users' })) },
        'organization-memberships': { data: members.map((id) => ({ id, type: 'organization-memberships' })) },
      },
      links: { self: `/api/v2/teams/${team.id}` },
    };
  }

  private createTeam(body: { data?: unknown }): { status: number; body: unknown } {
    const data = body.data as { type?: unknown; attributes?: { name?: unknown; visibility?: unknown } } | undefined;
    if (data?.type !== 'teams') throw jsonApiError(422, 'invalid attribute', 'data.type must be teams', '/data/type');
    const name = data.attributes?.name;
    if (typeof name !== 'string' || name === '') throw jsonApiError(422, 'invalid attribute', "Name can't be blank", '/data/attributes/name');
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw jsonApiError(422, 'invalid attribute', 'Name can only contain letters, numbers, dashes and underscores', '/data/attributes/name');
    if ([...this.teams.values()].some((t) => t.name.toLowerCase() === name.toLowerCase())) throw jsonApiError(422, 'invalid attribute', 'Name has already been taken', '/data/attributes/name');
    const visibility = data.attributes?.visibility ?? 'secret';
    if (visibility !== 'secret' && visibility !== 'organization') throw jsonApiError(422, 'invalid attribute', 'Visibility is not included in the list', '/data/attributes/visibility');
    const team = this.addTeam(name, visibility);
    return { status: 201, body: { data: this.teamBody(team) } };
  }

  private accessBody(a: StoredTeamAccess): unknown {
    return {
      id: a.id,
      type: 'team-workspaces',
      attributes: { access: a.access },
      relationships: { team: { data: { id: a.teamId, type: 'teams' } }, workspace: { data: { id: a.workspaceId, type: 'workspaces' } } },
      links: { self: `/api/v2/team-workspaces/${a.id}` },
    };
  }

  private createAccess(body: { data?: unknown }, owner: boolean): { status: number; body: unknown } {
    const data = body.data as { attributes?: { access?: unknown }; relationships?: { team?: { data?: { id?: unknown } }; workspace?: { data?: { id?: unknown } } } } | undefined;
    const access = data?.attributes?.access;
    if (typeof access !== 'string' || !ACCESS_LEVELS.includes(access)) throw jsonApiError(422, 'invalid attribute', 'Access is not included in the list', '/data/attributes/access');
    const teamId = data?.relationships?.team?.data?.id;
    const workspaceId = data?.relationships?.workspace?.data?.id;
    if (typeof teamId !== 'string' || !this.teams.has(teamId)) throw notFound('team not found, or user unauthorized to perform action');
    if (typeof workspaceId !== 'string' || ![...this.workspaces.values()].includes(workspaceId)) throw notFound('workspace not found, or user unauthorized to perform action');
    if (!owner) throw notFound('workspace not found, or user unauthorized to perform action');
    if ([...this.access.values()].some((a) => a.teamId === teamId && a.workspaceId === workspaceId)) throw jsonApiError(422, 'invalid attribute', 'Team has already been taken', '/data/relationships/team');
    const stored: StoredTeamAccess = { id: hcpId('tws'), teamId, workspaceId, access };
    this.access.set(stored.id, stored);
    return { status: 200, body: { data: this.accessBody(stored) } };
  }
}
