// The `terraform` access provider (HCP Terraform / Terraform Enterprise): a lease is team
// membership (`inherits: [terraform:team/<name>]`) and/or workspace access through a team Lease
// makes for the request (`resources.allow: [terraform:workspace/<name>]` at the level in
// `permissions.allow`). See README.md.
import { callRest, collectPages, TargetRefused, type RestClientOptions, type RestRequest, type RetryOptions } from '../cloud/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, GrantRole, ProviderFactory, ProviderInstance } from '../provider.js';
import type { Identity } from '../../core/index.js';
import { terraformConfigSchema, type TerraformConfig } from './config.js';
import { holdTeamName, parseLeaseTeamName, workspaceTeamName, type HoldKind } from './naming.js';

const JSON_API = 'application/vnd.api+json';
/** Workspace access levels, weakest first; a role naming several gets the strongest. */
export const ACCESS_LEVELS = ['read', 'plan', 'write', 'admin'] as const;
export type AccessLevel = (typeof ACCESS_LEVELS)[number];
const PAGE_SIZE = '100';

/** One team membership a grant holds. */
export interface TeamHold {
  teamId: string;
  teamName: string;
  /** The marker team recording the hold (naming.ts). */
  markerId: string;
  /** The user was a member before any lease: the membership stays after revoke. */
  kept: boolean;
}

export interface TerraformGrantData {
  /** The user's organization membership (`ou-…`). */
  membershipId?: string;
  teams: TeamHold[];
  /** The request's own team holding its workspace access. */
  workspaceTeam?: { teamId: string; access?: AccessLevel; workspaces?: string[] };
}

interface Resource<A> {
  id: string;
  type: string;
  attributes: A;
  relationships?: Record<string, { data?: Array<{ id: string; type: string }> | { id: string; type: string } | null }>;
}
type Team = Resource<{ name: string; visibility?: string }>;
type Membership = Resource<{ status: string; email: string }>;
interface ListPage<T> {
  data: T[];
  links?: { next?: string | null };
}

export interface TerraformProviderOptions {
  retry?: RetryOptions;
}

const membersOf = (team: Team): string[] => {
  const data = team.relationships?.['organization-memberships']?.data;
  return Array.isArray(data) ? data.map((d) => d.id) : [];
};

export class TerraformAccessProvider implements AccessProvider {
  readonly type = 'terraform';
  private readonly api: RestClientOptions;
  private readonly org: string;
  private readonly target: string;

  constructor(
    readonly id: string,
    private readonly config: TerraformConfig,
    options: TerraformProviderOptions = {},
  ) {
    this.target = `terraform provider "${id}"`;
    this.org = encodeURIComponent(config.organization);
    this.api = { baseUrl: `${config.address}/api/v2`, token: async () => config.token, target: this.target, ...(options.retry ? { retry: options.retry } : {}) };
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const wanted = this.wantedOf(input.role);
    const membership = await this.membershipOf(input.identity);
    const teams: TeamHold[] = [];
    for (const name of wanted.teams) teams.push(await this.joinTeam(input.requestId, await this.teamNamed(name), membership));
    const data: TerraformGrantData = { membershipId: membership, teams };
    if (wanted.workspaces.length > 0 && wanted.access) {
      const workspaceIds: string[] = [];
      for (const name of wanted.workspaces) workspaceIds.push(await this.workspaceId(name));
      const team = await this.ensureTeam(workspaceTeamName(input.requestId));
      await this.addMember(team.id, membership);
      for (const workspaceId of workspaceIds) await this.ensureAccess(team.id, workspaceId, wanted.access);
      data.workspaceTeam = { teamId: team.id, access: wanted.access, workspaces: wanted.workspaces };
    }
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    const data = record.data as Partial<TerraformGrantData>;
    // What the record names (a marker an admin deleted by hand still ends its membership)...
    for (const hold of Array.isArray(data.teams) ? data.teams : []) await this.leaveTeam(record.requestId, hold.teamId, { membershipId: data.membershipId, kept: hold.kept });
    if (typeof data.workspaceTeam?.teamId === 'string') await this.deleteTeam(data.workspaceTeam.teamId);
    // ...then whatever else carries the request id (an empty record: a crash before Lease stored it).
    for (const team of await this.leaseTeams(`lease-${record.requestId}`)) {
      const parsed = parseLeaseTeamName(team.attributes.name);
      if (parsed?.requestId !== record.requestId) continue;
      if (parsed.hold) await this.leaveTeam(record.requestId, parsed.hold.teamId, {});
      else await this.deleteTeam(team.id);
    }
  }

