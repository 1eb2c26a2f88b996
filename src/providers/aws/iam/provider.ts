// `mode: iam`: a lease is an IAM role of its own, `lease-<request id>` under
// `/lease/<provider id>/`, that carries the role's permissions (an inline policy whose every
// Allow ends at the expiry) and the managed policies it inherits, and that only the requester's
// IAM user (and Lease, to issue credentials) may assume until the expiry; plus an inline policy
// `lease-<request id>` on that user allowing sts:AssumeRole on that role only, until the expiry.
// See ../README.md for why a role and not policies on the user.
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DeleteUserPolicyCommand,
  DetachRolePolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type Role,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Identity, Logger } from '../../../core/index.js';
import { TargetRefused, TargetUnavailable, type RetryOptions } from '../../cloud/index.js';
import type { AccessProvider, AwsAccessCredentials, ActiveGrant, ActiveLease, GrantInput, GrantRecord, GrantRole, NativeRole, NativeRoleQuery } from '../../provider.js';
import { callAws, type AwsCallContext, type AwsClientConfig } from '../clients.js';
import { IAM_USER_NAME, partitionOf, type AwsConfig } from '../config.js';
import { awsTime, policyDocument, ROLE_INLINE_POLICY_LIMIT, roleStatements, untilCondition, USER_INLINE_POLICY_LIMIT } from '../policy.js';
import { artefactName, requestIdOf, ROLE_POLICY_NAME, rolePath, TAG_EXPIRES, TAG_PROVIDER, TAG_REQUEST, TAG_USER, tagValue } from './naming.js';

/** STS: a session lasts at least 15 minutes and (with the role's MaxSessionDuration) at most 12 hours. */
export const MIN_SESSION_SECONDS = 900;
export const MAX_SESSION_SECONDS = 43_200;
/** A chained role session (Lease itself runs as a role) lasts at most an hour. */
const CHAINED_SESSION_SECONDS = 3_600;
const CATALOG_TTL_MS = 10 * 60_000;

/** What a grant made, enough to undo it (revoke also finds it by name without this). */
export interface IamGrantData {
  accountId: string;
  userName: string;
  roleName: string;
  roleArn: string;
  managedPolicies: string[];
  expiresAt: string;
}

export interface IamProviderOptions {
  providerId: string;
  config: AwsConfig;
  clientConfig: AwsClientConfig;
  accountId: () => Promise<string>;
  logger?: Logger;
  retry?: RetryOptions;
  now?: () => number;
  /** The console federation endpoint (config `federation_endpoint`, else the partition's). */
  federationEndpoint?: string;
}

export class IamAccessProvider implements AccessProvider {
  readonly type = 'aws';
  readonly id: string;
  private readonly iam: IAMClient;
  private readonly sts: STSClient;
  private readonly context: AwsCallContext;
  private readonly path: string;
  private readonly partition: string;
  private readonly now: () => number;
  private readonly federation: string;
  private leasePrincipal?: Promise<string | undefined>;
  private catalog?: { roles: NativeRole[]; until: number };
  private readonly policyArns = new Map<string, string>();

