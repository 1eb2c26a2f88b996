// The gcp provider end to end: `lease server` pointed at the GCP contract server
// (src/providers/gcp/contract-server.fake.ts; Google has no IAM emulator) through its endpoint
// and iam_endpoint overrides and a service account key whose token_uri is the fake's, driven
// with the CLI: request → active with a conditional role binding → revoked → gone; expiry; a
// refusal; kill -9 while Google's answer is held; drift found by the reconciler after a restart.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/index.js';
import { GcpContractServer, type FakeBinding } from '../../src/providers/gcp/contract-server.fake.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const PROJECT = 'lease-e2e-project';
const SA = 'lease@lease-e2e-project.iam.gserviceaccount.com';
const ALICE = 'user:alice@example.com';
const STRAY_ID = 'req_0000000000stray00000000000';
const LATER_STRAY_ID = 'req_0000000000stray00000000001';
const PASSWORD = 'alice-Secr3t-pw';
const ADMIN_PASSWORD = 'bob-Adm1n-pw-7';
registerTestSecret(PASSWORD, ADMIN_PASSWORD);

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
  outcome?: { code: string; message: string } | null;
}

const strayBinding = (id: string): FakeBinding => ({
  role: 'roles/compute.viewer',
  members: [ALICE],
  condition: { title: `lease:${id}`, description: `Granted by Lease (provider gcp-prod) for request ${id}; ends 2099-01-01T00:00:00.000Z.`, expression: 'request.time < timestamp("2099-01-01T00:00:00.000Z")' },
});

