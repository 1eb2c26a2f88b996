// The terraform provider end to end: `lease server` pointed at the HCP Terraform contract server
// (src/providers/terraform/contract-server.fake.ts; the service is hosted, nothing real runs
// here) through `address`, driven with the CLI: request → active with the membership in place
// → revoked → gone; workspace access through a per-request team; a refusal; the reconciler
// removing a stray Lease team; kill -9 while Terraform's answer is held.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/index.js';
import { TerraformContractServer } from '../../src/providers/terraform/contract-server.fake.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const TOKEN = 'e2e-tf-token.atlasv1.Wq9pL2';
const PASSWORD = 'alice-Secr3t-pw';
const STRAY_ID = 'req_0000000000stray00000000000';
registerTestSecret(TOKEN, PASSWORD);

interface RequestJson {
  id: string;
  status: string;
  outcome?: { code: string; message: string } | null;
}

describe('terraform provider through lease server and the CLI', () => {
  let tf: TerraformContractServer;
  let server: ServerProcess;
  let dir: { path: string; cleanup: () => Promise<void> };
  const env = () => ({ LEASE_HOME: `${dir.path}/home/alice` });
  const request = (role: string, duration: string) => leaseJson<RequestJson>(['request', '--role', role, '--provider', 'tf', '--duration', duration, '--reason', 'INC-9 apply a fix', '--wait', '--json'], env());
  const leaseTeams = () => [...tf.teams.values()].filter((t) => t.name.startsWith('lease-')).map((t) => t.name);
  const start = (port?: number) => startServer({ config: `${dir.path}/config`, data: `${dir.path}/data`, env: { TFE_TOKEN: TOKEN }, ...(port ? { port } : {}) });

  before(async () => {
    tf = await new TerraformContractServer({ organization: 'acme', token: TOKEN, users: [{ email: 'alice@example.com' }], teams: ['owners', 'platform'], workspaces: ['prod-network'] }).start();
    dir = await tempDir();
    await writeFiles(dir.path, {
      'config/providers.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword(PASSWORD)}', email: alice@example.com, groups: [eng] }
  tf:
    provider: terraform
    config:
      token: \${TFE_TOKEN}
      organization: acme
      address: ${tf.address}
`,
      'config/roles.yaml': `version: "1.0"
roles:
  tf-platform:
    name: Platform team
    description: Membership of the platform team
    inherits: [terraform:team/platform]
    scopes: { groups: [eng] }
    providers: [tf]
    max_duration: 1h
  tf-network-writer:
    name: Network writer
    description: Write access to the prod-network workspace
    permissions: { allow: [write] }
    resources: { allow: [terraform:workspace/prod-network] }
    scopes: { groups: [eng] }
    providers: [tf]
    max_duration: 1h
  tf-ghost:
    name: Ghost team
    description: A team that does not exist
    inherits: [terraform:team/ghosts]
    scopes: { groups: [eng] }
    providers: [tf]
`,
    });
    // Left by a lost database: a Lease team with no request behind it. The reconciler's first round removes it.
    tf.addTeam(`lease-${STRAY_ID}`, 'secret').members.add(tf.membershipOf('alice@example.com') as string);
    server = await start();
    const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env: env(), input: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
  });

  after(async () => {
    await server?.stop();
    await tf?.stop();
    await dir?.cleanup();
  });

  it('the reconciler removes a Lease team that no request accounts for', async () => {
    await waitUntil('the stray team removed', async () => (tf.teamNamed(`lease-${STRAY_ID}`) ? undefined : true), 60_000, 100);
  });

  it('grants team membership, and removes it at expiry', async () => {
    const lease = await request('tf-platform', '6s');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    assert.deepEqual(tf.membersOf('platform'), ['alice@example.com']);
    await waitUntil('revocation at expiry', async () => ((await leaseJson<RequestJson>(['status', lease.id, '--json'], env())).status === 'revoked' ? true : undefined), 60_000, 250);
    assert.deepEqual(tf.membersOf('platform'), []);
    assert.deepEqual(leaseTeams(), []);
  });

  it('workspace access through a team of the request; overlapping team leases keep the membership until the last ends', async () => {
    const ws = await request('tf-network-writer', '10m');
    assert.equal(ws.status, 'active', JSON.stringify(ws));
    assert.equal(tf.accessOf(`lease-${ws.id}`, 'prod-network'), 'write');
    assert.deepEqual(tf.membersOf(`lease-${ws.id}`), ['alice@example.com']);
    const first = await request('tf-platform', '10m');
    const second = await request('tf-platform', '10m');
    assert.equal((await leaseJson<RequestJson>(['revoke', first.id, '--json'], env())).status, 'revoked');
    assert.deepEqual(tf.membersOf('platform'), ['alice@example.com']);
    assert.equal((await leaseJson<RequestJson>(['revoke', second.id, '--json'], env())).status, 'revoked');
    assert.deepEqual(tf.membersOf('platform'), []);
    assert.equal((await leaseJson<RequestJson>(['revoke', ws.id, '--json'], env())).status, 'revoked');
    assert.equal(tf.accessOf(`lease-${ws.id}`, 'prod-network'), undefined);
    assert.deepEqual(leaseTeams(), []);
  });

  it('an unknown team fails the request, naming it, and leaves nothing', async () => {
    const r = await runLease(['request', '--role', 'tf-ghost', '--provider', 'tf', '--duration', '10m', '--reason', 'INC-10', '--wait', '--json'], { env: env() });
    assert.notEqual(r.code, 0);
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'failed', r.stdout);
    assert.equal(lease.outcome?.code, 'target_not_found');
    assert.match(lease.outcome?.message ?? '', /no team named "ghosts"/);
    assert.deepEqual(leaseTeams(), []);
  });

  it('kill -9 after Terraform added the membership and before Lease heard: after the restart, one membership, then none', async () => {
    const held = tf.holdAnswer('POST', /^\/api\/v2\/teams\/[^/]+\/relationships\/organization-memberships$/);
    const started = await runLease(['request', '--role', 'tf-platform', '--provider', 'tf', '--duration', '10m', '--reason', 'crash test', '--json'], { env: env() });
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as RequestJson;
    await held.reached;
    const port = Number(new URL(server.url).port);
    await server.crash();
    held.release();
    server = await start(port);
    const final = await waitUntil('the grant to settle', async () => {
      const s = await leaseJson<RequestJson>(['status', id, '--json'], env());
      return s.status === 'active' || s.status === 'failed' ? s : undefined;
    }, 60_000, 100);
    assert.equal(final.status, 'active', JSON.stringify(final));
    assert.deepEqual(tf.membersOf('platform'), ['alice@example.com']);
    assert.equal(leaseTeams().length, 1, 'one marker');
    await leaseJson(['revoke', id, '--json'], env());
    assert.deepEqual(tf.membersOf('platform'), []);
    assert.deepEqual(leaseTeams(), []);
  });

  it('never prints the token', () => {
    assert.ok(!server.output.includes(TOKEN));
  });
});
