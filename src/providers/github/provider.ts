// The `github` access provider: a lease is a team membership (`inherits: [github:team/<slug>]`)
// or a repository permission (`resources.allow: [github:repo/<owner>/<repo>]`, the permission
// from `permissions.allow`) for the requester's GitHub login. GitHub has no expiry and no labels
// on either, so what each seat (user × team, user × repository) was before Lease's first lease
// and which requests hold it live in a ledger of Lease's own (../cloud/membership-ledger.ts),
// written before GitHub is changed. Revoke restores exactly what was there before once the last
// lease holding the seat ends. See README.md.
import { join, resolve } from 'node:path';
import { MembershipLedger, TargetRefused, type LedgerBook, type LedgerSeat, type RetryOptions } from '../cloud/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, GrantRole, NativeRole, NativeRoleQuery, EngineIssue, ProviderDeps, ProviderFactory, ProviderInstance } from '../provider.js';
import type { Identity } from '../../core/index.js';
import { githubConfigSchema, hasGithubCredential, LOGIN, type GithubConfig } from './config.js';
import { githubApi, type GithubApi } from './github-api.js';

/** Repository permissions from least to most (GitHub's `permission` values for PUT collaborators). */
export const REPO_PERMISSIONS = ['pull', 'triage', 'push', 'maintain', 'admin'] as const;
const TEAM_ROLES = ['member', 'maintainer'] as const;
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

type SeatKind = 'team' | 'repo';
/** What a seat is: `level` is a team role or a repository permission; null = nothing. */
type Level = string | null;
type Seat = LedgerSeat<string>;

/** One seat a grant holds, in the grant record. */
export interface SeatRef {
  key: string;
  kind: SeatKind;
  /** The organization (team) or repository owner. */
  owner: string;
  /** The team slug or repository name. */
  name: string;
  want: string;
  /** What it was before Lease's first lease on it (null: nothing). */
  prior: Level;
}

export interface GithubGrantData {
  login: string;
  seats: SeatRef[];
}

interface Wanted {
  kind: SeatKind;
  owner: string;
  name: string;
  want: string;
}

export interface GithubProviderOptions {
  retry?: RetryOptions;
  now?: () => number;
}

export class GithubAccessProvider implements AccessProvider {
  readonly type = 'github';
  private readonly api: GithubApi;
  private readonly ledger: MembershipLedger<string>;

  constructor(
    readonly id: string,
    private readonly config: GithubConfig,
    deps: Pick<ProviderDeps, 'dataDir' | 'configDir'>,
    options: GithubProviderOptions = {},
  ) {
    this.api = githubApi(id, config, { configDir: deps.configDir, now: options.now ?? Date.now, ...(options.retry ? { retry: options.retry } : {}) });
    const file = config.ledger_file !== undefined ? resolve(deps.configDir, config.ledger_file) : join(deps.dataDir, 'github', `${id}.ledger.json`);
    this.ledger = new MembershipLedger<string>(file);
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const wanted = this.wantedOf(input.role);
    const login = await this.loginOf(input.identity);
    // Everything named must exist before anything is written: a refusal leaves nothing behind.
    for (const w of wanted) await this.checkExists(w);
    const seats = await this.ledger.transaction(async (book) => {
      const refs: SeatRef[] = [];
      for (const w of wanted) {
        const key = seatKey(w, login);
        let seat = book.seats[key];
        if (seat === undefined) {
          seat = { prior: await this.levelOf(w.kind, w.owner, w.name, login), holders: {}, target: { kind: w.kind, owner: w.owner, name: w.name, login } };
          book.seats[key] = seat;
        }
        seat.holders[input.requestId] ??= { want: w.want, expiresAt: input.expiresAt };
        // The intent (prior state and this holder) is durable before GitHub changes.
        await book.save();
        await this.apply(seat);
        refs.push({ key, kind: w.kind, owner: w.owner, name: w.name, want: seat.holders[input.requestId]!.want, prior: seat.prior });
      }
      return refs;
    });
    const data: GithubGrantData = { login, seats };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    await this.ledger.transaction(async (book) => {
      const held = Object.entries(book.seats).filter(([, seat]) => seat.holders[record.requestId] !== undefined);
      if (held.length === 0) {
        // The ledger knows nothing of this request (lost, or never written): restore from the
        // record what no other lease holds.
        for (const ref of seatsOf(record.data)) {
          if (book.seats[ref.key] !== undefined) continue;
          const login = (record.data as Partial<GithubGrantData>).login!;
          await this.apply({ prior: ref.prior, holders: {}, target: { kind: ref.kind, owner: ref.owner, name: ref.name, login } });
        }
      }
      for (const [key, seat] of held) {
        delete seat.holders[record.requestId];
        await book.save();
        await this.settle(book, key, seat);
      }
      // A seat left without holders by a crash between a revoke's save and its restore.
      for (const [key, seat] of Object.entries(book.seats)) if (Object.keys(seat.holders).length === 0) await this.settle(book, key, seat);
    });
  }

