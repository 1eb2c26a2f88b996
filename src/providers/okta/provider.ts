// The `okta` access provider: a lease is membership of Okta groups (`inherits:
// [okta:group/<name or id>]`) for the Okta user found by the requester's verified e-mail. Okta
// memberships carry no label and no expiry, so what each seat (user × group) was before Lease's
// first lease and which requests hold it live in Lease's own ledger (../cloud/membership-ledger.ts),
// written before Okta is changed: a user already in the group keeps it after the lease, and
// overlapping leases keep it until the last one ends. See README.md.
import { join, resolve } from 'node:path';
import { MembershipLedger, TargetRefused, type LedgerBook, type LedgerSeat, type RetryOptions } from '../cloud/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, GrantRole, NativeRole, NativeRoleQuery, ProviderDeps, ProviderFactory, ProviderInstance } from '../provider.js';
import type { Identity } from '../../core/index.js';
import { oktaConfigSchema, type OktaConfig } from './config.js';
import { oktaApi, type OktaApi } from './okta-api.js';

/** An Okta group id (`00g` + 17 characters): `okta:group/<id>` is looked up by id, anything else by name. */
const GROUP_ID = /^00g[A-Za-z0-9]{17}$/;
/** Okta group names: up to 255 characters, no control characters. */
const GROUP_NAME = /^[^\p{Cc}]{1,255}$/u;
const MEMBER = 'member';
/** How long a group found by name or id is reused: Okta's rate limits count every lookup. */
const GROUP_CACHE_MS = 60_000;

/** The seat's state: `member`, or null (not a member). */
type Seat = LedgerSeat<string>;

interface OktaGroup {
  id: string;
  type?: string;
  profile: { name: string; description?: string | null };
  source?: { id?: string };
}

interface OktaUser {
  id: string;
  status?: string;
  profile: { login: string; email?: string | null };
}

/** One group membership a grant holds, in the grant record. */
export interface GroupSeatRef {
  key: string;
  groupId: string;
  groupName: string;
  /** Whether the user was a member before Lease's first lease on this seat. */
  prior: typeof MEMBER | null;
}

export interface OktaGrantData {
  userId: string;
  login: string;
  seats: GroupSeatRef[];
}

export interface OktaProviderOptions {
  retry?: RetryOptions;
  now?: () => number;
}

export class OktaAccessProvider implements AccessProvider {
  readonly type = 'okta';
  private readonly api: OktaApi;
  private readonly ledger: MembershipLedger<string>;
  private readonly now: () => number;
  private readonly groups = new Map<string, { group: OktaGroup; at: number }>();

  constructor(
    readonly id: string,
    config: OktaConfig,
    deps: Pick<ProviderDeps, 'dataDir' | 'configDir'>,
    options: OktaProviderOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.api = oktaApi(id, config, { now: this.now, ...(options.retry ? { retry: options.retry } : {}) });
    const file = config.ledger_file !== undefined ? resolve(deps.configDir, config.ledger_file) : join(deps.dataDir, 'okta', `${id}.ledger.json`);
    this.ledger = new MembershipLedger<string>(file);
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const refs = this.groupRefsOf(input.role);
    // Everything named must exist before anything is written: a refusal leaves nothing behind.
    const user = await this.userOf(input.identity);
    const groups: OktaGroup[] = [];
    for (const ref of refs) groups.push(await this.groupOf(ref));
    const unique = [...new Map(groups.map((g) => [g.id, g])).values()];
    const seats = await this.ledger.transaction(async (book) => {
      const made: GroupSeatRef[] = [];
      let current: Set<string> | undefined;
      for (const group of unique) {
        const key = seatKey(group.id, user.id);
        let seat = book.seats[key];
        if (seat === undefined) {
          current ??= await this.groupIdsOf(user.id);
          seat = { prior: current.has(group.id) ? MEMBER : null, holders: {}, target: { groupId: group.id, groupName: group.profile.name, userId: user.id, login: user.profile.login } };
          book.seats[key] = seat;
        }
        seat.holders[input.requestId] ??= { want: MEMBER, expiresAt: input.expiresAt };
        // The intent (prior state and this holder) is durable before Okta changes.
        await book.save();
        // PUT is idempotent on Okta (a member stays a member), so a re-run after a crash, or the
        // reconciler's re-grant after a hand removal, makes exactly one membership.
        await this.addMember(seat);
        made.push({ key, groupId: group.id, groupName: group.profile.name, prior: seat.prior === MEMBER ? MEMBER : null });
      }
      return made;
    });
    const data: OktaGrantData = { userId: user.id, login: user.profile.login, seats };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    await this.ledger.transaction(async (book) => {
      const held = Object.entries(book.seats).filter(([, seat]) => seat.holders[record.requestId] !== undefined);
      if (held.length === 0) {
        // The ledger knows nothing of this request (lost, or never written): remove from the
        // record what Lease added and no other lease holds.
        const data = record.data as Partial<OktaGrantData>;
        for (const ref of seatsOf(record.data)) {
          if (book.seats[ref.key] !== undefined || ref.prior === MEMBER) continue;
          await this.removeMember({ groupId: ref.groupId, userId: data.userId! });
        }
      }
      for (const [key, seat] of held) {
        delete seat.holders[record.requestId];
        await book.save();
        await this.settle(book, key, seat);
      }
      // A seat left without holders by a crash between a revoke's save and its removal.
      for (const [key, seat] of Object.entries(book.seats)) if (Object.keys(seat.holders).length === 0) await this.settle(book, key, seat);
    });
  }