  /**
   * Requests whose Lease-made teams are all in place: the workspace team has its member, and
   * each marker's user is (still) a member of the team it holds. A request with a part missing
   * (removed by hand) is left out, so the reconciler reports it missing and grants it again.
   */
  async listActive(): Promise<ActiveGrant[]> {
    const grants = new Map<string, { data: TerraformGrantData; complete: boolean }>();
    const targets = new Map<string, string[] | undefined>();
    for (const team of await this.leaseTeams('lease-')) {
      const parsed = parseLeaseTeamName(team.attributes.name);
      if (!parsed) continue;
      const grant = grants.get(parsed.requestId) ?? { data: { teams: [] }, complete: true };
      grants.set(parsed.requestId, grant);
      const members = membersOf(team);
      if (members.length === 0) grant.complete = false;
      else grant.data.membershipId ??= members[0];
      if (!parsed.hold) {
        grant.data.workspaceTeam = { teamId: team.id };
        continue;
      }
      const { teamId, kind } = parsed.hold;
      if (!targets.has(teamId)) targets.set(teamId, await this.teamMembers(teamId));
      const targetMembers = targets.get(teamId);
      if (!targetMembers || !members.every((m) => targetMembers.includes(m))) grant.complete = false;
      grant.data.teams.push({ teamId, teamName: teamId, markerId: team.id, kept: kind === 'kept' });
    }
    return [...grants].filter(([, g]) => g.complete).map(([requestId, g]) => ({ provider: this.id, requestId, data: { ...g.data } }));
  }

  // ---- what the role asks for

  /** `inherits: [terraform:team/<name>]`; `resources.allow: [terraform:workspace/<name>]` at the level in `permissions.allow`. */
  private wantedOf(role: GrantRole): { teams: string[]; workspaces: string[]; access?: AccessLevel } {
    const prefixes = ['terraform:', `${this.id}:`];
    const strip = (entry: string) => {
      const prefix = prefixes.find((p) => entry.startsWith(p));
      return prefix ? entry.slice(prefix.length) : undefined;
    };
    const named = (list: string[], kind: string) => list.flatMap((entry) => {
      const rest = strip(entry);
      return rest?.startsWith(`${kind}/`) ? [rest.slice(kind.length + 1)] : [];
    });
    const refused = (why: string) => new TargetRefused('target_refused', `${this.target}: role "${role.id}" ${why}`);
    const teams = [...new Set(named(role.nativeRoles, 'team'))];
    const odd = role.nativeRoles.filter((entry) => strip(entry) !== undefined && !strip(entry)?.startsWith('team/'));
    if (odd.length > 0) throw refused(`inherits ${odd.join(', ')}: expected terraform:team/<team name>`);
    const denied = new Set(named(role.resources.deny, 'workspace'));
    const workspaces = [...new Set(named(role.resources.allow, 'workspace'))].filter((w) => !denied.has(w));
    for (const name of [...teams, ...workspaces]) {
      if (!/^[A-Za-z0-9_-]+$/.test(name)) throw refused(`names "${name}": team and workspace names are letters, digits, - and _ (no wildcards)`);
    }
    if (teams.some((t) => parseLeaseTeamName(t))) throw refused('inherits a team Lease makes itself (lease-<request id>…)');
    const levels = role.permissions.allow.map((p) => strip(p) ?? p).filter((p): p is AccessLevel => (ACCESS_LEVELS as readonly string[]).includes(p));
    const access = levels.sort((a, b) => ACCESS_LEVELS.indexOf(b) - ACCESS_LEVELS.indexOf(a))[0];
    if (workspaces.length > 0 && access === undefined) throw refused(`names workspaces (${workspaces.join(', ')}) but no access level: add permissions: { allow: [read|plan|write|admin] }`);
    if (teams.length === 0 && workspaces.length === 0) throw refused('names no team or workspace: add inherits: [terraform:team/<name>] or resources: { allow: [terraform:workspace/<name>] }');
    return { teams, workspaces, ...(access ? { access } : {}) };
  }

  // ---- lookups

  /** The requester's organization membership, by the e-mail their identity provider verified. */
  private async membershipOf(identity: Identity): Promise<string> {
    const email = identity.email_verified === true ? identity.email : undefined;
    if (email === undefined || !email.includes('@')) throw new TargetRefused('target_not_found', `${this.target}: ${identity.id} has no verified e-mail address to find their organization membership by`);
    const found = await this.list<Membership>({ path: `/organizations/${this.org}/organization-memberships`, query: { 'filter[email]': email } });
    const membership = found.find((m) => m.attributes.email.toLowerCase() === email.toLowerCase());
    if (!membership) throw new TargetRefused('target_not_found', `${this.target}: ${email} is not a member of organization ${this.config.organization} (invite them first)`);
    if (membership.attributes.status !== 'active') throw new TargetRefused('target_refused', `${this.target}: ${email} has not accepted the invitation to organization ${this.config.organization} yet (membership status ${membership.attributes.status})`);
    return membership.id;
  }