  async listActive(): Promise<ActiveGrant[]> {
    const seats = await this.ledger.read();
    const grants = new Map<string, { login: string; seats: SeatRef[]; verified: boolean }>();
    for (const [key, seat] of Object.entries(seats)) {
      const holders = Object.entries(seat.holders);
      if (holders.length === 0) continue;
      const t = seat.target as { kind: SeatKind; owner: string; name: string; login: string };
      let current: Level;
      try {
        current = await this.levelOf(t.kind, t.owner, t.name, t.login);
      } catch (err) {
        // A team or repository deleted on GitHub: nothing is held there any more.
        if (err instanceof TargetRefused && err.code === 'target_not_found') current = null;
        else throw err;
      }
      for (const [requestId, holder] of holders) {
        const grant = grants.get(requestId) ?? { login: t.login, seats: [], verified: true };
        grant.seats.push({ key, kind: t.kind, owner: t.owner, name: t.name, want: holder.want, prior: seat.prior });
        // Verified against GitHub: the user has at least what the lease asked for.
        if (rank(t.kind, current) < rank(t.kind, holder.want)) grant.verified = false;
        grants.set(requestId, grant);
      }
    }
    return [...grants]
      .filter(([, g]) => g.verified)
      .map(([requestId, g]) => ({ provider: this.id, requestId, data: { login: g.login, seats: g.seats } satisfies GithubGrantData }));
  }

  /** The organization's teams, as `inherits: [github:team/<slug>]` names them. */
  async listNativeRoles(query: NativeRoleQuery = {}): Promise<NativeRole[]> {
    if (this.config.organization === undefined) return [];
    const teams = await this.api.all<{ slug: string; name: string; description?: string | null }>({ path: `/orgs/${this.config.organization}/teams` });
    const all = teams.map((t) => ({ id: `team/${t.slug}`, name: t.name, ...(t.description ? { description: t.description } : {}) }));
    const search = query.search?.toLowerCase();
    const matching = search ? all.filter((r) => [r.id, r.name, r.description ?? ''].some((text) => text.toLowerCase().includes(search))) : all;
    return matching.sort((a, b) => a.id.localeCompare(b.id)).slice(0, query.limit ?? 100);
  }

  // ---- what the role asks for

