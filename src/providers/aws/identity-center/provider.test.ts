// mode identity_center against a real moto server (test/support/moto.ts: fails under CI=true
// when moto is missing, skips loudly elsewhere). moto 5.2.5 has no sso-admin tagging calls and
// answers assignment operations SUCCEEDED at once: moto-gaps.fake.ts, in front of moto, adds
// only those (and injected refusals); everything else is moto's.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  GetInlinePolicyForPermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListManagedPoliciesInPermissionSetCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
  DescribePermissionSetCommand,
} from '@aws-sdk/client-sso-admin';
import { CreateUserCommand, IdentitystoreClient } from '@aws-sdk/client-identitystore';
import type { Identity } from '../../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../../cloud/index.js';
import type { GrantRole } from '../../provider.js';
import { startMoto } from '../../../../test/support/moto.js';
import { MotoGapsFake } from './moto-gaps.fake.js';
import { IdentityCenterAccess, type IdentityCenterGrantData } from './provider.js';
import { MAX_HOLDERS, permissionSetName } from './naming.js';

const ACCOUNT = '123456789012';
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
const person = (id: string, email: string, verified = true): Identity => ({ id, email, email_verified: verified, groups: [], provider: 'local', provider_type: 'local' });
const alice = person('alice', 'alice@example.com');
const bob = person('bob', 'bob@example.com');
const role = (over: Partial<GrantRole> = {}): GrantRole => ({
  id: 'aws-reader',
  name: 'AWS reader',
  permissions: { allow: ['s3:GetObject', 's3:ListBucket'], deny: [] },
  resources: { allow: [], deny: [] },
  nativeRoles: ['aws:ReadOnlyAccess'],
  ...over,
});

interface World {
  fake: MotoGapsFake;
  sso: SSOAdminClient;
  instanceArn: string;
  users: Record<string, string>;
  provider(extra?: Partial<ConstructorParameters<typeof IdentityCenterAccess>[0]>): IdentityCenterAccess;
  /** The user ids assigned a permission set in the account. */
  assigned(permissionSetArn: string): Promise<string[]>;
  permissionSetArn(name: string): Promise<string | undefined>;
}

async function world(t: TestContext): Promise<World | undefined> {
  const moto = await startMoto(t);
  if (!moto) return undefined;
  const fake = await new MotoGapsFake(moto.endpoint).start();
  t.after(() => fake.stop());
  const clientConfig = { region: moto.region, endpoint: fake.endpoint, credentials: moto.credentials };
  const sso = new SSOAdminClient(clientConfig);
  const store = new IdentitystoreClient(clientConfig);
  t.after(() => {
    sso.destroy();
    store.destroy();
  });
  const [instance] = (await sso.send(new ListInstancesCommand({}))).Instances ?? [];
  const instanceArn = instance!.InstanceArn!;
  const identityStoreId = instance!.IdentityStoreId!;
  const users: Record<string, string> = {};
  const addUser = async (key: string, userName: string, emails: string[]) => {
    const made = await store.send(new CreateUserCommand({ IdentityStoreId: identityStoreId, UserName: userName, DisplayName: key, Name: { GivenName: key, FamilyName: 'Test' }, Emails: emails.map((Value) => ({ Value, Primary: true })) }));
    users[key] = made.UserId!;
  };
  await addUser('alice', 'alice', ['alice@example.com']);
  await addUser('bob', 'bob', ['bob@example.com']);
  // Known by user name only (its e-mail differs): found through the UserName fallback.
  await addUser('carol', 'carol@example.com', ['c.work@example.org']);
  return {
    fake,
    sso,
    instanceArn,
    users,
    provider: (extra = {}) => new IdentityCenterAccess({ providerId: 'aws-idc', clientConfig, accountId: () => Promise.resolve(ACCOUNT), retry: { baseDelayMs: 1 }, poll: { intervalMs: 5 }, ...extra }),
    async assigned(permissionSetArn) {
      const out = await sso.send(new ListAccountAssignmentsCommand({ InstanceArn: instanceArn, AccountId: ACCOUNT, PermissionSetArn: permissionSetArn }));
      return (out.AccountAssignments ?? []).map((a) => a.PrincipalId!).sort();
    },
    async permissionSetArn(name) {
      for (const arn of (await sso.send(new ListPermissionSetsCommand({ InstanceArn: instanceArn }))).PermissionSets ?? []) {
        if ((await sso.send(new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }))).PermissionSet?.Name === name) return arn;
      }
      return undefined;
    },
  };
}