  private async teamNamed(name: string): Promise<Team> {
    const found = (await this.list<Team>({ path: `/organizations/${this.org}/teams`, query: { 'filter[names]': name } })).find((t) => t.attributes.name === name);
    if (!found) throw new TargetRefused('target_not_found', `${this.target}: no team named "${name}" in organization ${this.config.organization} (or the token may not see it)`);
    return found;
  }

  private async workspaceId(name: string): Promise<string> {
    try {
      return (await callRest<{ data: { id: string } }>(this.api, this.request({ path: `/organizations/${this.org}/workspaces/${encodeURIComponent(name)}` }))).body.data.id;
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_not_found') throw new TargetRefused('target_not_found', `${this.target}: no workspace named "${name}" in organization ${this.config.organization} (or the token may not see it)`, { cause: err });
      throw err;
    }
  }

  /** Lease-made teams whose names contain `search` (every page). */
  private leaseTeams(search: string): Promise<Team[]> {
    return this.list<Team>({ path: `/organizations/${this.org}/teams`, query: { q: search } });
  }

  /** A team's members (organization membership ids), or undefined when the team is gone. */
  private async teamMembers(teamId: string): Promise<string[] | undefined> {
    try {
      return membersOf((await callRest<{ data: Team }>(this.api, this.request({ path: `/teams/${encodeURIComponent(teamId)}` }))).body.data);
    } catch (err) {
      return ignoreNotFound(err);
    }
  }

  // ---- team membership, reference-counted by marker teams (naming.ts)

  /**
   * Makes the user a member of `team` for this request. The marker is made before the
   * membership, so a crash in between leaves something revoke finds by the request id; a user
   * who was a member before any lease gets a `kept` marker, and their membership is never removed.
   */
  private async joinTeam(requestId: string, team: Team, membershipId: string): Promise<TeamHold> {
    const markers = await this.markersFor(team.id);
    let mine = markers.find((m) => m.requestId === requestId);
    if (!mine) {
      const others = markers.filter((m) => m.members.includes(membershipId));
      const member = membersOf(team).includes(membershipId);
      // Standing membership: a member now, and no other lease holds it as one Lease added.
      const kind: HoldKind = member && (others.length === 0 || others.some((o) => o.kind === 'kept')) ? 'kept' : 'hold';
      const marker = await this.ensureTeam(holdTeamName(requestId, kind, team.id));
      mine = { id: marker.id, requestId, kind: parseLeaseTeamName(marker.attributes.name)?.hold?.kind ?? kind, members: membersOf(marker) };
    }
    await this.addMember(mine.id, membershipId);
    if (mine.kind === 'hold') await this.addMember(team.id, membershipId);
    return { teamId: team.id, teamName: team.attributes.name, markerId: mine.id, kept: mine.kind === 'kept' };
  }

  /**
   * Ends this request's hold on `teamId`: the last `hold` of that user removes their
   * membership, then the marker goes. A concurrent grant that joined while the membership was
   * being removed is put back.
   */
  private async leaveTeam(requestId: string, teamId: string, known: { membershipId?: string | undefined; kept?: boolean }): Promise<void> {
    const markers = await this.markersFor(teamId);
    const mine = markers.filter((m) => m.requestId === requestId);
    const membershipId = known.membershipId ?? mine.flatMap((m) => m.members)[0];
    const kept = known.kept ?? mine.some((m) => m.kind === 'kept');
    if (membershipId !== undefined && !kept) {
      const othersHold = (list: typeof markers) => list.some((m) => m.requestId !== requestId && m.members.includes(membershipId));
      if (!othersHold(markers)) {
        await this.removeMember(teamId, membershipId);
        const after = await this.markersFor(teamId);
        if (after.some((m) => m.requestId !== requestId && m.kind === 'hold' && m.members.includes(membershipId))) await this.addMember(teamId, membershipId).catch(ignoreNotFound);
      }
    }
    for (const marker of mine) await this.deleteTeam(marker.id);
  }