  /** Teams from `inherits`, repositories from `resources.allow` (minus `deny`) with the highest permission in `permissions.allow`. */
  private wantedOf(role: GrantRole): Wanted[] {
    const prefixes = ['github:', `${this.id}:`];
    const strip = (entry: string) => {
      const prefix = prefixes.find((p) => entry.startsWith(p));
      return prefix ? entry.slice(prefix.length) : undefined;
    };
    const refuse = (message: string) => new TargetRefused('target_refused', `github provider "${this.id}": role "${role.id}" ${message}`);
    const wanted: Wanted[] = [];
    for (const entry of role.nativeRoles) {
      const ref = strip(entry);
      if (ref === undefined) continue;
      const slug = /^team\/(.+)$/.exec(ref)?.[1];
      if (slug === undefined || !NAME.test(slug)) throw refuse(`names ${entry}; expected github:team/<team slug>`);
      if (this.config.organization === undefined) throw refuse(`names team ${slug} but the provider has no organization configured`);
      wanted.push({ kind: 'team', owner: this.config.organization, name: slug.toLowerCase(), want: 'member' });
    }
    const denied = new Set(role.resources.deny.map((r) => strip(r)?.toLowerCase()).filter((r) => r !== undefined));
    const repos = role.resources.allow.map(strip).filter((r): r is string => r !== undefined && !denied.has(r.toLowerCase()));
    if (repos.length > 0) {
      const permissions = role.permissions.allow.map((p) => strip(p) ?? p).filter((p): p is (typeof REPO_PERMISSIONS)[number] => (REPO_PERMISSIONS as readonly string[]).includes(p));
      const want = permissions.sort((a, b) => rank('repo', b) - rank('repo', a))[0] ?? 'pull';
      for (const ref of repos) {
        const match = /^repo\/([^/]+)\/([^/]+)$/.exec(ref);
        if (!match || !LOGIN.test(match[1]!) || !NAME.test(match[2]!) || match[2] === '.' || match[2] === '..') throw refuse(`names ${ref}; expected github:repo/<owner>/<repository>`);
        wanted.push({ kind: 'repo', owner: match[1]!.toLowerCase(), name: match[2]!.toLowerCase(), want });
      }
    }
    if (wanted.length === 0) throw refuse('names no GitHub team or repository; add inherits: [github:team/<slug>] or resources.allow: [github:repo/<owner>/<repository>]');
    return [...new Map(wanted.map((w) => [`${w.kind}:${w.owner}/${w.name}`, w])).values()];
  }

  /**
   * The requester's GitHub login: the `accounts` map by verified e-mail, else the one GitHub
   * user whose public e-mail it is. The identity's own id is never taken as a login: a name at
   * the identity provider says nothing about who owns that name on GitHub.
   */
  private async loginOf(identity: Identity): Promise<string> {
    const email = identity.email_verified === true ? identity.email?.toLowerCase() : undefined;
    if (email === undefined || !email.includes('@')) throw new TargetRefused('target_not_found', `github provider "${this.id}": ${identity.id} has no verified e-mail address to find their GitHub login by`);
    const mapped = Object.entries(this.config.accounts).find(([address]) => address.toLowerCase() === email)?.[1];
    let login = mapped;
    if (login === undefined) {
      const found = await this.api.call<{ items?: Array<{ login: string; type?: string }> }>({ path: '/search/users', query: { q: `${email} in:email type:user` } });
      const users = (found.body.items ?? []).filter((u) => u.type === undefined || u.type === 'User');
      if (users.length !== 1) {
        throw new TargetRefused('target_not_found', `github provider "${this.id}": ${users.length === 0 ? 'no GitHub user shows' : 'several GitHub users show'} the e-mail ${email}; map it in the provider's accounts: {${email}: <login>}`);
      }
      login = users[0]!.login;
    }
    try {
      return (await this.api.call<{ login: string }>({ path: `/users/${encodeURIComponent(login)}` })).body.login;
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_not_found') throw new TargetRefused('target_not_found', `github provider "${this.id}": no GitHub user ${login} (for ${email})`);
      throw err;
    }
  }

