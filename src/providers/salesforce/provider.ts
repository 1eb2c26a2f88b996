// The `salesforce` access provider: a lease is a PermissionSetAssignment of each permission set
// the role inherits (`inherits: [salesforce:permissionset/<Name>]`) for the requester's User,
// with ExpirationDate set to the lease's expiry so Salesforce ends it even if Lease is down.
// Overlapping leases share the one assignment Salesforce allows per user and set; the holders
// are marker permission sets (naming below). See README.md.
import { answerError, callRest, TargetRefused, TargetUnavailable, TokenCache, withRetries, type AccessToken, type RestClientOptions, type RestRequest, type RetryOptions } from '../cloud/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, GrantRole, ProviderFactory, ProviderInstance } from '../provider.js';
import type { Identity } from '../../core/index.js';
import { salesforceConfigSchema, type SalesforceConfig } from './config.js';

/** Salesforce does not say how long a session lasts (the org's timeout, 15 min at least); a 401 fetches a new one sooner. */
const SESSION_TTL_MS = 15 * 60_000;

export type HoldKind = 'hold' | 'kept';

/** One permission set assignment a grant holds. */
export interface AssignmentHold {
  permissionSetId: string;
  permissionSetName: string;
  /** The marker permission set recording the hold. */
  markerId: string;
  /** The user had the assignment before any lease: it stays after revoke. */
  kept: boolean;
}

export interface SalesforceGrantData {
  userId?: string;
  assignments: AssignmentHold[];
}

interface Marker {
  id: string;
  requestId: string;
  kind: HoldKind;
  permissionSetId: string;
  userId?: string;
  until?: string;
}

// Markers: a permission set with no permissions, never assigned, named
// `Lease_<request id>_<hold|kept>_<permission set id>`, its Description
// `lease:<request id> user:<user id> until:<expiry>`. Salesforce records carry no tags, and a
// PermissionSetAssignment has no free-text field, so the holders live in these.
const MARKER = /^Lease_([a-z]+_[0-9a-z]{26})_(hold|kept)_([A-Za-z0-9]{15,18})$/;
const markerName = (requestId: string, kind: HoldKind, setId: string) => `Lease_${requestId}_${kind}_${setId}`;
const soqlString = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** A LIKE pattern matching `value` literally. */
const likeLiteral = (value: string) => soqlString(value).replace(/_/g, '\\_').replace(/%/g, '\\%');

export interface SalesforceProviderOptions {
  retry?: RetryOptions;
  now?: () => number;
}

interface QueryPage<T> {
  records: T[];
  done: boolean;
  nextRecordsUrl?: string;
}

export class SalesforceAccessProvider implements AccessProvider {
  readonly type = 'salesforce';
  private readonly tokens: TokenCache;
  private instanceUrl?: string;
  private readonly target: string;
  private readonly retry: RetryOptions;

  constructor(
    readonly id: string,
    private readonly config: SalesforceConfig,
    options: SalesforceProviderOptions = {},
  ) {
    this.target = `salesforce provider "${id}"`;
    this.retry = options.retry ?? {};
    const now = options.now ?? Date.now;
    this.tokens = new TokenCache(() => this.fetchToken(now), now);
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const names = this.permissionSetsOf(input.role);
    const userId = await this.userOf(input.identity);
    const assignments: AssignmentHold[] = [];
    for (const name of names) assignments.push(await this.join(input.requestId, userId, await this.permissionSetNamed(name), input.expiresAt));
    const data: SalesforceGrantData = { userId, assignments };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    const data = record.data as Partial<SalesforceGrantData>;
    for (const hold of Array.isArray(data.assignments) ? data.assignments : []) await this.leave(record.requestId, hold.permissionSetId, { userId: data.userId, kept: hold.kept });
    // Whatever else carries the request id (an empty record: a crash before Lease stored it).
    for (const marker of await this.markers(`Lease_${record.requestId}_%`)) if (marker.requestId === record.requestId) await this.leave(record.requestId, marker.permissionSetId, {});
  }

  /** Requests whose markers all name a user who still has the assignment (unexpired). */
  async listActive(): Promise<ActiveGrant[]> {
    const grants = new Map<string, { data: SalesforceGrantData; complete: boolean }>();
    for (const marker of await this.markers('Lease_%')) {
      const grant = grants.get(marker.requestId) ?? { data: { assignments: [] }, complete: true };
      grants.set(marker.requestId, grant);
      if (marker.userId === undefined || (await this.assignmentOf(marker.userId, marker.permissionSetId)) === undefined) grant.complete = false;
      if (marker.userId !== undefined) grant.data.userId ??= marker.userId;
      grant.data.assignments.push({ permissionSetId: marker.permissionSetId, permissionSetName: marker.permissionSetId, markerId: marker.id, kept: marker.kind === 'kept' });
    }
    return [...grants].filter(([, g]) => g.complete).map(([requestId, g]) => ({ provider: this.id, requestId, data: { ...g.data } }));
  }