  /**
   * The ledger's holders whose membership Okta confirms. Okta is asked the fewer way round: the
   * members of each group Lease holds seats in, or the groups of each user it holds seats for.
   */
  async listActive(): Promise<ActiveGrant[]> {
    const seats = Object.entries(await this.ledger.read()).filter(([, seat]) => Object.keys(seat.holders).length > 0);
    const targets = seats.map(([, seat]) => seat.target as { groupId: string; groupName: string; userId: string; login: string });
    const present = await this.membershipsOf(targets);
    const grants = new Map<string, OktaGrantData & { verified: boolean }>();
    for (const [key, seat] of seats) {
      const t = seat.target as { groupId: string; groupName: string; userId: string; login: string };
      for (const requestId of Object.keys(seat.holders)) {
        const grant = grants.get(requestId) ?? { userId: t.userId, login: t.login, seats: [], verified: true };
        grant.seats.push({ key, groupId: t.groupId, groupName: t.groupName, prior: seat.prior === MEMBER ? MEMBER : null });
        if (!present.has(seatKey(t.groupId, t.userId))) grant.verified = false;
        grants.set(requestId, grant);
      }
    }
    return [...grants]
      .filter(([, g]) => g.verified)
      .map(([requestId, g]) => ({ provider: this.id, requestId, data: { userId: g.userId, login: g.login, seats: g.seats } satisfies OktaGrantData }));
  }

  /** Which of these seats Okta shows as memberships (seat keys); a group or user deleted in Okta holds none. */
  private async membershipsOf(targets: Array<{ groupId: string; userId: string }>): Promise<Set<string>> {
    const groups = new Set(targets.map((t) => t.groupId));
    const users = new Set(targets.map((t) => t.userId));
    const present = new Set<string>();
    const goneIsEmpty = (err: unknown): never[] => {
      if (err instanceof TargetRefused && err.code === 'target_not_found') return [];
      throw err;
    };
    if (groups.size <= users.size) {
      for (const groupId of groups) {
        const members = await this.api.all<{ id: string }>({ path: `/api/v1/groups/${encodeURIComponent(groupId)}/users`, query: { limit: '1000' } }, { keep: (u) => users.has(u.id) }).catch(goneIsEmpty);
        for (const user of members) present.add(seatKey(groupId, user.id));
      }
    } else {
      for (const userId of users) for (const groupId of await this.groupIdsOf(userId).catch(goneIsEmpty)) present.add(seatKey(groupId, userId));
    }
    return present;
  }

