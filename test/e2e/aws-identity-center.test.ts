// The aws provider in mode identity_center end to end: `lease server` pointed (`endpoint:`) at a
// real moto server, driven with the CLI: request → active with the account assignment in place →
// an overlapping second lease → revoking the first keeps the assignment → revoking the second
// removes it; a short lease removed at expiry; the reconciler removing a stray Lease-made holder.
// moto 5.2.5 has no sso-admin tagging calls: src/providers/aws/identity-center/moto-gaps.fake.ts
// sits in front of moto and answers only those; every other call is moto's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListAccountAssignmentsCommand, ListInstancesCommand, SSOAdminClient, type ListAccountAssignmentsCommandOutput } from '@aws-sdk/client-sso-admin';
import { CreateUserCommand, IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { hashPassword } from '../../src/identity/index.js';
import { IdentityCenterAccess } from '../../src/providers/aws/identity-center/index.js';
import { MotoGapsFake } from '../../src/providers/aws/identity-center/moto-gaps.fake.js';
import { startMoto, type MotoServer } from '../support/moto.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const ACCOUNT = '123456789012';
const PASSWORD = 'alice-Secr3t-pw-idc';
const STRAY_ID = 'req_0000000000stray00000000000';
registerTestSecret(PASSWORD);

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
  outcome?: { code: string; message: string } | null;
}