const grantOf = (data: Record<string, unknown>) => data as unknown as IdentityCenterGrantData;

describe('aws identity_center (moto)', () => {
  test('a grant makes the role permission set (inline policy, managed policy, tags) and assigns it to the user found by e-mail', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    const record = await provider.grant({ requestId: 'req-1', identity: alice, role: role(), expiresAt: inAnHour() });
    const data = grantOf(record.data);
    const name = permissionSetName('aws-idc', 'aws-reader');
    assert.match(name, /^lease-aws-reader-[0-9a-f]{8}$/);
    assert.equal(data.permissionSetArn, await w.permissionSetArn(name));
    assert.equal(data.principalId, w.users.alice);
    assert.equal(data.accountId, ACCOUNT);
    assert.deepEqual(await w.assigned(data.permissionSetArn), [w.users.alice]);

    const ids = { InstanceArn: w.instanceArn, PermissionSetArn: data.permissionSetArn };
    const inline = JSON.parse((await w.sso.send(new GetInlinePolicyForPermissionSetCommand(ids))).InlinePolicy ?? '{}') as { Statement: Array<{ Effect: string; Action: string[]; Condition?: unknown }> };
    assert.deepEqual(inline.Statement.find((s) => s.Effect === 'Allow')?.Action, ['s3:GetObject', 's3:ListBucket']);
    assert.ok(inline.Statement.every((s) => s.Condition === undefined), 'a shared permission set carries no time condition');
    const managed = (await w.sso.send(new ListManagedPoliciesInPermissionSetCommand(ids))).AttachedManagedPolicies ?? [];
    assert.deepEqual(managed.map((p) => p.Arn), ['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    const tags = w.fake.tagsOf(data.permissionSetArn);
    assert.equal(tags['lease:provider'], 'aws-idc');
    assert.equal(tags['lease:role'], 'aws-reader');
    assert.match(tags['lease:hold:req-1'] ?? '', new RegExp(`^${w.users.alice}@${ACCOUNT}@\\d{4}-`));
  });

  test('overlapping leases of one user share the assignment until the last one is revoked', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    const first = await provider.grant({ requestId: 'req-a', identity: alice, role: role(), expiresAt: inAnHour() });
    const second = await provider.grant({ requestId: 'req-b', identity: alice, role: role(), expiresAt: inAnHour() });
    const arn = grantOf(first.data).permissionSetArn;
    assert.equal(grantOf(second.data).permissionSetArn, arn);
    assert.deepEqual(await w.assigned(arn), [w.users.alice], 'one assignment, not two');
    await provider.revoke(first);
    assert.deepEqual(await w.assigned(arn), [w.users.alice], 'the second lease still holds it');
    assert.equal(w.fake.tagsOf(arn)['lease:hold:req-a'], undefined);
    await provider.revoke(second);
    assert.deepEqual(await w.assigned(arn), []);
    assert.deepEqual(Object.keys(w.fake.tagsOf(arn)).sort(), ['lease:provider', 'lease:role']);
  });

  test('leases of different users are independent', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    const a = await provider.grant({ requestId: 'req-a', identity: alice, role: role(), expiresAt: inAnHour() });
    const b = await provider.grant({ requestId: 'req-b', identity: bob, role: role(), expiresAt: inAnHour() });
    const arn = grantOf(a.data).permissionSetArn;
    assert.deepEqual(await w.assigned(arn), [w.users.alice, w.users.bob].sort());
    await provider.revoke(a);
    assert.deepEqual(await w.assigned(arn), [w.users.bob]);
    await provider.revoke(b);
    assert.deepEqual(await w.assigned(arn), []);
  });

  test('granting twice for one request grants once; revoking twice succeeds', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    const input = { requestId: 'req-1', identity: alice, role: role(), expiresAt: inAnHour() };
    const first = await provider.grant(input);
    const again = await w.provider().grant(input);
    assert.deepEqual(again, first);
    const arn = grantOf(first.data).permissionSetArn;
    assert.deepEqual(await w.assigned(arn), [w.users.alice]);
    assert.equal(Object.keys(w.fake.tagsOf(arn)).filter((k) => k.startsWith('lease:hold:')).length, 1);
    await provider.revoke(first);
    await provider.revoke(first);
    assert.deepEqual(await w.assigned(arn), []);
  });

  test('revoke with empty data finds the holder by request id', async (t) => {
    const w = await world(t);
    if (!w) return;
    const record = await w.provider().grant({ requestId: 'req-lost', identity: alice, role: role(), expiresAt: inAnHour() });
    const arn = grantOf(record.data).permissionSetArn;
    await w.provider().revoke({ provider: 'aws-idc', requestId: 'req-lost', data: {} });
    assert.deepEqual(await w.assigned(arn), []);
    assert.equal(w.fake.tagsOf(arn)['lease:hold:req-lost'], undefined);
    await w.provider().revoke({ provider: 'aws-idc', requestId: 'req-never', data: {} });
  });

  test('listActive reports each holder whose assignment exists, per request id', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    const a1 = await provider.grant({ requestId: 'req-a1', identity: alice, role: role(), expiresAt: inAnHour() });
    await provider.grant({ requestId: 'req-a2', identity: alice, role: role(), expiresAt: inAnHour() });
    const b = await provider.grant({ requestId: 'req-b', identity: bob, role: role({ id: 'aws-admin', nativeRoles: ['aws:arn:aws:iam::aws:policy/AdministratorAccess'], permissions: { allow: [], deny: [] } }), expiresAt: inAnHour() });
    // Another provider's permission sets are not ours to report.
    await w.provider({ providerId: 'other' }).grant({ requestId: 'req-other', identity: bob, role: role(), expiresAt: inAnHour() });
    const active = await w.provider().listActive();
    assert.deepEqual(active.map((g) => g.requestId).sort(), ['req-a1', 'req-a2', 'req-b']);
    assert.deepEqual(active.find((g) => g.requestId === 'req-b')?.data, b.data);
    assert.deepEqual(active.find((g) => g.requestId === 'req-a1')?.data, a1.data);

    // Bob's assignment removed behind Lease's back: his grant is missing (the reconciler grants it again).
    const bArn = grantOf(b.data).permissionSetArn;
    await w.sso.send(new DeleteAccountAssignmentCommand({ InstanceArn: w.instanceArn, PermissionSetArn: bArn, TargetType: 'AWS_ACCOUNT', TargetId: ACCOUNT, PrincipalType: 'USER', PrincipalId: w.users.bob }));
    assert.deepEqual((await provider.listActive()).map((g) => g.requestId).sort(), ['req-a1', 'req-a2']);
    await provider.grant({ requestId: 'req-b', identity: bob, role: role({ id: 'aws-admin', nativeRoles: ['aws:arn:aws:iam::aws:policy/AdministratorAccess'], permissions: { allow: [], deny: [] } }), expiresAt: inAnHour() });
    assert.deepEqual(await w.assigned(bArn), [w.users.bob]);
  });

  test('an ended holder whose assignment is gone is cleared by listActive', async (t) => {
    const w = await world(t);
    if (!w) return;
    const record = await w.provider().grant({ requestId: 'req-old', identity: alice, role: role(), expiresAt: new Date(Date.now() + 1_000).toISOString() });
    const arn = grantOf(record.data).permissionSetArn;
    await w.sso.send(new DeleteAccountAssignmentCommand({ InstanceArn: w.instanceArn, PermissionSetArn: arn, TargetType: 'AWS_ACCOUNT', TargetId: ACCOUNT, PrincipalType: 'USER', PrincipalId: w.users.alice }));
    assert.deepEqual(await w.provider({ now: () => Date.now() + 60_000 }).listActive(), []);
    assert.equal(w.fake.tagsOf(arn)['lease:hold:req-old'], undefined);
  });

  test('an unknown e-mail, or one the identity provider did not verify, is refused target_not_found', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    await assert.rejects(provider.grant({ requestId: 'req-x', identity: person('x', 'nobody@example.com'), role: role(), expiresAt: inAnHour() }), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && err.status === 404 && /nobody@example\.com/.test(err.message));
    await assert.rejects(provider.grant({ requestId: 'req-y', identity: person('alice', 'alice@example.com', false), role: role(), expiresAt: inAnHour() }), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /verified/.test(err.message));
  });

  test('a user known by user name = e-mail is found through the fallback', async (t) => {
    const w = await world(t);
    if (!w) return;
    const record = await w.provider().grant({ requestId: 'req-c', identity: person('carol', 'carol@example.com'), role: role(), expiresAt: inAnHour() });
    assert.equal(grantOf(record.data).principalId, w.users.carol);
  });

  test('an assignment Lease did not make is not taken over', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    const bobs = await provider.grant({ requestId: 'req-b', identity: bob, role: role(), expiresAt: inAnHour() });
    const arn = grantOf(bobs.data).permissionSetArn;
    await w.sso.send(new CreateAccountAssignmentCommand({ InstanceArn: w.instanceArn, PermissionSetArn: arn, TargetType: 'AWS_ACCOUNT', TargetId: ACCOUNT, PrincipalType: 'USER', PrincipalId: w.users.alice }));
    await assert.rejects(provider.grant({ requestId: 'req-a', identity: alice, role: role(), expiresAt: inAnHour() }), (err) => err instanceof TargetRefused && err.code === 'target_conflict' && /standing access/.test(err.message));
    await provider.revoke({ provider: 'aws-idc', requestId: 'req-a', data: {} });
    assert.deepEqual(await w.assigned(arn), [w.users.alice, w.users.bob].sort(), 'the standing assignment is left alone');
    assert.equal((await provider.listActive()).some((g) => g.requestId === 'req-a'), false);
  });

  test('a changed role updates the permission set: inline policy replaced, managed policies attached and detached', async (t) => {
    const w = await world(t);
    if (!w) return;
    const record = await w.provider().grant({ requestId: 'req-1', identity: alice, role: role(), expiresAt: inAnHour() });
    const arn = grantOf(record.data).permissionSetArn;
    const changed = role({ permissions: { allow: ['ec2:DescribeInstances'], deny: [] }, nativeRoles: ['aws:SecurityAudit', 'azure:Reader'] });
    await w.provider().grant({ requestId: 'req-2', identity: alice, role: changed, expiresAt: inAnHour() });
    const ids = { InstanceArn: w.instanceArn, PermissionSetArn: arn };
    assert.match((await w.sso.send(new GetInlinePolicyForPermissionSetCommand(ids))).InlinePolicy ?? '', /ec2:DescribeInstances/);
    assert.deepEqual(((await w.sso.send(new ListManagedPoliciesInPermissionSetCommand(ids))).AttachedManagedPolicies ?? []).map((p) => p.Arn), ['arn:aws:iam::aws:policy/SecurityAudit']);
    assert.ok(w.fake.calls.includes('SWBExternalService.ProvisionPermissionSet'), 'the change is provisioned to the account that has it');
    // Managed policies only, no permissions: the inline policy goes.
    await w.provider().grant({ requestId: 'req-3', identity: alice, role: role({ permissions: { allow: [], deny: [] } }), expiresAt: inAnHour() });
    assert.equal((await w.sso.send(new GetInlinePolicyForPermissionSetCommand(ids))).InlinePolicy ?? '', '');
  });

  test('AccessDenied names the missing permission; the undo (revoke with empty data) leaves nothing', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    w.fake.denied.add('sso:CreateAccountAssignment');
    await assert.rejects(provider.grant({ requestId: 'req-d', identity: alice, role: role(), expiresAt: inAnHour() }), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && err.status === 403 && err.missingPermission === 'sso:CreateAccountAssignment');
    w.fake.denied.clear();
    await provider.revoke({ provider: 'aws-idc', requestId: 'req-d', data: {} });
    const arn = (await w.permissionSetArn(permissionSetName('aws-idc', 'aws-reader')))!;
    assert.equal(w.fake.tagsOf(arn)['lease:hold:req-d'], undefined);
    assert.deepEqual(await w.assigned(arn), []);
  });

  test('throttling is retried; when it lasts, the error is retryable', async (t) => {
    const w = await world(t);
    if (!w) return;
    w.fake.throttleNext = 2;
    await w.provider().grant({ requestId: 'req-t', identity: alice, role: role(), expiresAt: inAnHour() });
    w.fake.throttleNext = 100;
    await assert.rejects(w.provider({ retry: { baseDelayMs: 1, attempts: 2 } }).listActive(), (err) => err instanceof TargetUnavailable && /Throttling/.test(err.message));
    w.fake.throttleNext = 0;
  });

  test('an unreachable endpoint is retryable', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = new IdentityCenterAccess({ providerId: 'aws-idc', clientConfig: { region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }, accountId: () => Promise.resolve(ACCOUNT), retry: { baseDelayMs: 1, attempts: 2 } });
    await assert.rejects(provider.listActive(), TargetUnavailable);
  });

  test('asynchronous assignment operations are awaited until SUCCEEDED; FAILED is a refusal with its reason', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    w.fake.inProgressChecks = 3;
    const record = await provider.grant({ requestId: 'req-slow', identity: alice, role: role(), expiresAt: inAnHour() });
    const describes = () => w.fake.calls.filter((c) => c.endsWith('DescribeAccountAssignmentCreationStatus')).length;
    assert.equal(describes(), 4);
    await provider.revoke(record);
    assert.equal(w.fake.calls.filter((c) => c.endsWith('DescribeAccountAssignmentDeletionStatus')).length, 4);
    w.fake.inProgressChecks = 0;
    w.fake.failNextCreation = true;
    await assert.rejects(provider.grant({ requestId: 'req-fail', identity: bob, role: role(), expiresAt: inAnHour() }), (err) => err instanceof TargetRefused && /Not supported policy/.test(err.message));
    await provider.revoke({ provider: 'aws-idc', requestId: 'req-fail', data: {} });
    assert.deepEqual(await provider.listActive(), []);
    // Never finishing within the bound is retryable, not a refusal.
    w.fake.inProgressChecks = 50;
    await assert.rejects(w.provider({ poll: { intervalMs: 1, attempts: 3 } }).grant({ requestId: 'req-stuck', identity: bob, role: role(), expiresAt: inAnHour() }), TargetUnavailable);
  });

  test(`a permission set holds at most ${MAX_HOLDERS} leases (its 50 tags); one more is refused`, async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    for (let i = 0; i < MAX_HOLDERS; i++) await provider.grant({ requestId: `req-${i}`, identity: alice, role: role(), expiresAt: inAnHour() });
    await assert.rejects(provider.grant({ requestId: 'req-one-more', identity: alice, role: role(), expiresAt: inAnHour() }), (err) => err instanceof TargetRefused && err.status === 400 && /48/.test(err.message));
    assert.equal((await provider.listActive()).length, MAX_HOLDERS);
  });

  test('a role that grants nothing on AWS, or names a malformed policy, is refused before anything is made', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider();
    await assert.rejects(provider.grant({ requestId: 'req-n', identity: alice, role: role({ permissions: { allow: [], deny: [] }, nativeRoles: [] }), expiresAt: inAnHour() }), (err) => err instanceof TargetRefused && err.code === 'target_refused');
    await assert.rejects(provider.grant({ requestId: 'req-m', identity: alice, role: role({ nativeRoles: ['aws:not a policy!'] }), expiresAt: inAnHour() }), (err) => err instanceof TargetRefused && /not a policy/.test(err.message));
    assert.deepEqual((await w.sso.send(new ListPermissionSetsCommand({ InstanceArn: w.instanceArn }))).PermissionSets ?? [], []);
  });

  test('a configured instance that does not exist is named in the refusal', async (t) => {
    const w = await world(t);
    if (!w) return;
    const provider = w.provider({ instanceArn: 'arn:aws:sso:::instance/ssoins-0000000000000000' });
    await assert.rejects(provider.listActive(), (err) => err instanceof TargetRefused && /identity_center\.instance_arn/.test(err.message));
  });
});