  // ---- what the role asks for, and who

  private permissionSetsOf(role: GrantRole): string[] {
    const prefixes = ['salesforce:', `${this.id}:`];
    const refs = role.nativeRoles.flatMap((entry) => {
      const prefix = prefixes.find((p) => entry.startsWith(p));
      return prefix ? [entry.slice(prefix.length)] : [];
    });
    const refused = (why: string) => new TargetRefused('target_refused', `${this.target}: role "${role.id}" ${why}`);
    if (refs.length === 0) throw refused('names no permission set; add inherits: [salesforce:permissionset/<API name>]');
    const names = refs.map((ref) => {
      if (!ref.startsWith('permissionset/')) throw refused(`inherits ${ref}: expected salesforce:permissionset/<API name>`);
      const name = ref.slice('permissionset/'.length);
      if (!/^[A-Za-z][A-Za-z0-9_]{0,79}$/.test(name)) throw refused(`names permission set "${name}": an API name is letters, digits and _ (no wildcards)`);
      if (MARKER.test(name)) throw refused('inherits a permission set Lease makes itself (Lease_<request id>_…)');
      return name;
    });
    return [...new Set(names)];
  }

  /** The active User whose Username or Email is the identity's verified e-mail. */
  private async userOf(identity: Identity): Promise<string> {
    const email = identity.email_verified === true ? identity.email : undefined;
    if (email === undefined || !email.includes('@')) throw new TargetRefused('target_not_found', `${this.target}: ${identity.id} has no verified e-mail address to find their Salesforce user by`);
    const users = await this.query<{ Id: string; Username: string; IsActive: boolean }>(`SELECT Id, Username, IsActive FROM User WHERE Username = ${soqlString(email)} OR Email = ${soqlString(email)}`);
    const user = users.find((u) => u.Username.toLowerCase() === email.toLowerCase()) ?? (users.length === 1 ? users[0] : undefined);
    if (!user) throw new TargetRefused('target_not_found', users.length > 1 ? `${this.target}: several Salesforce users have the e-mail ${email} and none has it as username` : `${this.target}: no Salesforce user has the username or e-mail ${email}`);
    if (!user.IsActive) throw new TargetRefused('target_refused', `${this.target}: the Salesforce user ${user.Username} is inactive`);
    return user.Id;
  }

  private async permissionSetNamed(name: string): Promise<{ id: string; name: string }> {
    const found = await this.query<{ Id: string; Name: string }>(`SELECT Id, Name FROM PermissionSet WHERE Name = ${soqlString(name)}`);
    if (!found[0]) throw new TargetRefused('target_not_found', `${this.target}: no permission set with the API name "${name}"`);
    return { id: found[0].Id, name: found[0].Name };
  }

  private async assignmentOf(userId: string, setId: string): Promise<{ Id: string; ExpirationDate: string | null } | undefined> {
    return (await this.query<{ Id: string; ExpirationDate: string | null }>(`SELECT Id, ExpirationDate FROM PermissionSetAssignment WHERE AssigneeId = ${soqlString(userId)} AND PermissionSetId = ${soqlString(setId)}`))[0];
  }

  private async markers(like: string): Promise<Marker[]> {
    const pattern = like.split('%').map((part) => likeLiteral(part).slice(1, -1)).join('%');
    const rows = await this.query<{ Id: string; Name: string; Description: string | null }>(`SELECT Id, Name, Description FROM PermissionSet WHERE Name LIKE '${pattern}'`);
    return rows.flatMap((row) => {
      const m = MARKER.exec(row.Name);
      if (!m) return [];
      const description = row.Description ?? '';
      const userId = /\buser:([A-Za-z0-9]{15,18})\b/.exec(description)?.[1];
      const until = /\buntil:(\S+)/.exec(description)?.[1];
      return [{ id: row.Id, requestId: m[1] as string, kind: m[2] as HoldKind, permissionSetId: m[3] as string, ...(userId ? { userId } : {}), ...(until ? { until } : {}) }];
    });
  }

  // ---- holding an assignment