  constructor(private readonly options: IamProviderOptions) {
    this.id = options.providerId;
    this.iam = new IAMClient(options.clientConfig);
    this.sts = new STSClient(options.clientConfig);
    this.context = { target: `aws provider "${this.id}"`, ...(options.retry ? { retry: options.retry } : {}) };
    this.path = rolePath(this.id);
    const partition = partitionOf(options.config.region);
    this.partition = partition.partition;
    this.federation = options.federationEndpoint ?? options.config.federation_endpoint ?? partition.federation;
    this.now = options.now ?? Date.now;
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const name = artefactName(input.requestId);
    const inline = roleStatements(input.role, { expiresAt: input.expiresAt });
    const managed = this.managedPolicyRefs(input.role);
    if (!inline.some((s) => s.Effect === 'Allow') && managed.length === 0) {
      throw new TargetRefused('target_refused', `${this.context.target}: role "${input.role.id}" grants nothing on AWS: give it AWS actions in permissions.allow (ec2:Describe*) or inherits: [aws:<managed policy>]`);
    }
    const inlineDocument = policyDocument(inline);
    if (inlineDocument.length > ROLE_INLINE_POLICY_LIMIT) {
      throw new TargetRefused('target_refused', `${this.context.target}: role "${input.role.id}" makes an IAM policy of ${inlineDocument.length} characters; IAM allows ${ROLE_INLINE_POLICY_LIMIT} per role (use wildcards or managed policies)`);
    }
    const accountId = await this.options.accountId();
    const user = await this.userOf(input.identity);
    const policyArns: string[] = [];
    for (const ref of managed) policyArns.push(await this.policyArnOf(ref, accountId));

    const roleArn = await this.ensureRole(name, input, user);
    if (inline.length > 0) await this.call('PutRolePolicy', () => this.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: ROLE_POLICY_NAME, PolicyDocument: inlineDocument })));
    for (const arn of policyArns) await this.call('AttachRolePolicy', () => this.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn })));
    await this.putUserPolicy(user.name, name, roleArn, input.expiresAt);

    const data: IamGrantData = { accountId, userName: user.name, roleName: name, roleArn, managedPolicies: policyArns, expiresAt: input.expiresAt };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    // The name comes from the request id, never from the stored data: a revoke touches only its own request's artefacts.
    const name = artefactName(record.requestId);
    const data = record.data as Partial<IamGrantData>;
    const users = new Set<string>();
    if (typeof data.userName === 'string' && IAM_USER_NAME.test(data.userName)) users.add(data.userName);
    const role = (await this.call('GetRole', () => this.iam.send(new GetRoleCommand({ RoleName: name })), ['NoSuchEntity']))?.Role;
    if (role) for (const user of trustedUsersOf(role)) users.add(user);
    if (users.size === 0 && role === undefined) {
      // No record and no role (a crash after the user policy only): look for the user policy by name.
      for (const found of await this.userPolicies()) if (found.policyName === name) users.add(found.userName);
    }
    // The user first: from then on nobody can assume the role, even before it is gone.
    for (const user of users) await this.call('DeleteUserPolicy', () => this.iam.send(new DeleteUserPolicyCommand({ UserName: user, PolicyName: name })), ['NoSuchEntity']);
    if (role === undefined) return;
    const attached = await this.pages('ListAttachedRolePolicies', async (marker) => {
      const page = await this.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, Marker: marker }));
      return { items: (page?.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])), marker: page?.IsTruncated ? page.Marker : undefined };
    }, ['NoSuchEntity']);
    for (const arn of attached) await this.call('DetachRolePolicy', () => this.iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: arn })), ['NoSuchEntity']);
    const inline = await this.pages('ListRolePolicies', async (marker) => {
      const page = await this.iam.send(new ListRolePoliciesCommand({ RoleName: name, Marker: marker }));
      return { items: page?.PolicyNames ?? [], marker: page?.IsTruncated ? page.Marker : undefined };
    }, ['NoSuchEntity']);
    for (const policy of inline) await this.call('DeleteRolePolicy', () => this.iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy })), ['NoSuchEntity']);
    await this.call('DeleteRole', () => this.iam.send(new DeleteRoleCommand({ RoleName: name })), ['NoSuchEntity']);
  }

  async listActive(): Promise<ActiveGrant[]> {
    const roles = await this.pages('ListRoles', async (marker) => {
      const page = await this.iam.send(new ListRolesCommand({ PathPrefix: this.path, Marker: marker, MaxItems: 1000 }));
      return { items: page?.Roles ?? [], marker: page?.IsTruncated ? page.Marker : undefined };
    });
    const grants = new Map<string, ActiveGrant>();
    for (const role of roles) {
      const requestId = role.Path === this.path && role.RoleName ? requestIdOf(role.RoleName) : undefined;
      if (requestId) grants.set(requestId, { provider: this.id, requestId, data: { roleName: role.RoleName, roleArn: role.Arn } });
    }
    // A user policy whose role is gone: reported once its expiry passed (a leftover to remove).
    // Before that it is left out, so an active lease whose role vanished is seen as missing.
    const now = this.now();
    for (const found of await this.userPolicies()) {
      const requestId = requestIdOf(found.policyName);
      if (!requestId || grants.has(requestId)) continue;
      const until = expiryOf(found.document);
      if (until === undefined || Date.parse(until) <= now) grants.set(requestId, { provider: this.id, requestId, data: { userName: found.userName } });
    }
    return [...grants.values()];
  }

  async listNativeRoles(query: NativeRoleQuery = {}): Promise<NativeRole[]> {
    if (!this.catalog || this.catalog.until <= this.now()) {
      const policies = await this.pages('ListPolicies', async (marker) => {
        const page = await this.iam.send(new ListPoliciesCommand({ Scope: 'AWS', Marker: marker, MaxItems: 1000 }));
        return { items: page?.Policies ?? [], marker: page?.IsTruncated ? page.Marker : undefined };
      });
      const roles = policies.flatMap((p) => (p.PolicyName && p.Arn ? [{ id: policyIdOf(p.Path, p.PolicyName), name: p.PolicyName, ...(p.Description ? { description: p.Description } : {}) }] : []));
      this.catalog = { roles: roles.sort((a, b) => a.id.localeCompare(b.id)), until: this.now() + CATALOG_TTL_MS };
    }
    const search = query.search?.toLowerCase();
    const matching = search ? this.catalog.roles.filter((r) => [r.id, r.name, r.description ?? ''].some((text) => text.toLowerCase().includes(search))) : this.catalog.roles;
    return matching.slice(0, query.limit ?? 100);
  }

  async credentials(record: GrantRecord, lease: ActiveLease): Promise<AwsAccessCredentials> {
    const name = artefactName(record.requestId);
    const data = record.data as Partial<IamGrantData>;
    const roleArn = typeof data.roleArn === 'string' && data.roleArn.endsWith(`:role${this.path}${name}`) ? data.roleArn : `arn:${this.partition}:iam::${await this.options.accountId()}:role${this.path}${name}`;
    const left = Math.floor((Date.parse(lease.expiresAt) - this.now()) / 1000);
    const duration = Math.min(MAX_SESSION_SECONDS, Math.max(MIN_SESSION_SECONDS, left));
    const assume = (seconds: number) =>
      this.call('AssumeRole', () => this.sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionNameOf(lease.identity), DurationSeconds: seconds })));
    let answer;
    try {
      answer = await assume(duration);
    } catch (err) {
      // Lease running as a role itself: AWS caps a chained session at an hour.
      if (!(err instanceof TargetRefused) || duration <= CHAINED_SESSION_SECONDS || !/DurationSeconds|chaining/i.test(err.message)) throw err;
      answer = await assume(CHAINED_SESSION_SECONDS);
    }
    const c = answer?.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new TargetUnavailable(`${this.context.target}: AssumeRole answered no credentials`);
    return { kind: 'aws', accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration.toISOString(), region: this.options.config.region };
  }

  async consoleUrl(record: GrantRecord, lease: ActiveLease): Promise<string> {
    const credentials = await this.credentials(record, lease);
    return consoleSignInUrl(this.federation, credentials, { target: this.context.target, destination: partitionOf(this.options.config.region).console });
  }

  // ---- what the role asks for, who the user is

  /** `inherits: [aws:<managed policy name, path/name or ARN>]` (or `<this provider's id>:`). */
  private managedPolicyRefs(role: GrantRole): string[] {
    const prefixes = ['aws:', `${this.id}:`];
    return [...new Set(role.nativeRoles.flatMap((entry) => {
      const prefix = prefixes.find((p) => entry.startsWith(p));
      const ref = prefix ? entry.slice(prefix.length).trim() : '';
      return ref === '' ? [] : [ref];
    }))];
  }

  /** An AWS managed policy's ARN by name (`ReadOnlyAccess`, `job-function/ViewOnlyAccess`), else the account's own policy of that name. */
  private async policyArnOf(ref: string, accountId: string): Promise<string> {
    if (ref.startsWith('arn:')) return ref;
    const known = this.policyArns.get(ref);
    if (known) return known;
    const candidates = [`arn:${this.partition}:iam::aws:policy/${ref}`, `arn:${this.partition}:iam::${accountId}:policy/${ref}`];
    for (const arn of candidates) {
      const found = await this.call('GetPolicy', () => this.iam.send(new GetPolicyCommand({ PolicyArn: arn })), ['NoSuchEntity']);
      if (found?.Policy?.Arn) {
        this.policyArns.set(ref, found.Policy.Arn);
        return found.Policy.Arn;
      }
    }
    throw new TargetRefused('target_not_found', `${this.context.target}: no managed policy "${ref}" (neither AWS's nor account ${accountId}'s); name it as inherits: [aws:<policy name or ARN>] (lease providers roles ${this.id} lists AWS's)`);
  }

  /** The requester's IAM user: `accounts` maps e-mail or username to it; else the username itself. */
  private async userOf(identity: Identity): Promise<{ name: string; arn: string }> {
    const accounts = this.options.config.accounts ?? {};
    const mapped = (identity.email !== undefined ? accounts[identity.email] : undefined) ?? accounts[identity.id];
    const name = mapped ?? (IAM_USER_NAME.test(identity.id) ? identity.id : undefined);
    const who = identity.email ?? identity.id;
    if (name === undefined) throw new TargetRefused('target_not_found', `${this.context.target}: ${who} has no IAM user; map them in accounts: { ${who}: <IAM user name> }`);
    const user = (await this.call('GetUser', () => this.iam.send(new GetUserCommand({ UserName: name })), ['NoSuchEntity']))?.User;
    if (!user?.Arn) {
      throw new TargetRefused('target_not_found', `${this.context.target}: no IAM user "${name}" for ${who} in account ${await this.options.accountId()}; create it or map ${who} to an existing user in accounts`);
    }
    return { name, arn: user.Arn };
  }

  /** Lease's own principal as a trust policy names it (an assumed role → its role), or undefined for the root user. */
  private principalOfLease(): Promise<string | undefined> {
    this.leasePrincipal ??= (async () => {
      const who = await this.call('GetCallerIdentity', () => this.sts.send(new GetCallerIdentityCommand({})));
      const arn = who?.Arn ?? '';
      const assumed = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(arn);
      if (assumed) {
        const role = await this.call('GetRole', () => this.iam.send(new GetRoleCommand({ RoleName: assumed[3] })));
        return role?.Role?.Arn;
      }
      if (/:root$/.test(arn)) {
        this.options.logger?.warn({ provider: this.id }, 'aws: Lease runs as the root user, which cannot assume roles: lease credentials and console sign-in will be refused');
        return undefined;
      }
      // moto answers arn:aws:sts::<account>:user/<name> for an IAM user.
      return arn.replace(/^arn:([\w-]+):sts::(\d{12}):user\//, 'arn:$1:iam::$2:user/') || undefined;
    })().catch((err: unknown) => {
      this.leasePrincipal = undefined;
      throw err;
    });
    return this.leasePrincipal;
  }

  // ---- the artefacts

  private async trustPolicy(userArn: string, expiresAt: string): Promise<string> {
    const until = untilCondition(expiresAt);
    const lease = await this.principalOfLease();
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Requester', Effect: 'Allow', Principal: { AWS: userArn }, Action: 'sts:AssumeRole', Condition: until },
        ...(lease !== undefined && lease !== userArn ? [{ Sid: 'LeaseIssuesCredentials', Effect: 'Allow', Principal: { AWS: lease }, Action: 'sts:AssumeRole', Condition: until }] : []),
      ],
    };
    return JSON.stringify(document);
  }

  /** Creates the request's role, or brings an existing one (a retried grant) up to date; its ARN. */
  private async ensureRole(name: string, input: GrantInput, user: { name: string; arn: string }): Promise<string> {
    const trust = await this.trustPolicy(user.arn, input.expiresAt);
    const tags = [
      { Key: TAG_REQUEST, Value: input.requestId },
      { Key: TAG_PROVIDER, Value: tagValue(this.id) ?? 'invalid' },
      { Key: TAG_EXPIRES, Value: awsTime(input.expiresAt) },
      ...(tagValue(user.name) !== undefined ? [{ Key: TAG_USER, Value: user.name }] : []),
    ];
    const created = await this.call(
      'CreateRole',
      () => this.iam.send(new CreateRoleCommand({ RoleName: name, Path: this.path, AssumeRolePolicyDocument: trust, MaxSessionDuration: MAX_SESSION_SECONDS, Description: `Lease request ${input.requestId} until ${awsTime(input.expiresAt)}`, Tags: tags })),
      ['EntityAlreadyExists'],
    );
    if (created?.Role?.Arn) return created.Role.Arn;
    await this.call('UpdateAssumeRolePolicy', () => this.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trust })));
    const existing = await this.call('GetRole', () => this.iam.send(new GetRoleCommand({ RoleName: name })));
    if (!existing?.Role?.Arn) throw new TargetUnavailable(`${this.context.target}: role ${name} exists but GetRole answered no ARN`);
    return existing.Role.Arn;
  }

  private async putUserPolicy(userName: string, name: string, roleArn: string, expiresAt: string): Promise<void> {
    const document = policyDocument([{ Sid: 'AssumeLeaseRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArn, Condition: untilCondition(expiresAt) }]);
    try {
      await this.call('PutUserPolicy', () => this.iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: name, PolicyDocument: document })));
    } catch (err) {
      if (err instanceof TargetRefused && /LimitExceeded/.test(err.message)) {
        throw new TargetRefused('target_refused', `${this.context.target}: IAM user "${userName}" has no room for another lease's policy (IAM allows ${USER_INLINE_POLICY_LIMIT} characters of inline policies per user, about ${Math.floor(USER_INLINE_POLICY_LIMIT / document.length)} concurrent leases): ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  /** Every user's inline policies named lease-* (one paged GetAccountAuthorizationDetails). */
  private async userPolicies(): Promise<Array<{ userName: string; policyName: string; document: string }>> {
    const users = await this.pages('GetAccountAuthorizationDetails', async (marker) => {
      const page = await this.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'], Marker: marker, MaxItems: 1000 }));
      return { items: page?.UserDetailList ?? [], marker: page?.IsTruncated ? page.Marker : undefined };
    });
    return users.flatMap((user) =>
      (user.UserPolicyList ?? []).flatMap((p) => (user.UserName && p.PolicyName && requestIdOf(p.PolicyName) ? [{ userName: user.UserName, policyName: p.PolicyName, document: p.PolicyDocument ?? '' }] : [])),
    );
  }

  // ---- calling AWS

  private call<T>(what: string, call: () => Promise<T>, tolerate: readonly string[] = []): Promise<T | undefined> {
    return callAws(this.context, what, call, tolerate);
  }

  /** Every item of a Marker-paged IAM list. */
  private async pages<I>(what: string, page: (marker: string | undefined) => Promise<{ items: I[]; marker: string | undefined }>, tolerate: readonly string[] = []): Promise<I[]> {
    const all: I[] = [];
    let marker: string | undefined;
    do {
      const answer = await this.call(what, () => page(marker), tolerate);
      if (!answer) return all;
      all.push(...answer.items);
      marker = answer.marker;
    } while (marker);
    return all;
  }
}

/** A policy's id as `inherits` names it: its name, path-qualified below a path (`job-function/ViewOnlyAccess`). */
export function policyIdOf(path: string | undefined, name: string): string {
  const prefix = (path ?? '/').replace(/^\/+|\/+$/g, '');
  return prefix === '' ? name : `${prefix}/${name}`;
}

/** IAM hands policy documents back URL-encoded (RFC 3986); moto sometimes as plain JSON. */
export function decodePolicyDocument(document: string): unknown {
  const text = document.trimStart().startsWith('{') ? document : decodeURIComponent(document);
  return JSON.parse(text) as unknown;
}

/** The `DateLessThan aws:CurrentTime` of a policy document, if it has one. */
export function expiryOf(document: string): string | undefined {
  try {
    const parsed = decodePolicyDocument(document) as { Statement?: unknown };
    const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
    for (const statement of statements as Array<{ Condition?: { DateLessThan?: Record<string, unknown> } } | undefined>) {
      const value = statement?.Condition?.DateLessThan?.['aws:CurrentTime'];
      if (typeof value === 'string') return value;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** The IAM users a role's trust policy names (the requester). */
function trustedUsersOf(role: Role): string[] {
  if (!role.AssumeRolePolicyDocument) return [];
  try {
    const parsed = decodePolicyDocument(role.AssumeRolePolicyDocument) as { Statement?: Array<{ Sid?: string; Principal?: { AWS?: string | string[] } }> };
    return (parsed.Statement ?? [])
      .filter((s) => s.Sid === 'Requester')
      .flatMap((s) => [s.Principal?.AWS ?? []].flat())
      .flatMap((arn) => {
        const match = /:user\/(?:.*\/)?([\w+=,.@-]+)$/.exec(arn);
        return match ? [match[1] as string] : [];
      });
  } catch {
    return [];
  }
}

/** RoleSessionName (CloudTrail shows it): who, in STS's alphabet, at most 64. */
function sessionNameOf(identity: Identity): string {
  const who = (identity.email ?? identity.id).replace(/[^\w+=,.@-]/g, '-');
  return `lease-${who}`.slice(0, 64);
}

/**
 * The console sign-in URL for a session: the federation endpoint's getSigninToken for the
 * credentials, then its login action with that token. The token is a secret: never logged.
 */
export async function consoleSignInUrl(federation: string, credentials: AwsAccessCredentials, options: { target: string; destination: string; issuer?: string }): Promise<string> {
  const session = JSON.stringify({ sessionId: credentials.accessKeyId, sessionKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken });
  const tokenUrl = new URL(federation);
  tokenUrl.searchParams.set('Action', 'getSigninToken');
  tokenUrl.searchParams.set('Session', session);
  let response: Response;
  try {
    response = await fetch(tokenUrl, { redirect: 'error', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new TargetUnavailable(`${options.target}: cannot reach the console federation endpoint ${tokenUrl.origin}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await response.text();
  if (response.status === 429 || response.status >= 500) throw new TargetUnavailable(`${options.target}: the console federation endpoint answered ${response.status}`);
  let token: unknown;
  try {
    token = (JSON.parse(text) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (!response.ok || typeof token !== 'string' || token === '') throw new TargetRefused('target_refused', `${options.target}: the console federation endpoint refused the session (${response.status})`);
  const login = new URL(federation);
  login.searchParams.set('Action', 'login');
  login.searchParams.set('Issuer', options.issuer ?? 'lease');
  login.searchParams.set('Destination', options.destination);
  login.searchParams.set('SigninToken', token);
  return login.toString();
}