describe('gcp provider through lease server and the CLI', () => {
  let gcp: GcpContractServer;
  let server: ServerProcess;
  let dir: { path: string; cleanup: () => Promise<void> };
  let keyJson: string;
  const env = () => ({ LEASE_HOME: `${dir.path}/home/alice` });
  const adminEnv = () => ({ LEASE_HOME: `${dir.path}/home/bob` });
  const serverEnv = () => ({ GCP_KEY: keyJson });
  const request = (role: string, duration: string) => runLease(['request', '--role', role, '--provider', 'gcp-prod', '--duration', duration, '--reason', 'INC-9 look around', '--wait', '--json'], { env: env() });
  const leaseBindings = () => gcp.policy.bindings.filter((b) => b.condition?.title?.startsWith('lease:'));
  const titles = () => leaseBindings().map((b) => b.condition?.title);
  const status = async (id: string) => leaseJson<RequestJson>(['status', id, '--json'], env());
  const auditOf = async (id: string) => (await leaseJson<Array<{ action: string }>>(['audit', '--json', '--subject', id], adminEnv())).map((e) => e.action);
  const login = async (user: string, password: string, home: string) => {
    const r = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', user, '--password-stdin'], { env: { LEASE_HOME: home }, input: `${password}\n` });
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    gcp = await new GcpContractServer({
      projectId: PROJECT,
      users: ['alice@example.com', 'bob@example.com'],
      predefinedRoles: [
        { name: 'roles/owner', title: 'Owner' },
        { name: 'roles/storage.objectViewer', title: 'Storage Object Viewer', description: 'Grants access to view objects and their metadata.' },
        { name: 'roles/compute.viewer', title: 'Compute Viewer' },
      ],
    }).start();
    keyJson = gcp.serviceAccountKey(SA).json;
    registerTestSecret(JSON.parse(keyJson).private_key_id as string);
    dir = await tempDir();
    await writeFiles(dir.path, {
      'config/server.yaml': 'version: "1.0"\nserver:\n  admins:\n    groups: [ops]\n',
      'config/providers.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword(PASSWORD)}', email: alice@example.com, groups: [eng] }
        bob: { password_hash: '${await hashPassword(ADMIN_PASSWORD)}', email: bob@example.com, groups: [ops] }
  gcp-prod:
    provider: gcp
    config:
      project_id: ${PROJECT}
      service_account_key: \${GCP_KEY}
      endpoint: ${gcp.endpoint}
      iam_endpoint: ${gcp.iamEndpoint}
`,
      'config/roles.yaml': `version: "1.0"
roles:
  gcp-storage:
    name: Storage reader
    description: Read objects in the project
    inherits: [gcp:roles/storage.objectViewer]
    scopes: { groups: [eng] }
    providers: [gcp-prod]
    max_duration: 1h
  gcp-owner:
    name: Project owner
    description: Everything, refused as a basic role
    inherits: [gcp:roles/owner]
    scopes: { groups: [eng] }
    providers: [gcp-prod]
`,
    });
    // Left by a lost database: Lease-made, with no request behind it. The reconciler's first round (at start) removes it.
    gcp.editPolicy((p) => p.bindings.push({ role: 'roles/storage.objectViewer', members: ['group:readers@example.com'] }, strayBinding(STRAY_ID)));
    server = await startServer({ config: `${dir.path}/config`, data: `${dir.path}/data`, env: serverEnv() });
    await login('alice', PASSWORD, env().LEASE_HOME);
    await login('bob', ADMIN_PASSWORD, adminEnv().LEASE_HOME);
  });

  after(async () => {
    await server?.stop();
    await gcp?.stop();
    await dir?.cleanup();
  });

  it('the reconciler removes a Lease-made binding that no request accounts for (grant.orphaned)', async () => {
    await waitUntil('the stray binding removed', async () => (titles().includes(`lease:${STRAY_ID}`) ? undefined : true), 60_000, 100);
    assert.deepEqual(await waitUntil('the audit entry', async () => ((await auditOf(STRAY_ID)).length > 0 ? auditOf(STRAY_ID) : undefined), 60_000, 200), ['grant.orphaned']);
    assert.ok(gcp.policy.bindings.some((b) => b.members.includes('group:readers@example.com')), 'bindings Lease did not make are kept');
  });

  it('grants a conditional role binding that ends at the expiry, and removes exactly it on revoke', async () => {
    const r = await request('gcp-storage', '10m');
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'active', r.stdout + r.stderr);
    assert.deepEqual(leaseBindings(), [
      {
        role: 'roles/storage.objectViewer',
        members: [ALICE],
        condition: {
          title: `lease:${lease.id}`,
          description: `Granted by Lease (provider gcp-prod) for request ${lease.id}; ends ${lease.expires_at}.`,
          expression: `request.time < timestamp("${lease.expires_at}")`,
        },
      },
    ]);
    assert.equal((await leaseJson<RequestJson>(['revoke', lease.id, '--json'], env())).status, 'revoked');
    assert.deepEqual(leaseBindings(), []);
    assert.ok(gcp.policy.bindings.some((b) => b.members.includes('group:readers@example.com')));
  });

  it('revokes at expiry', async () => {
    const r = await request('gcp-storage', '15s');
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.notEqual(lease.status, 'failed', r.stdout + r.stderr);
    await waitUntil('revocation at expiry', async () => ((await status(lease.id)).status === 'revoked' ? true : undefined), 90_000, 250);
    assert.deepEqual(leaseBindings(), []);
    assert.ok((await auditOf(lease.id)).includes('lease.revoked'));
  });

  it('lists Google predefined roles to inherit', async () => {
    const r = await runLease(['providers', 'roles', 'gcp-prod', '--search', 'storage'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const ids = r.stdout.split('\n').slice(1).map((line) => line.split(/\s+/)[0]).filter(Boolean);
    assert.deepEqual(ids, ['roles/storage.objectViewer']);
  });

  it('a basic role is refused: the request fails saying why, and nothing is written', async () => {
    const r = await request('gcp-owner', '10m');
    assert.notEqual(r.code, 0);
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'failed', r.stdout);
    assert.match(lease.outcome?.message ?? '', /roles\/owner, a basic role; Google does not allow conditions on basic roles/);
    assert.deepEqual(leaseBindings(), []);
  });

  it("Google's refusal fails the request naming the missing permission, and nothing is left", async () => {
    gcp.deny('resourcemanager.projects.setIamPolicy');
    try {
      const r = await request('gcp-storage', '10m');
      assert.notEqual(r.code, 0);
      const lease = JSON.parse(r.stdout) as RequestJson;
      assert.equal(lease.status, 'failed', r.stdout);
      assert.equal(lease.outcome?.code, 'target_permission_denied');
      assert.match(lease.outcome?.message ?? '', /resourcemanager\.projects\.setIamPolicy/);
    } finally {
      gcp.allowAll();
    }
    assert.deepEqual(leaseBindings(), []);
  });

  it('kill -9 after Google applied setIamPolicy and before Lease heard: after the restart, exactly one binding, active, and revoked', async () => {
    const held = gcp.holdAnswer('POST', /:setIamPolicy$/);
    const started = await runLease(['request', '--role', 'gcp-storage', '--provider', 'gcp-prod', '--duration', '10m', '--reason', 'crash test', '--json'], { env: env() });
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as RequestJson;
    await held.reached;
    assert.deepEqual(titles(), [`lease:${id}`], 'Google applied it');
    const port = Number(new URL(server.url).port);
    await server.crash();
    held.release();
    server = await startServer({ config: `${dir.path}/config`, data: `${dir.path}/data`, env: serverEnv(), port });
    const final = await waitUntil('the grant to settle', async () => {
      const s = await status(id);
      return s.status === 'active' || s.status === 'failed' || s.status === 'denied' ? s : undefined;
    }, 60_000, 100);
    assert.equal(final.status, 'active', JSON.stringify(final));
    assert.deepEqual(titles(), [`lease:${id}`]);
    assert.equal(leaseBindings()[0]?.condition?.expression, `request.time < timestamp("${final.expires_at}")`, 'Google ends it on time whatever happens to Lease');
    await leaseJson(['revoke', id, '--json'], env());
    assert.deepEqual(leaseBindings(), []);
  });

  it('after a restart, the reconciler grants a binding removed by hand again (grant.missing) and removes a planted one (grant.orphaned)', async () => {
    const lease = JSON.parse((await request('gcp-storage', '30m')).stdout) as RequestJson;
    assert.equal(lease.status, 'active');
    await server.stop();
    gcp.editPolicy((p) => {
      p.bindings = p.bindings.filter((b) => b.condition?.title !== `lease:${lease.id}`);
      p.bindings.push(strayBinding(LATER_STRAY_ID));
    });
    const port = Number(new URL(server.url).port);
    server = await startServer({ config: `${dir.path}/config`, data: `${dir.path}/data`, env: serverEnv(), port });
    await waitUntil('the drift repaired', async () => (titles().includes(`lease:${lease.id}`) && !titles().includes(`lease:${LATER_STRAY_ID}`) ? true : undefined), 60_000, 100);
    const actions = await waitUntil('the audit entries', async () => {
      const list = await auditOf(lease.id);
      return list.includes('grant.regranted') ? list : undefined;
    }, 60_000, 200);
    assert.deepEqual(actions.filter((a) => a.startsWith('grant.')), ['grant.missing', 'grant.regranted']);
    assert.deepEqual(await auditOf(LATER_STRAY_ID), ['grant.orphaned']);
    assert.equal(leaseBindings().find((b) => b.condition?.title === `lease:${lease.id}`)?.condition?.expression, `request.time < timestamp("${lease.expires_at}")`, 'the same expiry');
    assert.equal((await status(lease.id)).status, 'active');
    await leaseJson(['revoke', lease.id, '--json'], env());
    assert.deepEqual(leaseBindings(), []);
  });

  it('never prints the key', () => {
    const key = JSON.parse(keyJson) as { private_key: string; private_key_id: string };
    const body = key.private_key.split('\n')[1] ?? 'unreachable';
    assert.ok(!server.output.includes(body));
    assert.ok(!server.output.includes(key.private_key_id));
  });
});