  /**
   * Makes the user hold the permission set for this request until `expiresAt`. The marker is
   * made first (a crash leaves something revoke finds by the request id). A user who had the
   * assignment before any lease gets a `kept` marker: that assignment is never changed.
   */
  private async join(requestId: string, userId: string, set: { id: string; name: string }, expiresAt: string): Promise<AssignmentHold> {
    const markers = (await this.markers(`Lease_%_${set.id}`)).filter((m) => m.permissionSetId === set.id);
    let mine = markers.find((m) => m.requestId === requestId);
    const existing = await this.assignmentOf(userId, set.id);
    if (!mine) {
      const others = markers.filter((m) => m.userId === userId && m.requestId !== requestId);
      const kind: HoldKind = existing !== undefined && (others.length === 0 || others.some((o) => o.kind === 'kept')) ? 'kept' : 'hold';
      mine = await this.makeMarker(requestId, kind, set, userId, expiresAt);
    }
    if (mine.kind === 'hold') {
      const others = markers.filter((m) => m.userId === userId && m.requestId !== requestId && m.kind === 'hold');
      const until = latest([expiresAt, ...others.map((o) => o.until)]);
      if (existing === undefined) await this.createAssignment(userId, set.id, until);
      else if (existing.ExpirationDate === null || Date.parse(existing.ExpirationDate) !== Date.parse(until)) await this.setExpiration(existing.Id, until);
    }
    return { permissionSetId: set.id, permissionSetName: set.name, markerId: mine.id, kept: mine.kind === 'kept' };
  }

  /** Ends this request's hold: the last `hold` deletes the assignment, an earlier one moves its expiry to the latest left; then the marker goes. */
  private async leave(requestId: string, setId: string, known: { userId?: string | undefined; kept?: boolean }): Promise<void> {
    const markers = (await this.markers(`Lease_%_${setId}`)).filter((m) => m.permissionSetId === setId);
    const mine = markers.filter((m) => m.requestId === requestId);
    const userId = known.userId ?? mine.find((m) => m.userId)?.userId;
    const kept = known.kept ?? mine.some((m) => m.kind === 'kept');
    if (userId !== undefined && !kept) {
      const others = markers.filter((m) => m.requestId !== requestId && m.userId === userId);
      const assignment = await this.assignmentOf(userId, setId);
      if (assignment && others.length === 0) await this.call({ method: 'DELETE', path: `/sobjects/PermissionSetAssignment/${assignment.Id}` }).catch(ignoreNotFound);
      else if (assignment && others.every((o) => o.kind === 'hold')) await this.setExpiration(assignment.Id, latest(others.map((o) => o.until))).catch(ignoreNotFound);
    }
    for (const marker of mine) await this.call({ method: 'DELETE', path: `/sobjects/PermissionSet/${marker.id}` }).catch(ignoreNotFound);
  }

  private async makeMarker(requestId: string, kind: HoldKind, set: { id: string; name: string }, userId: string, until: string): Promise<Marker> {
    const name = markerName(requestId, kind, set.id);
    try {
      const made = await this.call<{ id: string }>({
        method: 'POST',
        path: '/sobjects/PermissionSet',
        body: { Name: name, Label: `Lease ${requestId} ${kind}`.slice(0, 80), Description: `lease:${requestId} user:${userId} until:${until} (${kind} of ${set.name}; made by Lease, no permissions)`.slice(0, 255) },
      });
      return { id: made.id, requestId, kind, permissionSetId: set.id, userId, until };
    } catch (err) {
      // DUPLICATE_DEVELOPER_NAME: a concurrent run of this request made it.
      if (err instanceof TargetRefused && /DUPLICATE_DEVELOPER_NAME/.test(err.message)) {
        const found = (await this.markers(`Lease_${requestId}_%`)).find((m) => m.permissionSetId === set.id);
        if (found) return found;
      }
      throw err;
    }
  }

  private async createAssignment(userId: string, setId: string, until: string): Promise<void> {
    try {
      await this.call({ method: 'POST', path: '/sobjects/PermissionSetAssignment', body: { AssigneeId: userId, PermissionSetId: setId, ExpirationDate: until } });
    } catch (err) {
      // DUPLICATE_VALUE: a concurrent grant made it meanwhile; carry its expiry to ours.
      if (!(err instanceof TargetRefused && /DUPLICATE_VALUE/.test(err.message))) throw err;
      const made = await this.assignmentOf(userId, setId);
      if (made && (made.ExpirationDate === null || Date.parse(made.ExpirationDate) < Date.parse(until))) await this.setExpiration(made.Id, until);
    }
  }