  /** The org's Okta groups (the ones whose membership Lease can change), as `inherits: [okta:group/<name>]` names them. */
  async listNativeRoles(query: NativeRoleQuery = {}): Promise<NativeRole[]> {
    const limit = Math.max(1, Math.min(query.limit ?? 100, 1000));
    const search = query.search?.trim();
    // Okta's `q` matches the start of a group's name; the contract asks for a substring of the
    // id, name or description, so the answer is filtered here as well.
    const needle = search?.toLowerCase();
    const matches = (g: OktaGroup) =>
      (g.type === undefined || g.type === 'OKTA_GROUP') && (!needle || [`group/${g.profile.name}`, g.profile.description ?? '', g.id].some((text) => text.toLowerCase().includes(needle)));
    const groups = await this.api.all<OktaGroup>({ path: '/api/v1/groups', query: { ...(search ? { q: search } : {}), limit: '200' } }, { max: limit, keep: matches });
    return groups
      .map((g) => ({ id: `group/${g.profile.name}`, name: g.profile.name, ...(g.profile.description ? { description: g.profile.description } : {}) }))
      .sort((a, b) => a.id.localeCompare(b.id))
      .slice(0, limit);
  }

  // ---- what the role asks for

  /** Group names or ids from `inherits: [okta:group/<name or id>]` (or `<provider id>:group/...`). */
  private groupRefsOf(role: GrantRole): string[] {
    const prefixes = ['okta:', `${this.id}:`];
    const refuse = (message: string) => new TargetRefused('target_refused', `okta provider "${this.id}": role "${role.id}" ${message}`);
    const refs: string[] = [];
    for (const entry of role.nativeRoles) {
      const prefix = prefixes.find((p) => entry.startsWith(p));
      if (prefix === undefined) continue;
      const ref = /^group\/(.+)$/s.exec(entry.slice(prefix.length))?.[1];
      if (ref === undefined || !GROUP_NAME.test(ref)) throw refuse(`names ${entry}; expected okta:group/<group name or id>`);
      refs.push(ref);
    }
    if (refs.length === 0) throw refuse('names no Okta group; add inherits: [okta:group/<group name or id>]');
    return [...new Set(refs)];
  }

  /**
   * The requester's Okta user: the one whose login is their verified e-mail, else the one whose
   * primary e-mail it is. The identity's own id is never taken as an Okta login.
   */
  private async userOf(identity: Identity): Promise<OktaUser> {
    const email = identity.email_verified === true ? identity.email?.trim().toLowerCase() : undefined;
    if (email === undefined || !/^[^@\s"\\]+@[^@\s"\\]+$/.test(email)) throw new TargetRefused('target_not_found', `okta provider "${this.id}": ${identity.id} has no verified e-mail address to find their Okta user by`);
    let user: OktaUser | undefined;
    try {
      const byLogin = (await this.api.call<OktaUser>({ path: `/api/v1/users/${encodeURIComponent(email)}` })).body;
      if (byLogin.profile.login.toLowerCase() === email || byLogin.profile.email?.toLowerCase() === email) user = byLogin;
    } catch (err) {
      if (!(err instanceof TargetRefused && err.code === 'target_not_found')) throw err;
    }
    if (user === undefined) {
      // Okta filters by profile.email; the answer is checked here too.
      const matching = await this.api.all<OktaUser>({ path: '/api/v1/users', query: { filter: `profile.email eq "${email}"`, limit: '200' } }, { keep: (u) => u.profile.email?.toLowerCase() === email && u.status !== 'DEPROVISIONED' });
      if (matching.length !== 1) {
        throw new TargetRefused('target_not_found', `okta provider "${this.id}": ${matching.length === 0 ? 'no Okta user has' : 'several Okta users have'} the login or e-mail ${email}`);
      }
      user = matching[0]!;
    }
    if (user.status === 'DEPROVISIONED') throw new TargetRefused('target_refused', `okta provider "${this.id}": the Okta user ${user.profile.login} (for ${email}) is deactivated`);
    return user;
  }

  /**
   * The group by id or by exact name; only Okta-mastered groups (`OKTA_GROUP`) have memberships
   * Lease may change. A group found is reused for a minute (a group deleted meanwhile makes the
   * membership call answer 404: the grant is refused naming it).
   */
  private async groupOf(ref: string): Promise<OktaGroup> {
    const cached = this.groups.get(ref);
    if (cached !== undefined && this.now() - cached.at < GROUP_CACHE_MS) return cached.group;
    const group = await this.findGroup(ref);
    this.groups.set(ref, { group, at: this.now() });
    return group;
  }