  private async checkExists(w: Wanted): Promise<void> {
    const path = w.kind === 'team' ? `/orgs/${w.owner}/teams/${w.name}` : `/repos/${w.owner}/${w.name}`;
    try {
      await this.api.call({ path });
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_not_found') {
        throw new TargetRefused('target_not_found', `github provider "${this.id}": ${w.kind === 'team' ? `team ${w.name} of organization ${w.owner}` : `repository ${w.owner}/${w.name}`} does not exist, or the token cannot see it`);
      }
      throw err;
    }
  }

  // ---- seats on GitHub

  /** What the user has on the seat now: their team role, or their direct repository permission. */
  private async levelOf(kind: SeatKind, owner: string, name: string, login: string): Promise<Level> {
    if (kind === 'team') {
      try {
        return (await this.api.call<{ role: string }>({ path: `/orgs/${owner}/teams/${name}/memberships/${login}` })).body.role;
      } catch (err) {
        if (err instanceof TargetRefused && err.code === 'target_not_found') {
          await this.api.call({ path: `/orgs/${owner}/teams/${name}` }); // the team itself gone: target_not_found
          return null;
        }
        throw err;
      }
    }
    // Direct collaborators only: access through teams or the organization's base permission is not Lease's to change.
    const direct = await this.api.all<{ login: string; role_name?: string }>({ path: `/repos/${owner}/${name}/collaborators`, query: { affiliation: 'direct' } });
    const me = direct.find((c) => c.login.toLowerCase() === login.toLowerCase());
    if (me === undefined) return null;
    const role = me.role_name ?? (await this.api.call<{ role_name: string }>({ path: `/repos/${owner}/${name}/collaborators/${login}/permission` })).body.role_name;
    return role === 'read' ? 'pull' : role === 'write' ? 'push' : role;
  }

  /** Makes GitHub show what the seat should be now: the highest of its prior state and its holders' wants. */
  private async apply(seat: Seat): Promise<void> {
    const t = seat.target as { kind: SeatKind; owner: string; name: string; login: string };
    const wants = Object.values(seat.holders).map((h) => h.want);
    const desired = wants.length === 0 ? seat.prior : [seat.prior, ...wants].reduce((a, b) => (rank(t.kind, b) > rank(t.kind, a) ? b : a));
    const current = await this.levelOf(t.kind, t.owner, t.name, t.login).catch((err: unknown) => {
      // Restoring on a team or repository that is gone: nothing to restore.
      if (wants.length === 0 && err instanceof TargetRefused && err.code === 'target_not_found') return undefined;
      throw err;
    });
    if (current === undefined || current === desired) return;
    const path = t.kind === 'team' ? `/orgs/${t.owner}/teams/${t.name}/memberships/${t.login}` : `/repos/${t.owner}/${t.name}/collaborators/${t.login}`;
    if (desired === null) {
      await this.api.call({ method: 'DELETE', path }).catch(ignoreNotFound);
      return;
    }
    await this.api.call({ method: 'PUT', path, body: t.kind === 'team' ? { role: desired } : { permission: desired } });
  }

  /** After a holder left: what is left holds the seat; no one left restores the prior state and forgets the seat. */
  private async settle(book: LedgerBook<string>, key: string, seat: Seat): Promise<void> {
    await this.apply(seat);
    if (Object.keys(seat.holders).length === 0) {
      delete book.seats[key];
      await book.save();
    }
  }
}

function seatKey(w: { kind: SeatKind; owner: string; name: string }, login: string): string {
  return `${w.kind}:${w.owner}/${w.name}#${login}`.toLowerCase();
}

/** Higher is more access; nothing is 0; a custom repository role ranks as read. */
function rank(kind: SeatKind, level: Level): number {
  if (level === null) return 0;
  const ladder: readonly string[] = kind === 'team' ? TEAM_ROLES : REPO_PERMISSIONS;
  const index = ladder.indexOf(level);
  return index === -1 ? 1 : index + 1;
}

function seatsOf(data: Record<string, unknown>): SeatRef[] {
  const d = data as Partial<GithubGrantData>;
  return typeof d.login === 'string' && Array.isArray(d.seats) ? d.seats : [];
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof TargetRefused && err.code === 'target_not_found') return undefined;
  throw err;
}

export const githubProviderFactory: ProviderFactory<GithubConfig> = {
  type: 'github',
  capabilities: ['access'],
  configSchema: githubConfigSchema,
  configWarnings(config) {
    const warnings: EngineIssue[] = [];
    if (config.scopes !== undefined) warnings.push({ path: ['scopes'], message: "Thand's OAuth scopes are ignored: Lease grants with token or the GitHub App" });
    if (!hasGithubCredential(config)) warnings.push({ path: ['token'], message: 'no token and no GitHub App (app_id, private_key, installation_id): every request on this provider fails until one is set' });
    return warnings;
  },
  create({ id, name, enabled, config, deps }): ProviderInstance {
    return { id, type: 'github', name, enabled, capabilities: ['access'], access: new GithubAccessProvider(id, config, deps) };
  },
};