  private async setExpiration(assignmentId: string, until: string): Promise<void> {
    await this.call({ method: 'PATCH', path: `/sobjects/PermissionSetAssignment/${assignmentId}`, body: { ExpirationDate: until } });
  }

  // ---- REST with Salesforce's errors

  private async fetchToken(now: () => number): Promise<AccessToken> {
    const form = new URLSearchParams({ grant_type: this.config.flow === 'password' ? 'password' : 'client_credentials' });
    if (this.config.clientId !== undefined) form.set('client_id', this.config.clientId);
    if (this.config.clientSecret !== undefined) form.set('client_secret', this.config.clientSecret);
    if (this.config.flow === 'password') {
      form.set('username', this.config.username as string);
      form.set('password', `${this.config.password ?? ''}${this.config.securityToken ?? ''}`);
    }
    const url = `${this.config.loginUrl}/services/oauth2/token`;
    const body = await withRetries(async () => {
      let response: Response;
      try {
        response = await fetch(url, { method: 'POST', redirect: 'error', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      } catch (err) {
        throw new TargetUnavailable(`${this.target}: cannot reach ${this.config.loginUrl} for a token: ${err instanceof Error ? err.message : String(err)}`);
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        parsed = text.slice(0, 200);
      }
      // OAuth errors (invalid_grant, invalid_client...) are 400: the credentials are refused.
      if (response.status === 400 || response.status === 401) throw answerError(this.target, 'token request (sign-in refused)', 401, parsed);
      if (!response.ok) throw answerError(this.target, 'token request', response.status, parsed, response.headers.get('retry-after'));
      return parsed as { access_token?: string; instance_url?: string };
    }, this.retry);
    const answer = { body };
    if (!answer.body.access_token || !answer.body.instance_url) throw new TargetUnavailable(`${this.target}: the token endpoint answered without an access_token or instance_url`);
    this.instanceUrl = answer.body.instance_url.replace(/\/+$/, '');
    return { token: answer.body.access_token, expiresAt: now() + SESSION_TTL_MS };
  }

  /** One REST call under /services/data/vXX.X: REQUEST_LIMIT_EXCEEDED is retried, an expired session renewed once. */
  private async call<T>(request: RestRequest): Promise<T> {
    return withRetries(async () => {
      for (let attempt = 1; ; attempt++) {
        const token = await this.tokens.get();
        const client: RestClientOptions = { baseUrl: `${this.instanceUrl}/services/data/v${this.config.apiVersion}`, token: async () => token, target: this.target, retry: { ...this.retry, attempts: 1 } };
        try {
          return (await callRest<T>(client, request)).body;
        } catch (err) {
          if (!(err instanceof TargetRefused)) throw err;
          if (/INVALID_SESSION_ID/.test(err.message) && attempt === 1) {
            this.tokens.invalidate();
            continue;
          }
          if (/REQUEST_LIMIT_EXCEEDED/.test(err.message)) throw new TargetUnavailable(err.message, { cause: err });
          if (/INSUFFICIENT_ACCESS/.test(err.message)) throw new TargetRefused('target_permission_denied', err.message, { missingPermission: 'Assign Permission Sets and Manage Profiles and Permission Sets', cause: err });
          throw err;
        }
      }
    }, this.retry);
  }

  private async query<T>(soql: string): Promise<T[]> {
    const all: T[] = [];
    let page = await this.call<QueryPage<T>>({ path: '/query', query: { q: soql } });
    all.push(...page.records);
    while (!page.done && page.nextRecordsUrl) {
      page = await this.call<QueryPage<T>>({ path: `${this.instanceUrl}${page.nextRecordsUrl}` });
      all.push(...page.records);
    }
    return all;
  }
}

function latest(dates: Array<string | undefined>): string {
  return dates.filter((d): d is string => d !== undefined && !Number.isNaN(Date.parse(d))).reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}

function ignoreNotFound(err: unknown): undefined {
  if (err instanceof TargetRefused && (err.code === 'target_not_found' || /ENTITY_IS_DELETED/.test(err.message))) return undefined;
  throw err;
}

export const salesforceProviderFactory: ProviderFactory<SalesforceConfig> = {
  type: 'salesforce',
  capabilities: ['access'],
  configSchema: salesforceConfigSchema as unknown as ProviderFactory<SalesforceConfig>['configSchema'],
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'salesforce', name, enabled, capabilities: ['access'], access: new SalesforceAccessProvider(id, config) };
  },
};