  private async findGroup(ref: string): Promise<OktaGroup> {
    const notFound = () => new TargetRefused('target_not_found', `okta provider "${this.id}": group ${ref} does not exist, or the token cannot see it`);
    let group: OktaGroup | undefined;
    if (GROUP_ID.test(ref)) {
      try {
        group = (await this.api.call<OktaGroup>({ path: `/api/v1/groups/${ref}` })).body;
      } catch (err) {
        if (!(err instanceof TargetRefused && err.code === 'target_not_found')) throw err;
      }
    }
    if (group === undefined) {
      const found = await this.api.all<OktaGroup>({ path: '/api/v1/groups', query: { q: ref, limit: '200' } }, { keep: (g) => g.profile.name.toLowerCase() === ref.toLowerCase() });
      const exact = found.filter((g) => g.profile.name === ref);
      const folded = exact.length > 0 ? exact : found.filter((g) => g.profile.name.toLowerCase() === ref.toLowerCase());
      if (folded.length > 1) throw new TargetRefused('target_refused', `okta provider "${this.id}": several Okta groups are named ${ref}; name one by its id (okta:group/<id>)`);
      group = folded[0];
    }
    if (group === undefined) throw notFound();
    if (group.type !== undefined && group.type !== 'OKTA_GROUP') {
      const why = group.type === 'BUILT_IN' ? 'a built-in group (Okta manages its members)' : 'an application group (its members come from the application it is imported from)';
      throw new TargetRefused('target_refused', `okta provider "${this.id}": group ${group.profile.name} (${group.id}) is ${why}: Lease can only change memberships of Okta groups`);
    }
    return group;
  }

  // ---- memberships on Okta

  /** The ids of the user's groups (GET /api/v1/users/{id}/groups). */
  private async groupIdsOf(userId: string): Promise<Set<string>> {
    const groups = await this.api.all<{ id: string }>({ path: `/api/v1/users/${encodeURIComponent(userId)}/groups` });
    return new Set(groups.map((g) => g.id));
  }

  private async addMember(seat: Seat): Promise<void> {
    const t = seat.target as { groupId: string; groupName: string; userId: string };
    try {
      await this.api.call({ method: 'PUT', path: `/api/v1/groups/${encodeURIComponent(t.groupId)}/users/${encodeURIComponent(t.userId)}` });
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_not_found') {
        for (const [ref, cached] of this.groups) if (cached.group.id === t.groupId) this.groups.delete(ref);
        throw new TargetRefused('target_not_found', `okta provider "${this.id}": group ${t.groupName} (${t.groupId}) or its user ${t.userId} is gone from Okta`, { cause: err });
      }
      throw err;
    }
  }

  /** Removes the membership; one already gone (or a group or user deleted) is fine. */
  private async removeMember(t: { groupId: string; userId: string }): Promise<void> {
    await this.api.call({ method: 'DELETE', path: `/api/v1/groups/${encodeURIComponent(t.groupId)}/users/${encodeURIComponent(t.userId)}` }).catch((err: unknown) => {
      if (err instanceof TargetRefused && err.code === 'target_not_found') return undefined;
      throw err;
    });
  }

  /**
   * After a holder left: holders left keep the membership; none left removes what Lease added
   * and forgets the seat. A membership that was there before the first lease is never touched.
   */
  private async settle(book: LedgerBook<string>, key: string, seat: Seat): Promise<void> {
    if (Object.keys(seat.holders).length > 0) return;
    if (seat.prior !== MEMBER) await this.removeMember(seat.target as { groupId: string; userId: string });
    delete book.seats[key];
    await book.save();
  }
}

function seatKey(groupId: string, userId: string): string {
  return `group:${groupId}#${userId}`;
}

function seatsOf(data: Record<string, unknown>): GroupSeatRef[] {
  const d = data as Partial<OktaGrantData>;
  return typeof d.userId === 'string' && Array.isArray(d.seats) ? d.seats : [];
}

export const oktaProviderFactory: ProviderFactory<OktaConfig> = {
  type: 'okta',
  capabilities: ['access'],
  configSchema: oktaConfigSchema,
  create({ id, name, enabled, config, deps }): ProviderInstance {
    return { id, type: 'okta', name, enabled, capabilities: ['access'], access: new OktaAccessProvider(id, config, deps) };
  },
};