test('aws identity_center through lease server and the CLI (moto)', async (t) => {
  const moto: MotoServer | undefined = await startMoto(t);
  if (!moto) return;
  let fake: MotoGapsFake;
  let sso: SSOAdminClient;
  let server: ServerProcess;
  let dir: { path: string; cleanup: () => Promise<void> };
  let instanceArn: string;
  let aliceId: string;
  const env = () => ({ LEASE_HOME: `${dir.path}/home/alice` });
  const request = (duration: string) => leaseJson<RequestJson>(['request', '--role', 'aws-reader', '--provider', 'aws-idc', '--duration', duration, '--reason', 'INC-9 look around', '--wait', '--json'], env());
  const status = (id: string) => leaseJson<RequestJson>(['status', id, '--json'], env());
  /** The users assigned a Lease permission set in the account, over all of them. */
  const assignedUsers = async (): Promise<string[]> => {
    const users: string[] = [];
    for (const [arn, tags] of fake.tags) {
      if (tags.get('lease:provider') !== 'aws-idc') continue;
      const out: ListAccountAssignmentsCommandOutput = await sso.send(new ListAccountAssignmentsCommand({ InstanceArn: instanceArn, AccountId: ACCOUNT, PermissionSetArn: arn }));
      users.push(...(out.AccountAssignments ?? []).map((a) => a.PrincipalId ?? ''));
    }
    return users;
  };
  const holders = () => [...fake.tags.values()].flatMap((tags) => [...tags.keys()].filter((k) => k.startsWith('lease:hold:')).map((k) => k.slice('lease:hold:'.length)));

  {
    fake = await new MotoGapsFake(moto.endpoint).start();
    t.after(() => fake.stop());
    const clientConfig = { region: moto.region, endpoint: fake.endpoint, credentials: moto.credentials };
    sso = new SSOAdminClient(clientConfig);
    t.after(() => sso.destroy());
    const [instance] = (await sso.send(new ListInstancesCommand({}))).Instances ?? [];
    instanceArn = instance!.InstanceArn!;
    const store = new IdentitystoreClient(clientConfig);
    aliceId = (await store.send(new CreateUserCommand({ IdentityStoreId: instance!.IdentityStoreId!, UserName: 'alice', DisplayName: 'Alice', Name: { GivenName: 'Alice', FamilyName: 'Test' }, Emails: [{ Value: 'alice@example.com', Primary: true }] }))).UserId!;
    store.destroy();
    // Left by a lost database: a Lease-made holder and its assignment, with no request behind them.
    await new IdentityCenterAccess({ providerId: 'aws-idc', clientConfig, accountId: () => Promise.resolve(ACCOUNT) }).grant({
      requestId: STRAY_ID,
      identity: { id: 'alice', email: 'alice@example.com', email_verified: true, groups: [], provider: 'local', provider_type: 'local' },
      role: { id: 'aws-reader', name: 'AWS reader', permissions: { allow: ['s3:GetObject'], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['aws:ReadOnlyAccess'] },
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });

    dir = await tempDir();
    t.after(() => dir.cleanup());
    await writeFiles(dir.path, {
      'config/providers.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword(PASSWORD)}', email: alice@example.com, groups: [eng] }
  aws-idc:
    provider: aws
    config:
      mode: identity_center
      region: ${moto.region}
      endpoint: ${fake.endpoint}
`,
      'config/roles.yaml': `version: "1.0"
roles:
  aws-reader:
    name: AWS reader
    description: Read S3 and everything ReadOnlyAccess allows
    permissions: { allow: [s3:GetObject] }
    inherits: [aws:ReadOnlyAccess]
    scopes: { groups: [eng] }
    providers: [aws-idc]
    max_duration: 1h
`,
    });
    server = await startServer({ config: `${dir.path}/config`, data: `${dir.path}/data`, env: { ...moto.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1' } });
    t.after(() => server.stop());
    const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env: env(), input: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
  }

  await t.test('the reconciler removes a Lease-made holder that no request accounts for, and its assignment', async () => {
    await waitUntil('the stray holder removed', async () => (holders().includes(STRAY_ID) ? undefined : true), 60_000, 100);
    assert.deepEqual(await assignedUsers(), []);
  });

  await t.test('overlapping leases share the assignment until the last one is revoked', async () => {
    const first = await request('10m');
    assert.equal(first.status, 'active', JSON.stringify(first));
    assert.deepEqual(await assignedUsers(), [aliceId]);
    const second = await request('10m');
    assert.equal(second.status, 'active', JSON.stringify(second));
    assert.deepEqual(await assignedUsers(), [aliceId], 'one assignment for both leases');
    assert.deepEqual(holders().sort(), [first.id, second.id].sort());

    assert.equal((await leaseJson<RequestJson>(['revoke', first.id, '--json'], env())).status, 'revoked');
    assert.deepEqual(await assignedUsers(), [aliceId], 'the second lease still holds it');
    assert.deepEqual(holders(), [second.id]);

    assert.equal((await leaseJson<RequestJson>(['revoke', second.id, '--json'], env())).status, 'revoked');
    assert.deepEqual(await assignedUsers(), []);
    assert.deepEqual(holders(), []);
  });

  await t.test('a short lease is revoked at expiry and its assignment removed', async () => {
    const lease = await request('6s');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    assert.deepEqual(await assignedUsers(), [aliceId]);
    await waitUntil('revocation at expiry', async () => ((await status(lease.id)).status === 'revoked' ? true : undefined), 60_000, 250);
    assert.deepEqual(await assignedUsers(), []);
    assert.deepEqual(holders(), []);
  });

  await t.test("AWS's refusal fails the request naming the missing permission, and nothing is left", async () => {
    fake.denied.add('sso:CreateAccountAssignment');
    try {
      const r = await runLease(['request', '--role', 'aws-reader', '--provider', 'aws-idc', '--duration', '10m', '--reason', 'INC-10', '--wait', '--json'], { env: env() });
      assert.notEqual(r.code, 0);
      const lease = JSON.parse(r.stdout) as RequestJson;
      assert.equal(lease.status, 'failed', r.stdout);
      assert.equal(lease.outcome?.code, 'target_permission_denied');
      assert.match(lease.outcome?.message ?? '', /sso:CreateAccountAssignment/);
    } finally {
      fake.denied.clear();
    }
    assert.deepEqual(holders(), []);
    assert.deepEqual(await assignedUsers(), []);
  });
});