  private async markersFor(teamId: string): Promise<Array<{ id: string; requestId: string; kind: HoldKind; members: string[] }>> {
    return (await this.leaseTeams(teamId)).flatMap((team) => {
      const parsed = parseLeaseTeamName(team.attributes.name);
      return parsed?.hold?.teamId === teamId ? [{ id: team.id, requestId: parsed.requestId, kind: parsed.hold.kind, members: membersOf(team) }] : [];
    });
  }

  // ---- teams and access

  /** The team of that name, made secret and with no organization access if it does not exist. */
  private async ensureTeam(name: string): Promise<Team> {
    const existing = (await this.list<Team>({ path: `/organizations/${this.org}/teams`, query: { 'filter[names]': name } })).find((t) => t.attributes.name === name);
    if (existing) return existing;
    try {
      return (await callRest<{ data: Team }>(this.api, this.request({ method: 'POST', path: `/organizations/${this.org}/teams`, body: { data: { type: 'teams', attributes: { name, visibility: 'secret' } } } }))).body.data;
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_not_found') throw this.cannotManageTeams(err);
      // 422 "Name has already been taken": a concurrent run made it; use that one.
      if (err instanceof TargetRefused && /already been taken/.test(err.message)) {
        const made = (await this.list<Team>({ path: `/organizations/${this.org}/teams`, query: { 'filter[names]': name } })).find((t) => t.attributes.name === name);
        if (made) return made;
      }
      throw err;
    }
  }

  private cannotManageTeams(cause: TargetRefused): TargetRefused {
    return new TargetRefused('target_permission_denied', `${this.target}: the token may not manage teams in organization ${this.config.organization}: it needs to be an organization token, the owners team's token or an owner's user token (${cause.message})`, { missingPermission: 'manage teams (organization owners)', cause });
  }

  private async addMember(teamId: string, membershipId: string): Promise<void> {
    try {
      await callRest(this.api, this.request({ method: 'POST', path: `/teams/${encodeURIComponent(teamId)}/relationships/organization-memberships`, body: { data: [{ type: 'organization-memberships', id: membershipId }] } }));
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_not_found') throw this.cannotManageTeams(err);
      throw err;
    }
  }

  /** Removing a member who is gone, from a team that is gone, succeeds. */
  private async removeMember(teamId: string, membershipId: string): Promise<void> {
    await callRest(this.api, this.request({ method: 'DELETE', path: `/teams/${encodeURIComponent(teamId)}/relationships/organization-memberships`, body: { data: [{ type: 'organization-memberships', id: membershipId }] } })).catch(ignoreNotFound);
  }

  private async deleteTeam(teamId: string): Promise<void> {
    await callRest(this.api, this.request({ method: 'DELETE', path: `/teams/${encodeURIComponent(teamId)}` })).catch(ignoreNotFound);
  }

  private async ensureAccess(teamId: string, workspaceId: string, access: AccessLevel): Promise<void> {
    const existing = await this.list<Resource<{ access: string }>>({ path: '/team-workspaces', query: { 'filter[workspace][id]': workspaceId } });
    if (existing.some((a) => (a.relationships?.team?.data as { id?: string } | undefined)?.id === teamId)) return;
    try {
      await callRest(this.api, this.request({
        method: 'POST',
        path: '/team-workspaces',
        body: { data: { type: 'team-workspaces', attributes: { access }, relationships: { workspace: { data: { type: 'workspaces', id: workspaceId } }, team: { data: { type: 'teams', id: teamId } } } } },
      }));
    } catch (err) {
      if (err instanceof TargetRefused && /already been taken/.test(err.message)) return; // a concurrent run gave it
      if (err instanceof TargetRefused && err.code === 'target_not_found') throw this.cannotManageTeams(err);
      throw err;
    }
  }

  // ---- HTTP

  private request(request: RestRequest): RestRequest {
    return { ...request, headers: { accept: JSON_API, ...(request.body !== undefined ? { 'content-type': JSON_API } : {}), ...request.headers } };
  }

  private list<T>(first: RestRequest): Promise<T[]> {
    return collectPages<ListPage<T>, T>(
      this.request({ ...first, query: { 'page[size]': PAGE_SIZE, ...first.query } }),
      this.api,
      (page) => page.data ?? [],
      (page) => (page.links?.next ? this.request({ path: page.links.next }) : undefined),
    );
  }
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof TargetRefused && err.code === 'target_not_found') return undefined;
  throw err;
}

export const terraformProviderFactory: ProviderFactory<TerraformConfig> = {
  type: 'terraform',
  capabilities: ['access'],
  configSchema: terraformConfigSchema,
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'terraform', name, enabled, capabilities: ['access'], access: new TerraformAccessProvider(id, config) };
  },
};
