// `aws` provider, `mode: identity_center`: a lease is an IAM Identity Center account assignment
// (user, permission set, account). One permission set per Lease role, kept in step with the role;
// overlapping leases of one user share the assignment, reference-counted in the permission set's
// tags (naming.ts). Assignments have no expiry of their own: the lease's timer and the
// reconciler end them. See README.md.
import { createHash } from 'node:crypto';
import {
  AttachCustomerManagedPolicyReferenceToPermissionSetCommand,
  AttachManagedPolicyToPermissionSetCommand,
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DeleteInlinePolicyFromPermissionSetCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
  DescribePermissionSetCommand,
  DescribePermissionSetProvisioningStatusCommand,
  DetachCustomerManagedPolicyReferenceFromPermissionSetCommand,
  DetachManagedPolicyFromPermissionSetCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListAccountsForProvisionedPermissionSetCommand,
  ListCustomerManagedPolicyReferencesInPermissionSetCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  ListTagsForResourceCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  SSOAdminClient,
  TagResourceCommand,
  UntagResourceCommand,
  type AccountAssignmentOperationStatus,
  type CustomerManagedPolicyReference,
} from '@aws-sdk/client-sso-admin';
import { GetUserIdCommand, IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { TargetRefused, TargetUnavailable, type RetryOptions } from '../../cloud/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, GrantRole } from '../../provider.js';
import type { Identity, Logger } from '../../../core/index.js';
import { awsCall, isNotFound } from './errors.js';
import { policyDocument, roleStatements } from '../policy.js';
import { holdersOf, holdTagKey, holdTagValue, MAX_HOLDERS, permissionSetName, PROVIDER_TAG, ROLE_TAG, type Holder } from './naming.js';
import type { AwsClientConfig } from '../clients.js';

export interface IdentityCenterOptions {
  providerId: string;
  clientConfig: AwsClientConfig;
  /** The account the assignments are made in (config account_id, else STS GetCallerIdentity, resolved once). */
  accountId: () => Promise<string>;
  instanceArn?: string;
  identityStoreId?: string;
  logger?: Logger;
  /** Quick retries of a transient failure inside one call (tests shorten them). */
  retry?: RetryOptions;
  /** How an asynchronous operation (assignment, provisioning) is awaited: every `intervalMs`, at most `attempts` times. */
  poll?: { intervalMs?: number; attempts?: number };
  now?: () => number;
}

/** What revoke needs; `data` of the grant record and of an active grant. */
export interface IdentityCenterGrantData {
  instanceArn: string;
  permissionSetArn: string;
  accountId: string;
  principalId: string;
  role: string;
}

interface Instance {
  instanceArn: string;
  identityStoreId: string;
  partition: string;
}

/** What a role's permission set holds. */
interface PermissionSetContent {
  inlinePolicy?: string;
  managedPolicyArns: string[];
  customerManagedPolicies: Array<{ Name: string; Path: string }>;
}

/** Directory lookups (e-mail → user id) and a verified permission set's content are trusted this long. */
const LOOKUP_TTL_MS = 10 * 60_000;
/** The permission set's session: the shortest AWS allows. Sessions already started outlive a revoke by at most this. */
export const SESSION_DURATION = 'PT1H';

export class IdentityCenterAccess implements AccessProvider {
  readonly type = 'aws';
  readonly id: string;
  private readonly sso: SSOAdminClient;
  private readonly store: IdentitystoreClient;
  private readonly target: string;
  private readonly now: () => number;
  private instancePromise?: Promise<Instance>;
  private readonly users = new Map<string, { id: string; until: number }>();
  /** Role id → permission set ARN (names are deterministic, ARNs never change). */
  private readonly permissionSets = new Map<string, string>();
  /** Permission set ARN → fingerprint of the content last written or checked, and until when it is trusted. */
  private readonly synced = new Map<string, { fingerprint: string; until: number }>();
  /** Permission sets of the instance that are not this provider's (skipped by listActive for a while). */
  private readonly foreign = new Map<string, number>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly options: IdentityCenterOptions) {
    this.id = options.providerId;
    this.target = `aws provider "${options.providerId}" (identity_center)`;
    this.now = options.now ?? Date.now;
    // The SDK's own retries are off: withRetries (awsCall) decides, so attempts do not multiply.
    const clientConfig = { ...options.clientConfig, maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 } };
    this.sso = new SSOAdminClient(clientConfig);
    this.store = new IdentitystoreClient(clientConfig);
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    const content = this.contentOf(input.role, await this.partition());
    const principalId = await this.userIdOf(input.identity);
    const accountId = await this.options.accountId();
    const { instanceArn } = await this.instance();
    const name = permissionSetName(this.id, input.role.id);
    const permissionSetArn = await this.permissionSetFor(input.role, name, content);
    const holder: Holder = { requestId: input.requestId, principalId, accountId, expiresAt: input.expiresAt };
    await this.locked(`${permissionSetArn}|${principalId}|${accountId}`, () => this.join(permissionSetArn, holder));
    this.options.logger?.info({ provider: this.id, requestId: input.requestId, permissionSet: name, accountId }, 'identity center assignment granted');
    const data: IdentityCenterGrantData = { instanceArn, permissionSetArn, accountId, principalId, role: input.role.id };
    return { provider: this.id, requestId: input.requestId, data: { ...data } };
  }

  async revoke(record: GrantRecord): Promise<void> {
    const data = record.data as Partial<IdentityCenterGrantData>;
    const { instanceArn } = await this.instance();
    if (typeof data.permissionSetArn === 'string' && (data.instanceArn === undefined || data.instanceArn === instanceArn)) {
      await this.leaveWhereHeld(data.permissionSetArn, record.requestId);
      return;
    }
    // No record of what was made (a crash between AWS's answer and the store, or a refused
    // grant being undone): find the request's holder tag on Lease's permission sets.
    for (const { arn, tags } of await this.leasePermissionSets()) {
      if (tags[holdTagKey(record.requestId)] !== undefined) await this.leaveWhereHeld(arn, record.requestId);
    }
  }

  async listActive(): Promise<ActiveGrant[]> {
    const { instanceArn } = await this.instance();
    const active: ActiveGrant[] = [];
    for (const { arn, tags } of await this.leasePermissionSets()) {
      const holders = holdersOf(tags);
      const accounts = [...new Set(holders.map((h) => h.accountId))];
      for (const accountId of accounts) {
        const assigned = new Set(await this.assignedUsers(arn, accountId));
        for (const holder of holders.filter((h) => h.accountId === accountId)) {
          if (assigned.has(holder.principalId)) {
            const data: IdentityCenterGrantData = { instanceArn, permissionSetArn: arn, accountId, principalId: holder.principalId, role: tags[ROLE_TAG] ?? '' };
            active.push({ provider: this.id, requestId: holder.requestId, data: { ...data } });
          } else if (Date.parse(holder.expiresAt) < this.now()) {
            // A holder whose lease ended and whose assignment is gone grants nothing: free its tag.
            await this.untag(arn, holder.requestId);
          }
          // A live holder without its assignment is not reported: the reconciler sees it missing and grants again.
        }
      }
    }
    return active;
  }

  // ---- holders and assignments

  /**
   * Adds the request as a holder of the user's assignment of this permission set in this account,
   * creating the assignment when it is the first. The tag is written before the assignment, so a
   * crash in between leaves a holder revoke can find, never an assignment nobody holds.
   */
  private async join(permissionSetArn: string, holder: Holder): Promise<void> {
    const tags = await this.tagsOf(permissionSetArn);
    const all = holdersOf(tags);
    const sameUser = all.filter((h) => h.principalId === holder.principalId && h.accountId === holder.accountId);
    if (sameUser.some((h) => h.requestId === holder.requestId)) {
      await this.ensureAssigned(permissionSetArn, holder);
      return;
    }
    const assigned = await this.isAssigned(permissionSetArn, holder.accountId, holder.principalId);
    if (assigned && sameUser.length === 0) {
      throw new TargetRefused(
        'target_conflict',
        `${this.target}: the user already has standing access to permission set ${permissionSetArn} in account ${holder.accountId} through an assignment Lease did not make; Lease leaves it alone`,
      );
    }
    if (all.length >= MAX_HOLDERS) {
      throw new TargetRefused('target_refused', `${this.target}: permission set ${permissionSetArn} already holds ${all.length} leases, the most its 50 tags allow (${MAX_HOLDERS}); try again when one ends`);
    }
    const { instanceArn } = await this.instance();
    await awsCall(this.target, 'sso:TagResource', () => this.sso.send(new TagResourceCommand({ InstanceArn: instanceArn, ResourceArn: permissionSetArn, Tags: [{ Key: holdTagKey(holder.requestId), Value: holdTagValue(holder) }] })), this.options.retry);
    if (!assigned) await this.ensureAssigned(permissionSetArn, holder);
  }

  /** Leaves, under the per-assignment lock, when the request holds this permission set. */
  private async leaveWhereHeld(permissionSetArn: string, requestId: string): Promise<void> {
    let tags: Record<string, string>;
    try {
      tags = await this.tagsOf(permissionSetArn);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const mine = holdersOf(tags).find((h) => h.requestId === requestId);
    if (!mine) return;
    await this.locked(`${permissionSetArn}|${mine.principalId}|${mine.accountId}`, () => this.leave(permissionSetArn, mine));
  }

  /**
   * Removes the request from the holders; the last holder for this user and account deletes the
   * assignment first and its tag second, so a crash in between leaves the holder for the retried
   * revoke. A grant that joined meanwhile gets its assignment back.
   */
  private async leave(permissionSetArn: string, mine: Holder): Promise<void> {
    const sameUser = (tags: Record<string, string>) => holdersOf(tags).filter((h) => h.principalId === mine.principalId && h.accountId === mine.accountId && h.requestId !== mine.requestId);
    const tags = await this.tagsOf(permissionSetArn);
    if (tags[holdTagKey(mine.requestId)] === undefined) return;
    const last = sameUser(tags).length === 0;
    if (last) await this.unassign(permissionSetArn, mine.accountId, mine.principalId);
    await this.untag(permissionSetArn, mine.requestId);
    this.options.logger?.info({ provider: this.id, requestId: mine.requestId, permissionSet: permissionSetArn, accountId: mine.accountId, assignmentRemoved: last }, 'identity center assignment revoked');
    if (last) {
      const joined = sameUser(await this.tagsOf(permissionSetArn))[0];
      if (joined) await this.ensureAssigned(permissionSetArn, joined);
    }
  }

  private async untag(permissionSetArn: string, requestId: string): Promise<void> {
    const { instanceArn } = await this.instance();
    try {
      await awsCall(this.target, 'sso:UntagResource', () => this.sso.send(new UntagResourceCommand({ InstanceArn: instanceArn, ResourceArn: permissionSetArn, TagKeys: [holdTagKey(requestId)] })), this.options.retry);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async ensureAssigned(permissionSetArn: string, holder: Holder): Promise<void> {
    if (await this.isAssigned(permissionSetArn, holder.accountId, holder.principalId)) return;
    const { instanceArn } = await this.instance();
    const out = await awsCall(
      this.target,
      'sso:CreateAccountAssignment',
      () => this.sso.send(new CreateAccountAssignmentCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn, TargetType: 'AWS_ACCOUNT', TargetId: holder.accountId, PrincipalType: 'USER', PrincipalId: holder.principalId })),
      this.options.retry,
    );
    await this.awaitStatus('create the account assignment', out.AccountAssignmentCreationStatus, async (requestId) =>
      (await awsCall(this.target, 'sso:DescribeAccountAssignmentCreationStatus', () => this.sso.send(new DescribeAccountAssignmentCreationStatusCommand({ InstanceArn: instanceArn, AccountAssignmentCreationRequestId: requestId })), this.options.retry)).AccountAssignmentCreationStatus,
    );
  }

  /** Deletes the user's assignment; one already gone is success. */
  private async unassign(permissionSetArn: string, accountId: string, principalId: string): Promise<void> {
    const { instanceArn } = await this.instance();
    let out;
    try {
      out = await awsCall(
        this.target,
        'sso:DeleteAccountAssignment',
        () => this.sso.send(new DeleteAccountAssignmentCommand({ InstanceArn: instanceArn, PermissionSetArn: permissionSetArn, TargetType: 'AWS_ACCOUNT', TargetId: accountId, PrincipalType: 'USER', PrincipalId: principalId })),
        this.options.retry,
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    await this.awaitStatus('delete the account assignment', out.AccountAssignmentDeletionStatus, async (requestId) =>
      (await awsCall(this.target, 'sso:DescribeAccountAssignmentDeletionStatus', () => this.sso.send(new DescribeAccountAssignmentDeletionStatusCommand({ InstanceArn: instanceArn, AccountAssignmentDeletionRequestId: requestId })), this.options.retry)).AccountAssignmentDeletionStatus,
    );
  }

  /** Waits (bounded) for an asynchronous assignment operation; FAILED is a refusal with AWS's reason. */
  private async awaitStatus(what: string, first: AccountAssignmentOperationStatus | undefined, describe: (requestId: string) => Promise<AccountAssignmentOperationStatus | undefined>): Promise<void> {
    const attempts = this.options.poll?.attempts ?? 60;
    const interval = this.options.poll?.intervalMs ?? 1_000;
    let status = first;
    for (let attempt = 1; ; attempt++) {
      if (status?.Status === 'SUCCEEDED') return;
      if (status?.Status === 'FAILED') {
        const reason = status.FailureReason ?? 'no reason given';
        // Deleting what is already gone, or creating what exists, is what was asked for.
        if (/not ?found|does not exist/i.test(reason) && what.startsWith('delete')) return;
        throw new TargetRefused('target_refused', `${this.target}: AWS could not ${what}: ${reason}`);
      }
      const requestId = status?.RequestId;
      if (requestId === undefined) throw new TargetUnavailable(`${this.target}: AWS gave no request id to follow while trying to ${what}`);
      if (attempt >= attempts) throw new TargetUnavailable(`${this.target}: AWS did not finish to ${what} within ${attempts} checks (request ${requestId}); the grant is retried`);
      await new Promise((resolve) => setTimeout(resolve, interval));
      status = { ...(await describe(requestId)), RequestId: requestId };
    }
  }

  private async isAssigned(permissionSetArn: string, accountId: string, principalId: string): Promise<boolean> {
    return (await this.assignedUsers(permissionSetArn, accountId)).includes(principalId);
  }

  /** The users (not groups) assigned this permission set in this account. */
  private async assignedUsers(permissionSetArn: string, accountId: string): Promise<string[]> {
    const { instanceArn } = await this.instance();
    const users: string[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(this.target, 'sso:ListAccountAssignments', () => this.sso.send(new ListAccountAssignmentsCommand({ InstanceArn: instanceArn, AccountId: accountId, PermissionSetArn: permissionSetArn, NextToken: token })), this.options.retry);
      for (const a of page.AccountAssignments ?? []) if (a.PrincipalType === 'USER' && a.PrincipalId) users.push(a.PrincipalId);
      token = page.NextToken;
    } while (token);
    return users;
  }

  private async tagsOf(permissionSetArn: string): Promise<Record<string, string>> {
    const { instanceArn } = await this.instance();
    const tags: Record<string, string> = {};
    let token: string | undefined;
    do {
      const page = await awsCall(this.target, 'sso:ListTagsForResource', () => this.sso.send(new ListTagsForResourceCommand({ InstanceArn: instanceArn, ResourceArn: permissionSetArn, NextToken: token })), this.options.retry);
      for (const tag of page.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
      token = page.NextToken;
    } while (token);
    return tags;
  }

  // ---- permission sets

  /** The role's permission set, made when missing and brought in line with the role when it changed. */
  private async permissionSetFor(role: GrantRole, name: string, content: PermissionSetContent): Promise<string> {
    let arn = this.permissionSets.get(role.id) ?? (await this.findPermissionSet(name));
    let created = false;
    if (arn === undefined) {
      arn = await this.createPermissionSet(role, name);
      created = arn !== undefined;
      arn ??= await this.findPermissionSet(name);
      if (arn === undefined) throw new TargetUnavailable(`${this.target}: permission set ${name} was reported to exist but cannot be found`);
    }
    this.permissionSets.set(role.id, arn);
    const fingerprint = createHash('sha256').update(JSON.stringify(content)).digest('hex');
    const known = this.synced.get(arn);
    if (known && known.fingerprint === fingerprint && known.until > this.now()) return arn;
    await this.locked(`sync|${arn}`, () => this.sync(arn, content, created));
    this.synced.set(arn, { fingerprint, until: this.now() + LOOKUP_TTL_MS });
    return arn;
  }

  /** The ARN of this instance's permission set with this name, checked to be this provider's. */
  private async findPermissionSet(name: string): Promise<string | undefined> {
    const { instanceArn } = await this.instance();
    for (const arn of await this.permissionSetArns()) {
      const described = await awsCall(this.target, 'sso:DescribePermissionSet', () => this.sso.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn })), this.options.retry);
      if (described.PermissionSet?.Name !== name) continue;
      const tags = await this.tagsOf(arn);
      if (tags[PROVIDER_TAG] !== this.id) {
        throw new TargetRefused('target_conflict', `${this.target}: permission set ${name} exists but Lease did not make it (no ${PROVIDER_TAG}=${this.id} tag); rename or delete it`);
      }
      return arn;
    }
    return undefined;
  }

  /** Creates the permission set; undefined when another grant made it meanwhile (ConflictException). */
  private async createPermissionSet(role: GrantRole, name: string): Promise<string | undefined> {
    const { instanceArn } = await this.instance();
    try {
      const out = await awsCall(
        this.target,
        'sso:CreatePermissionSet',
        () =>
          this.sso.send(
            new CreatePermissionSetCommand({
              InstanceArn: instanceArn,
              Name: name,
              Description: descriptionOf(role),
              SessionDuration: SESSION_DURATION,
              Tags: [
                { Key: PROVIDER_TAG, Value: tagValue(this.id) },
                { Key: ROLE_TAG, Value: tagValue(role.id) },
              ],
            }),
          ),
        this.options.retry,
      );
      const arn = out.PermissionSet?.PermissionSetArn;
      if (!arn) throw new TargetUnavailable(`${this.target}: CreatePermissionSet answered without an ARN`);
      this.options.logger?.info({ provider: this.id, role: role.id, permissionSet: name }, 'identity center permission set created');
      return arn;
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_conflict') return undefined;
      throw err;
    }
  }

  /** Compares the permission set with the role and changes what differs; provisions the change to the accounts that have it. */
  private async sync(arn: string, content: PermissionSetContent, created: boolean): Promise<void> {
    const { instanceArn } = await this.instance();
    const send = <T>(action: string, call: () => Promise<T>) => awsCall(this.target, `sso:${action}`, call, this.options.retry);
    const ids = { InstanceArn: instanceArn, PermissionSetArn: arn };
    let changed = false;

    const inline = (await send('GetInlinePolicyForPermissionSet', () => this.sso.send(new GetInlinePolicyForPermissionSetCommand(ids)))).InlinePolicy ?? '';
    if (content.inlinePolicy === undefined && inline !== '') {
      await send('DeleteInlinePolicyFromPermissionSet', () => this.sso.send(new DeleteInlinePolicyFromPermissionSetCommand(ids)));
      changed = true;
    } else if (content.inlinePolicy !== undefined && canonicalJson(inline) !== canonicalJson(content.inlinePolicy)) {
      await send('PutInlinePolicyToPermissionSet', () => this.sso.send(new PutInlinePolicyToPermissionSetCommand({ ...ids, InlinePolicy: content.inlinePolicy })));
      changed = true;
    }

    const attached = new Set<string>();
    let token: string | undefined;
    do {
      const page = await send('ListManagedPoliciesInPermissionSet', () => this.sso.send(new ListManagedPoliciesInPermissionSetCommand({ ...ids, NextToken: token })));
      for (const p of page.AttachedManagedPolicies ?? []) if (p.Arn) attached.add(p.Arn);
      token = page.NextToken;
    } while (token);
    for (const policyArn of content.managedPolicyArns.filter((a) => !attached.has(a))) {
      await send('AttachManagedPolicyToPermissionSet', () => this.sso.send(new AttachManagedPolicyToPermissionSetCommand({ ...ids, ManagedPolicyArn: policyArn })));
      changed = true;
    }
    for (const policyArn of [...attached].filter((a) => !content.managedPolicyArns.includes(a))) {
      await send('DetachManagedPolicyFromPermissionSet', () => this.sso.send(new DetachManagedPolicyFromPermissionSetCommand({ ...ids, ManagedPolicyArn: policyArn })));
      changed = true;
    }

    const refs: CustomerManagedPolicyReference[] = [];
    token = undefined;
    do {
      const page = await send('ListCustomerManagedPolicyReferencesInPermissionSet', () => this.sso.send(new ListCustomerManagedPolicyReferencesInPermissionSetCommand({ ...ids, NextToken: token })));
      refs.push(...(page.CustomerManagedPolicyReferences ?? []));
      token = page.NextToken;
    } while (token);
    const key = (r: { Name?: string; Path?: string }) => `${r.Path ?? '/'}${r.Name ?? ''}`;
    const wanted = new Set(content.customerManagedPolicies.map(key));
    const have = new Set(refs.map(key));
    for (const ref of content.customerManagedPolicies.filter((r) => !have.has(key(r)))) {
      await send('AttachCustomerManagedPolicyReferenceToPermissionSet', () => this.sso.send(new AttachCustomerManagedPolicyReferenceToPermissionSetCommand({ ...ids, CustomerManagedPolicyReference: ref })));
      changed = true;
    }
    for (const ref of refs.filter((r) => !wanted.has(key(r)))) {
      await send('DetachCustomerManagedPolicyReferenceFromPermissionSet', () => this.sso.send(new DetachCustomerManagedPolicyReferenceFromPermissionSetCommand({ ...ids, CustomerManagedPolicyReference: ref })));
      changed = true;
    }

    if (!changed || created) return;
    // A changed permission set reaches the accounts that already have it only once provisioned:
    // all of them, plus those where Lease holds it (in case AWS does not list them yet).
    const listed = (await send('ListAccountsForProvisionedPermissionSet', () => this.sso.send(new ListAccountsForProvisionedPermissionSetCommand(ids)))).AccountIds ?? [];
    const held = [...new Set(holdersOf(await this.tagsOf(arn)).map((h) => h.accountId))].filter((a) => !listed.includes(a));
    const targets: Array<{ TargetType: 'ALL_PROVISIONED_ACCOUNTS' } | { TargetType: 'AWS_ACCOUNT'; TargetId: string }> = [
      ...(listed.length > 0 ? [{ TargetType: 'ALL_PROVISIONED_ACCOUNTS' as const }] : []),
      ...held.map((TargetId) => ({ TargetType: 'AWS_ACCOUNT' as const, TargetId })),
    ];
    for (const target of targets) {
      const out = await send('ProvisionPermissionSet', () => this.sso.send(new ProvisionPermissionSetCommand({ ...ids, ...target })));
      await this.awaitStatus('provision the changed permission set', out.PermissionSetProvisioningStatus, async (requestId) =>
        (await send('DescribePermissionSetProvisioningStatus', () => this.sso.send(new DescribePermissionSetProvisioningStatusCommand({ InstanceArn: instanceArn, ProvisionPermissionSetRequestId: requestId })))).PermissionSetProvisioningStatus,
      );
    }
    if (targets.length === 0) return;
    this.options.logger?.info({ provider: this.id, permissionSet: arn }, 'identity center permission set changed and provisioned');
  }

  /** What the role's permission set must hold: its permissions as an inline policy, and the managed policies it inherits. */
  private contentOf(role: GrantRole, partition: string): PermissionSetContent {
    // No time condition: the permission set is shared by every lease of the role.
    const statements = roleStatements(role);
    const managed = new Set<string>();
    const customer = new Map<string, { Name: string; Path: string }>();
    const prefixes = ['aws:', `${this.id}:`];
    for (const entry of role.nativeRoles) {
      const prefix = prefixes.find((p) => entry.startsWith(p));
      if (!prefix) continue;
      const ref = entry.slice(prefix.length).trim();
      const arn = /^arn:[\w-]+:iam::(aws|\d{12}):policy(\/.*)?\/([\w+=,.@-]+)$/.exec(ref);
      if (arn) {
        if (arn[1] === 'aws') managed.add(ref);
        else customer.set(`${arn[2] ?? ''}/${arn[3]}`, { Name: arn[3] as string, Path: `${arn[2] ?? ''}/` });
      } else if (/^[\w+=,.@/-]+$/.test(ref) && !ref.startsWith('/') && !ref.endsWith('/')) {
        managed.add(`arn:${partition}:iam::aws:policy/${ref}`);
      } else {
        throw new TargetRefused('target_refused', `${this.target}: role "${role.id}" inherits "${entry}", which is neither an AWS managed policy name nor a policy ARN`);
      }
    }
    if (!statements.some((s) => s.Effect === 'Allow') && managed.size === 0 && customer.size === 0) {
      throw new TargetRefused('target_refused', `${this.target}: role "${role.id}" grants nothing on AWS: give it permissions or inherits: [aws:<managed policy name or ARN>]`);
    }
    if (managed.size + customer.size > 20) {
      throw new TargetRefused('target_refused', `${this.target}: role "${role.id}" names ${managed.size + customer.size} managed policies; a permission set holds at most 20`);
    }
    return {
      ...(statements.length > 0 ? { inlinePolicy: policyDocument(statements) } : {}),
      managedPolicyArns: [...managed].sort(),
      customerManagedPolicies: [...customer.values()].sort((a, b) => `${a.Path}${a.Name}`.localeCompare(`${b.Path}${b.Name}`)),
    };
  }

  /** This provider's permission sets (by their lease:provider tag), with their tags and names. */
  private async leasePermissionSets(): Promise<Array<{ arn: string; tags: Record<string, string> }>> {
    const ours: Array<{ arn: string; tags: Record<string, string> }> = [];
    for (const arn of await this.permissionSetArns()) {
      if ((this.foreign.get(arn) ?? 0) > this.now()) continue;
      let tags: Record<string, string>;
      try {
        tags = await this.tagsOf(arn);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      if (tags[PROVIDER_TAG] !== tagValue(this.id)) {
        this.foreign.set(arn, this.now() + LOOKUP_TTL_MS);
        continue;
      }
      ours.push({ arn, tags });
    }
    return ours;
  }

  private async permissionSetArns(): Promise<string[]> {
    const { instanceArn } = await this.instance();
    const arns: string[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall(this.target, 'sso:ListPermissionSets', () => this.sso.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn, NextToken: token })), this.options.retry);
      arns.push(...(page.PermissionSets ?? []));
      token = page.NextToken;
    } while (token);
    return arns;
  }

  // ---- directory

  /** The Identity Center user with the requester's verified e-mail (else with it as user name). */
  private async userIdOf(identity: Identity): Promise<string> {
    const email = identity.email_verified === true ? identity.email : undefined;
    if (email === undefined || !email.includes('@')) {
      throw new TargetRefused('target_not_found', `${this.target}: ${identity.id} has no verified e-mail address to find their Identity Center user by`);
    }
    const key = email.toLowerCase();
    const cached = this.users.get(key);
    if (cached && cached.until > this.now()) return cached.id;
    const { identityStoreId } = await this.instance();
    const lookUp = async (path: string): Promise<string | undefined> => {
      try {
        const out = await awsCall(this.target, 'identitystore:GetUserId', () => this.store.send(new GetUserIdCommand({ IdentityStoreId: identityStoreId, AlternateIdentifier: { UniqueAttribute: { AttributePath: path, AttributeValue: email } } })), this.options.retry);
        return out.UserId;
      } catch (err) {
        // Not found, or (for emails.value) a store that cannot look users up by e-mail.
        if (err instanceof TargetRefused && (err.code === 'target_not_found' || err.code === 'target_refused')) return undefined;
        throw err;
      }
    };
    const id = (await lookUp('emails.value')) ?? (await lookUp('userName'));
    if (id === undefined) throw new TargetRefused('target_not_found', `${this.target}: no Identity Center user has the e-mail address or user name ${email} in identity store ${identityStoreId}`);
    this.users.set(key, { id, until: this.now() + LOOKUP_TTL_MS });
    return id;
  }

  /** The configured instance and identity store, or the only one ListInstances returns (resolved once). */
  private instance(): Promise<Instance> {
    this.instancePromise ??= this.discoverInstance().catch((err: unknown) => {
      this.instancePromise = undefined;
      throw err;
    });
    return this.instancePromise;
  }

  private async partition(): Promise<string> {
    return (await this.instance()).partition;
  }

  private async discoverInstance(): Promise<Instance> {
    const { instanceArn, identityStoreId } = this.options;
    if (instanceArn !== undefined && identityStoreId !== undefined) return { instanceArn, identityStoreId, partition: partitionOf(instanceArn) };
    const instances: Array<{ InstanceArn?: string; IdentityStoreId?: string }> = [];
    let token: string | undefined;
    do {
      const page = await awsCall(this.target, 'sso:ListInstances', () => this.sso.send(new ListInstancesCommand({ NextToken: token })), this.options.retry);
      instances.push(...(page.Instances ?? []));
      token = page.NextToken;
    } while (token);
    const matching = instances.filter((i) => (instanceArn === undefined || i.InstanceArn === instanceArn) && (identityStoreId === undefined || i.IdentityStoreId === identityStoreId));
    if (matching.length === 0) {
      throw new TargetRefused('target_not_found', `${this.target}: no IAM Identity Center instance${instanceArn ? ` ${instanceArn}` : identityStoreId ? ` with identity store ${identityStoreId}` : ''} is visible in region ${String(this.options.clientConfig.region)}; check identity_center.instance_arn and the region`);
    }
    if (matching.length > 1) {
      throw new TargetRefused('target_refused', `${this.target}: ${matching.length} IAM Identity Center instances are visible (${matching.map((i) => i.InstanceArn).join(', ')}); set identity_center.instance_arn to the one to use`);
    }
    const found = matching[0] as { InstanceArn?: string; IdentityStoreId?: string };
    if (!found.InstanceArn || !found.IdentityStoreId) throw new TargetUnavailable(`${this.target}: ListInstances answered without an instance ARN or identity store id`);
    return { instanceArn: found.InstanceArn, identityStoreId: found.IdentityStoreId, partition: partitionOf(found.InstanceArn) };
  }

  /** Runs `work` after any other work on the same key in this process (fewer races between overlapping grants). */
  private async locked<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(work);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }
}

function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

/** Tag values allow letters, digits, spaces and _.:/=+-@ only. */
function tagValue(value: string): string {
  return value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
}

/** A permission set's description allows printable Latin-1 and at most 700 characters. */
function descriptionOf(role: GrantRole): string {
  return `Lease role ${role.id}: ${role.name}`.replace(/[^\u0020-\u007E\u00A1-\u00FF]/g, '?').slice(0, 700);
}

/** JSON with sorted keys, to compare an inline policy AWS may have reformatted. */
function canonicalJson(text: string): string {
  if (text === '') return '';
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sort((value as Record<string, unknown>)[k])]));
    return value;
  };
  try {
    return JSON.stringify(sort(JSON.parse(text)));
  } catch {
    return text;
  }
}
