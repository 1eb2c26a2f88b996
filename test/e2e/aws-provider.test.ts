// The aws provider (mode iam) end to end: `lease server` against a real moto through the CLI.
// The providers and roles files are Thand's shape (region and profile only; moto is reached
// through the SDK's own AWS_ENDPOINT_URL and AWS_SHARED_CREDENTIALS_FILE), plus a second
// provider with Lease's own keys (endpoint, accounts, federation_endpoint). Between Lease and
// moto sits a small proxy that can hold one AWS call, for the kill -9 test. moto evaluates no
// aws:CurrentTime condition, so what is checked is the stored policy documents.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CreateRoleCommand, CreateUserCommand, DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, GetUserPolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { hashPassword } from '../../src/identity/index.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { startMoto } from '../support/moto.js';
import { registerTestSecret } from '../support/secrets.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = '1';
const PASSWORD = 'aws-e2e-Pw-9k';
registerTestSecret(PASSWORD);
const STRAY_ID = 'req_0000000000stray00000000000';
const PATH = '/lease/aws-prod/';

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
  outcome?: { code: string; message: string } | null;
}

/** Forwards every request to moto; `hold(pattern)` keeps the answer to the first matching call until released (moto has done it). */
class HoldProxy {
  private server?: Server;
  private held?: { pattern: RegExp; reached: () => void; release: Promise<void> };
  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await read(req);
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)).map(([k, v]) => [k, String(v)]));
        const answer = await fetch(`${this.target}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(body.length > 0 ? { body: new Uint8Array(body) } : {}) });
        const text = Buffer.from(await answer.arrayBuffer());
        const held = this.held;
        if (held && held.pattern.test(body.toString())) {
          this.held = undefined;
          held.reached();
          await held.release;
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' }).end(text);
      })().catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  hold(pattern: RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((resolve) => (reached = resolve));
    const releaseP = new Promise<void>((resolve) => (release = resolve));
    this.held = { pattern, reached, release: releaseP };
    return { reached: reachedP, release };
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A console federation endpoint as AWS's answers getSigninToken (moto has none). */
async function startFederation(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const session = JSON.parse(url.searchParams.get('Session') ?? '{}') as { sessionId?: string };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ SigninToken: `signin-${session.sessionId ?? 'none'}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/federation`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

const decode = (document: string | undefined) => JSON.parse(decodeURIComponent(document ?? '')) as { Statement: Array<{ Sid?: string; Effect: string; Condition?: Record<string, Record<string, string>> }> };
const awsTime = (iso: string) => new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');

test('aws provider (mode iam) through lease server and the CLI, against moto', async (t) => {
  process.env.MOTO_IAM_LOAD_MANAGED_POLICIES = 'true';
  const moto = await startMoto(t);
  if (!moto) return;
  const admin = new IAMClient({ region: moto.region, endpoint: moto.endpoint, credentials: moto.credentials });
  t.after(() => admin.destroy());
  for (const user of ['alice', 'bob-iam']) await admin.send(new CreateUserCommand({ UserName: user }));
  const proxy = new HoldProxy(moto.endpoint);
  const proxyUrl = await proxy.start();
  t.after(() => proxy.stop());
  const federation = await startFederation();
  t.after(() => federation.stop());

  const dir = await tempDir();
  t.after(() => dir.cleanup());
  const hash = await hashPassword(PASSWORD);
  await writeFiles(dir.path, {
    'aws/credentials': `[aws_profile]\naws_access_key_id = ${moto.credentials.accessKeyId}\naws_secret_access_key = ${moto.credentials.secretAccessKey}\n`,
    'config/server.yaml': `version: "1.0"\nserver:\n  admins:\n    groups: [ops]\n`,
    'config/users.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${hash}', email: alice@example.com, groups: [eng] }
        bob: { password_hash: '${hash}', email: bob@example.com, groups: [eng, ops] }
        carol: { password_hash: '${hash}', email: carol@example.com, groups: [eng] }
`,
    // Thand's shape, unchanged: the SDK finds moto through AWS_ENDPOINT_URL and the profile in AWS_SHARED_CREDENTIALS_FILE.
    'config/providers.yaml': `version: "1.0"
providers:
  aws-prod:
    name: Production AWS
    description: Production AWS environment
    provider: aws
    config:
      region: us-east-1
      profile: aws_profile
    enabled: true
`,
    'config/roles.yaml': `version: "1.0"
roles:
  aws-ops:
    name: AWS operations
    description: Look at EC2 and read logs
    inherits:
      - aws:ReadOnlyAccess
    permissions:
      allow: ["ec2:Describe*", "s3:GetObject"]
      deny: ["ec2:TerminateInstances"]
    resources:
      allow: ["aws:*"]
    scopes:
      groups: [eng]
    providers: [aws-prod, aws-lease]
`,
    // Lease's own keys: an endpoint, an identity → IAM user map, the console federation endpoint.
    'config/lease-aws.yaml': `version: "1.0"
providers:
  aws-lease:
    provider: aws
    config:
      region: us-east-1
      account_id: "123456789012"
      access_key_id: \${LEASE_TEST_AWS_KEY}
      secret_access_key: \${LEASE_TEST_AWS_SECRET}
      endpoint: ${proxyUrl}
      federation_endpoint: ${federation.url}
      accounts: { bob@example.com: bob-iam }
`,
  });
  const serverEnv = {
    AWS_ENDPOINT_URL: proxyUrl,
    AWS_SHARED_CREDENTIALS_FILE: `${dir.path}/aws/credentials`,
    AWS_CONFIG_FILE: `${dir.path}/aws/config-none`,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1',
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    LEASE_TEST_AWS_KEY: moto.credentials.accessKeyId,
    LEASE_TEST_AWS_SECRET: moto.credentials.secretAccessKey,
  };
  const config = `${dir.path}/config`;
  const data = `${dir.path}/data`;
  let server: ServerProcess = await startServer({ config, data, env: serverEnv });
  t.after(() => server.stop());
  const home = (user: string) => ({ LEASE_HOME: `${dir.path}/home/${user}` });
  for (const user of ['alice', 'bob', 'carol']) {
    const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', user, '--password-stdin'], { env: home(user), input: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
  }
  const request = (provider: string, duration: string, user = 'alice') =>
    leaseJson<RequestJson>(['request', '--role', 'aws-ops', '--provider', provider, '--duration', duration, '--reason', 'INC-9 look at EC2', '--wait', '--json'], home(user));
  const role = async (id: string) => (await admin.send(new GetRoleCommand({ RoleName: `lease-${id}` })).catch(() => undefined))?.Role;

  await t.test('a request is active with its role, whose policies end at the lease expiry; revoking removes it all', async () => {
    const lease = await request('aws-prod', '30m');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    const until = awsTime(lease.expires_at!);
    const made = await role(lease.id);
    assert.equal(made?.Path, PATH);
    for (const statement of decode(made?.AssumeRolePolicyDocument).Statement) assert.deepEqual(statement.Condition, { DateLessThan: { 'aws:CurrentTime': until } });
    const inline = decode((await admin.send(new GetRolePolicyCommand({ RoleName: `lease-${lease.id}`, PolicyName: 'lease' }))).PolicyDocument);
    for (const allow of inline.Statement.filter((s) => s.Effect === 'Allow')) assert.deepEqual(allow.Condition, { DateLessThan: { 'aws:CurrentTime': until } });
    const attached = (await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: `lease-${lease.id}` }))).AttachedPolicies ?? [];
    assert.deepEqual(attached.map((p) => p.PolicyName), ['ReadOnlyAccess']);
    const user = decode((await admin.send(new GetUserPolicyCommand({ UserName: 'alice', PolicyName: `lease-${lease.id}` }))).PolicyDocument);
    assert.deepEqual(user.Statement[0]?.Condition, { DateLessThan: { 'aws:CurrentTime': until } });

    // Credentials, in each format, for the requester only.
    const json = await runLease(['credentials', lease.id, '--format', 'json'], { env: home('alice') });
    assert.equal(json.code, 0, json.stderr);
    const issued = JSON.parse(json.stdout) as Record<string, string>;
    const keys = { accessKeyId: issued.accessKeyId ?? issued.AccessKeyId ?? '', secretAccessKey: issued.secretAccessKey ?? issued.SecretAccessKey ?? '', sessionToken: issued.sessionToken ?? issued.SessionToken ?? '' };
    const sts = new STSClient({ region: moto.region, endpoint: moto.endpoint, credentials: keys });
    const who = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    assert.match(who.Arn ?? '', new RegExp(`:assumed-role/lease-${lease.id}/`));
    const env = await runLease(['credentials', lease.id, '--format', 'env'], { env: home('alice') });
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stdout, /AWS_ACCESS_KEY_ID=.+\n/);
    assert.match(env.stdout, /AWS_SESSION_TOKEN=/);
    const process1 = await runLease(['credentials', lease.id, '--format', 'credential-process'], { env: home('alice') });
    assert.equal(process1.code, 0, process1.stderr);
    const cp = JSON.parse(process1.stdout) as { Version: number; AccessKeyId: string; Expiration: string };
    assert.equal(cp.Version, 1);
    assert.ok(cp.AccessKeyId && Date.parse(cp.Expiration) > Date.now());
    const other = await runLease(['credentials', lease.id, '--format', 'json'], { env: home('bob') });
    assert.equal(other.code, 1);
    assert.equal(other.stdout, '');
    assert.match(other.stderr, /\[not_requester\]/);

    assert.equal((await leaseJson<RequestJson>(['revoke', lease.id, '--json'], home('alice'))).status, 'revoked');
    assert.equal(await role(lease.id), undefined);
    await assert.rejects(admin.send(new GetUserPolicyCommand({ UserName: 'alice', PolicyName: `lease-${lease.id}` })), { name: 'NoSuchEntityException' });
  });

  await t.test("Lease's own keys: accounts maps an e-mail to an IAM user; lease console signs in through the federation endpoint", async () => {
    const lease = await request('aws-lease', '30m', 'bob');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    assert.match(decode((await role(lease.id))?.AssumeRolePolicyDocument).Statement.map((s) => JSON.stringify(s)).join(), /user\/bob-iam/);
    const r = await runLease(['console', lease.id], { env: home('bob') });
    assert.equal(r.code, 0, r.stderr);
    const url = new URL(r.stdout.trim().split('\n').find((line) => line.includes('SigninToken')) ?? '');
    assert.equal(`${url.origin}${url.pathname}`, federation.url);
    assert.equal(url.searchParams.get('Action'), 'login');
    assert.match(url.searchParams.get('SigninToken') ?? '', /^signin-/);
    await leaseJson(['revoke', lease.id, '--json'], home('bob'));
    assert.equal(await role(lease.id), undefined);
  });

  await t.test('a requester without an IAM user: the request fails, saying so, and nothing is left', async () => {
    const r = await runLease(['request', '--role', 'aws-ops', '--provider', 'aws-prod', '--duration', '10m', '--reason', 'no user', '--wait', '--json'], { env: home('carol') });
    assert.notEqual(r.code, 0);
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'failed', r.stdout);
    assert.equal(lease.outcome?.code, 'target_not_found');
    assert.match(lease.outcome?.message ?? '', /no IAM user "carol"/);
    assert.equal(await role(lease.id), undefined);
  });

  await t.test('a short lease is revoked at its expiry: role and user policy gone', async () => {
    const lease = await request('aws-prod', '6s');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    assert.ok(await role(lease.id));
    await waitUntil('revocation at expiry', async () => ((await leaseJson<RequestJson>(['status', lease.id, '--json'], home('alice'))).status === 'revoked' ? true : undefined), 120_000, 250);
    assert.equal(await role(lease.id), undefined);
  });

  await t.test('kill -9 while AWS has answered the last grant call and Lease has not heard: after the restart, exactly one grant, active, and its revoke', async () => {
    const held = proxy.hold(/Action=PutUserPolicy/);
    const started = await runLease(['request', '--role', 'aws-ops', '--provider', 'aws-prod', '--duration', '30m', '--reason', 'crash test', '--json'], { env: home('alice') });
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as RequestJson;
    await held.reached;
    const port = Number(new URL(server.url).port);
    await server.crash();
    held.release();
    server = await startServer({ config, data, env: serverEnv, port });
    const final = await waitUntil('the grant to settle', async () => {
      const s = await leaseJson<RequestJson>(['status', id, '--json'], home('alice'));
      return ['active', 'failed'].includes(s.status) ? s : undefined;
    }, 120_000, 200);
    const ours = ((await admin.send(new ListRolesCommand({ PathPrefix: PATH }))).Roles ?? []).filter((r) => r.RoleName === `lease-${id}`);
    if (final.status === 'active') assert.equal(ours.length, 1);
    else assert.equal(ours.length, 0, 'a failed grant was undone');
    await leaseJson(['revoke', id, '--json'], home('alice')).catch(() => undefined);
    await waitUntil('the role removed', async () => ((await role(id)) === undefined ? true : undefined), 60_000, 200);
  });

  await t.test('drift: a role deleted behind Lease is audited grant.missing and granted again; a stray lease-req_ role is grant.orphaned and removed', async () => {
    const lease = await request('aws-prod', '30m');
    const name = `lease-${lease.id}`;
    for (const p of (await admin.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? []) await admin.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: p.PolicyArn }));
    for (const p of (await admin.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? []) await admin.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: p }));
    await admin.send(new DeleteRoleCommand({ RoleName: name }));
    await admin.send(new CreateRoleCommand({ RoleName: `lease-${STRAY_ID}`, Path: PATH, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:user/alice' }, Action: 'sts:AssumeRole' }] }) }));
    // A reconciliation round runs at every start.
    const port = Number(new URL(server.url).port);
    await server.stop();
    server = await startServer({ config, data, env: serverEnv, port });
    const audit = async (subject: string) => (await leaseJson<Array<{ action: string }>>(['audit', '--json', '--subject', subject], home('bob'))).map((e) => e.action);
    await waitUntil('grant.orphaned for the stray role', async () => ((await audit(STRAY_ID)).includes('grant.orphaned') ? true : undefined), 120_000, 250);
    await waitUntil('grant.missing for the deleted role', async () => ((await audit(lease.id)).includes('grant.missing') ? true : undefined), 120_000, 250);
    assert.equal(await role(STRAY_ID), undefined);
    await waitUntil('the missing role granted again', async () => ((await role(lease.id)) ? true : undefined), 60_000, 250);
    await leaseJson(['revoke', lease.id, '--json'], home('alice'));
    assert.equal(await role(lease.id), undefined);
  });

  await t.test('never prints a secret access key or a session token', () => {
    assert.ok(!/aws_secret_access_key|SecretAccessKey|sessionToken/i.test(server.output), 'no credentials in the server log');
  });
});
