// mode iam against a real moto server. What a test checks is what IAM stores (read back with
// GetRole / GetRolePolicy / GetUserPolicy): moto does not evaluate aws:CurrentTime conditions
// (it evaluates only StringEquals), so expiry is checked in the stored documents, not by waiting.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { CreateUserCommand, GetRoleCommand, GetRolePolicyCommand, GetUserPolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListUserPoliciesCommand, CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { newId } from '../../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../../cloud/index.js';
import type { GrantInput, GrantRole } from '../../provider.js';
import { startMoto, type MotoServer } from '../../../../test/support/moto.js';
import { accountIdResolver, clientConfigOf } from '../clients.js';
import { awsConfigSchema } from '../config.js';
import { createAwsAccess } from '../index.js';
import { awsTime } from '../policy.js';
import { consoleSignInUrl, decodePolicyDocument, IamAccessProvider, type IamGrantData } from './provider.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = '1';

const PROVIDER = 'aws-prod';
const alice = { id: 'alice', email: 'alice@example.com', email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' };
const bob = { id: 'bob', email: 'bob@example.com', groups: [], provider: 'corp', provider_type: 'oidc' };

function role(overrides: Partial<GrantRole> = {}): GrantRole {
  return { id: 'ops', name: 'Ops', permissions: { allow: ['ec2:Describe*', 's3:GetObject', 'compute.instances.list'], deny: ['ec2:TerminateInstances'] }, resources: { allow: ['aws:*'], deny: ['arn:aws:s3:::secrets/*'] }, nativeRoles: ['aws:ReadOnlyAccess'], ...overrides };
}

function input(overrides: Partial<GrantInput> = {}): GrantInput {
  return { requestId: newId('req'), identity: alice, role: role(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), ...overrides };
}

interface Setup {
  moto: MotoServer;
  admin: IAMClient;
  provider(overrides?: Record<string, unknown>): IamAccessProvider;
}

async function setup(t: TestContext): Promise<Setup | undefined> {
  process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = 'true';
  const moto = await startMoto(t);
  if (!moto) return undefined;
  const clientConfig = { region: moto.region, endpoint: moto.endpoint, credentials: moto.credentials, maxAttempts: 1 };
  const admin = new IAMClient(clientConfig);
  t.after(() => admin.destroy());
  for (const user of ['alice', 'bob', 'carol-iam']) await admin.send(new CreateUserCommand({ UserName: user }));
  return {
    moto,
    admin,
    provider(overrides = {}) {
      const config = awsConfigSchema.parse({ endpoint: moto.endpoint, ...overrides });
      return new IamAccessProvider({ providerId: PROVIDER, config, clientConfig, accountId: accountIdResolver(clientConfig, { target: 't' }, config.account_id), retry: { baseDelayMs: 1 } });
    },
  };
}

/** Deletes a role as someone else would (its policies first: IAM refuses to delete a role that has any). */
async function deleteRoleBehindLease(admin: IAMClient, name: string): Promise<void> {
  for (const p of (await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []) await admin.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: p.PolicyArn }));
  for (const p of (await admin.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? []) await admin.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: p }));
  await admin.send(new DeleteRoleCommand({ RoleName: name }));
}

const decode = (document: string | undefined) => decodePolicyDocument(document ?? '') as { Statement: Array<{ Sid?: string; Effect: string; Action: unknown; Resource: unknown; Principal?: { AWS: string }; Condition?: Record<string, Record<string, string>> }> };
const roleName = (requestId: string) => `lease-${requestId}`;

test('aws mode iam against moto', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { admin } = env;
  const aws = env.provider();

  await t.test('a grant makes a tagged role under /lease/<provider>/ whose every Allow ends at the expiry, and a user policy for its requester', async () => {
    const grant = input();
    const record = await aws.grant(grant);
    const data = record.data as unknown as IamGrantData;
    const name = roleName(grant.requestId);
    const until = awsTime(grant.expiresAt);
    assert.equal(data.userName, 'alice');
    assert.equal(data.roleName, name);
    assert.match(data.roleArn, new RegExp(`:role/lease/${PROVIDER}/${name}$`));
    assert.deepEqual(data.managedPolicies, ['arn:aws:iam::aws:policy/ReadOnlyAccess']);

    const stored = (await admin.send(new GetRoleCommand({ RoleName: name }))).Role!;
    assert.equal(stored.Path, `/lease/${PROVIDER}/`);
    assert.equal(stored.MaxSessionDuration, 43_200);
    const tags = Object.fromEntries((stored.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
    assert.deepEqual(tags, { 'lease:request': grant.requestId, 'lease:provider': PROVIDER, 'lease:expires': until, 'lease:user': 'alice' });
    const trust = decode(stored.AssumeRolePolicyDocument);
    assert.equal(trust.Statement[0]?.Principal?.AWS, 'arn:aws:iam::123456789012:user/alice');
    for (const statement of trust.Statement) assert.deepEqual(statement.Condition, { DateLessThan: { 'aws:CurrentTime': until } });

    const inline = decode((await admin.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: 'lease' }))).PolicyDocument);
    const allows = inline.Statement.filter((s) => s.Effect === 'Allow');
    assert.equal(allows.length, 1);
    assert.deepEqual(allows[0]?.Action, ['ec2:Describe*', 's3:GetObject'], 'only AWS actions');
    for (const allow of allows) assert.deepEqual(allow.Condition, { DateLessThan: { 'aws:CurrentTime': until } });
    assert.deepEqual(inline.Statement.find((s) => s.Sid === 'LeaseDenyActions')?.Action, ['ec2:TerminateInstances']);
    assert.deepEqual(inline.Statement.find((s) => s.Sid === 'LeaseDenyResources')?.Resource, ['arn:aws:s3:::secrets/*']);
    assert.deepEqual(inline.Statement.find((s) => s.Sid === 'LeaseExpired')?.Condition, { DateGreaterThan: { 'aws:CurrentTime': until } });
    const attached = (await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? [];
    assert.deepEqual(attached.map((p) => p.PolicyName), ['ReadOnlyAccess']);

    const userPolicy = decode((await admin.send(new GetUserPolicyCommand({ UserName: 'alice', PolicyName: name }))).PolicyDocument);
    assert.deepEqual(userPolicy.Statement, [{ Sid: 'AssumeLeaseRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: data.roleArn, Condition: { DateLessThan: { 'aws:CurrentTime': until } } }]);
    await aws.revoke(record);
  });

  await t.test('granting twice for one request grants once', async () => {
    const grant = input();
    const first = await aws.grant(grant);
    const second = await aws.grant(grant);
    assert.deepEqual(second, first);
    const policies = (await admin.send(new ListUserPoliciesCommand({ UserName: 'alice' }))).PolicyNames ?? [];
    assert.deepEqual(policies.filter((p) => p === roleName(grant.requestId)), [roleName(grant.requestId)]);
    assert.equal((await aws.listActive()).filter((g) => g.requestId === grant.requestId).length, 1);
    await aws.revoke(first);
  });

  await t.test('two leases of one user and role are independent: revoking one leaves the other whole', async () => {
    const one = input();
    const two = input();
    const [a, b] = [await aws.grant(one), await aws.grant(two)];
    await aws.revoke(a);
    await assert.rejects(admin.send(new GetRoleCommand({ RoleName: roleName(one.requestId) })), { name: 'NoSuchEntityException' });
    assert.ok((await admin.send(new GetRoleCommand({ RoleName: roleName(two.requestId) }))).Role);
    const policies = (await admin.send(new ListUserPoliciesCommand({ UserName: 'alice' }))).PolicyNames ?? [];
    assert.ok(policies.includes(roleName(two.requestId)) && !policies.includes(roleName(one.requestId)), policies.join());
    const active = (await aws.listActive()).map((g) => g.requestId);
    assert.ok(active.includes(two.requestId) && !active.includes(one.requestId));
    await aws.revoke(b);
    await aws.revoke(b); // revoking what is gone succeeds
  });

  await t.test('a revoke with no record finds the role and the user policy by the request id', async () => {
    const grant = input({ identity: bob });
    await aws.grant(grant);
    await aws.revoke({ provider: PROVIDER, requestId: grant.requestId, data: {} });
    await assert.rejects(admin.send(new GetRoleCommand({ RoleName: roleName(grant.requestId) })), { name: 'NoSuchEntityException' });
    assert.deepEqual((await admin.send(new ListUserPoliciesCommand({ UserName: 'bob' }))).PolicyNames ?? [], []);
  });

  await t.test('listActive reports roles under its own path only, and a user policy left by a lapsed lease', async () => {
    const live = await aws.grant(input());
    const other = env.provider();
    const lapsed = input({ identity: bob, expiresAt: new Date(Date.now() - 60_000).toISOString() });
    await aws.grant(lapsed);
    await deleteRoleBehindLease(admin, roleName(lapsed.requestId));
    await admin.send(new CreateRoleCommand({ RoleName: 'lease-req_elsewhere0000000000000000000', Path: '/other/', AssumeRolePolicyDocument: '{"Version":"2012-10-17","Statement":[]}' }));
    const active = new Map((await other.listActive()).map((g) => [g.requestId, g]));
    assert.ok(active.has(live.requestId));
    assert.deepEqual(active.get(lapsed.requestId)?.data, { userName: 'bob' });
    assert.ok(!active.has('req_elsewhere0000000000000000000'), 'another path is not ours');
    await aws.revoke({ provider: PROVIDER, requestId: lapsed.requestId, data: active.get(lapsed.requestId)!.data });
    assert.ok(!(await aws.listActive()).some((g) => g.requestId === lapsed.requestId));
    await aws.revoke(live);
  });

  await t.test('accounts maps an e-mail to an IAM user; an unknown user is refused as not found, before anything is made', async () => {
    const mapped = env.provider({ accounts: { 'carol@example.com': 'carol-iam' } });
    const carol = { ...bob, id: 'carol', email: 'carol@example.com' };
    const record = await mapped.grant(input({ identity: carol }));
    assert.equal((record.data as unknown as IamGrantData).userName, 'carol-iam');
    await mapped.revoke(record);
    const nobody = input({ identity: { ...bob, id: 'nobody', email: 'nobody@example.com' } });
    await assert.rejects(aws.grant(nobody), (err) => err instanceof TargetRefused && err.status === 404 && err.code === 'target_not_found' && /no IAM user "nobody"/.test(err.message));
    await assert.rejects(admin.send(new GetRoleCommand({ RoleName: roleName(nobody.requestId) })), { name: 'NoSuchEntityException' });
  });

  await t.test('a role that grants nothing on AWS, or inherits an unknown policy, is refused', async () => {
    await assert.rejects(aws.grant(input({ role: role({ permissions: { allow: ['compute.instances.list'], deny: [] }, nativeRoles: ['gcp:viewer'] }) })), (err) => err instanceof TargetRefused && /grants nothing on AWS/.test(err.message));
    await assert.rejects(aws.grant(input({ role: role({ nativeRoles: ['aws:NoSuchPolicyAnywhere'] }) })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /NoSuchPolicyAnywhere/.test(err.message));
  });

  await t.test('listNativeRoles lists AWS managed policies as inherits names them, searched and limited', async () => {
    const found = await aws.listNativeRoles({ search: 'readonlyaccess', limit: 500 });
    assert.ok(found.some((r) => r.id === 'ReadOnlyAccess' && r.name === 'ReadOnlyAccess'), JSON.stringify(found.slice(0, 5)));
    assert.ok(found.every((r) => `${r.id} ${r.name} ${r.description ?? ''}`.toLowerCase().includes('readonlyaccess')));
    assert.equal((await aws.listNativeRoles({ limit: 3 })).length, 3);
    const pathed = await aws.listNativeRoles({ search: 'ViewOnlyAccess', limit: 10 });
    assert.ok(pathed.some((r) => r.id === 'job-function/ViewOnlyAccess'), JSON.stringify(pathed));
    const record = await aws.grant(input({ role: role({ permissions: { allow: [], deny: [] }, nativeRoles: ['aws:job-function/ViewOnlyAccess'] }) }));
    assert.deepEqual((record.data as unknown as IamGrantData).managedPolicies, ['arn:aws:iam::aws:policy/job-function/ViewOnlyAccess']);
    await aws.revoke(record);
  });

  await t.test('credentials are an STS session of the request role, lasting to the lease end (at least 15 minutes)', async () => {
    const grant = input({ expiresAt: new Date(Date.now() + 2 * 3_600_000).toISOString() });
    const record = await aws.grant(grant);
    const lease = { requestId: grant.requestId, identity: alice, role: grant.role, expiresAt: grant.expiresAt };
    const credentials = await aws.credentials(record, lease);
    assert.equal(credentials.kind, 'aws');
    assert.equal(credentials.region, 'us-east-1');
    const lasts = Date.parse(credentials.expiration) - Date.now();
    assert.ok(lasts > 2 * 3_600_000 - 120_000 && lasts <= 2 * 3_600_000 + 1_000, `${lasts}`);
    const sts = new STSClient({ region: env.moto.region, endpoint: env.moto.endpoint, credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken } });
    const who = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    assert.match(who.Arn ?? '', new RegExp(`assumed-role/${roleName(grant.requestId)}/lease-alice@example.com`));
    const short = await aws.credentials(record, { ...lease, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    assert.ok(Date.parse(short.expiration) - Date.now() > 890_000, 'STS minimum: 900 s');
    await aws.revoke(record);
  });

  await t.test('the factory loads mode iam on first use and finds the account with STS', async () => {
    const config = awsConfigSchema.parse({ endpoint: env.moto.endpoint, region: env.moto.region });
    const access = createAwsAccess(PROVIDER, config, { clientConfig: { ...clientConfigOf(config), credentials: env.moto.credentials } });
    const record = await access.grant(input());
    assert.equal((record.data as unknown as IamGrantData).accountId, '123456789012');
    await access.revoke(record);
  });
});

test('an unreachable IAM is unavailable (retried), not refused', async () => {
  const config = awsConfigSchema.parse({ endpoint: 'http://127.0.0.1:1', account_id: '123456789012' });
  const clientConfig = { ...clientConfigOf(config), credentials: { accessKeyId: 'x', secretAccessKey: 'y' } };
  const aws = new IamAccessProvider({ providerId: PROVIDER, config, clientConfig, accountId: () => Promise.resolve('123456789012'), retry: { baseDelayMs: 1, attempts: 2 } });
  await assert.rejects(aws.listActive(), (err) => err instanceof TargetUnavailable && err.status === 503);
});

test('the console URL: getSigninToken with the session, then a login URL carrying the token', async (t) => {
  const seen: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(url);
    if (url.searchParams.get('Action') !== 'getSigninToken') return res.writeHead(400).end();
    const session = JSON.parse(url.searchParams.get('Session') ?? '{}') as Record<string, string>;
    if (session.sessionToken === 'refused') return res.writeHead(400).end('{}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SigninToken: `token-for-${session.sessionId}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const federation = `http://127.0.0.1:${(server.address() as AddressInfo).port}/federation`;
  const credentials = { kind: 'aws' as const, accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session', expiration: new Date().toISOString() };
  const url = new URL(await consoleSignInUrl(federation, credentials, { target: 't', destination: 'https://console.aws.amazon.com/' }));
  assert.equal(`${url.origin}${url.pathname}`, federation);
  assert.equal(url.searchParams.get('Action'), 'login');
  assert.equal(url.searchParams.get('SigninToken'), 'token-for-ASIAEXAMPLE');
  assert.equal(url.searchParams.get('Destination'), 'https://console.aws.amazon.com/');
  assert.ok(!url.toString().includes('secret'), 'the login URL carries the token, not the keys');
  assert.deepEqual(JSON.parse(seen[0]?.searchParams.get('Session') ?? ''), { sessionId: 'ASIAEXAMPLE', sessionKey: 'secret', sessionToken: 'session' });
  await assert.rejects(consoleSignInUrl(federation, { ...credentials, sessionToken: 'refused' }, { target: 't', destination: 'x' }), TargetRefused);
});
