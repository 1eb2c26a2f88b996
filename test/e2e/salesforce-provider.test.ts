// The salesforce provider end to end: `lease server` pointed at the Salesforce contract server
// (src/providers/salesforce/contract-server.fake.ts; Salesforce is hosted, nothing real runs
// here) through `domain`, driven with the CLI: request → active with the permission set
// assignment in place (ending at the lease expiry) → revoked → gone; overlapping leases; a
// refusal; the reconciler removing a stray Lease assignment; kill -9 while the answer is held.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/index.js';
import { SalesforceContractServer } from '../../src/providers/salesforce/contract-server.fake.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const SF_PASSWORD = 'e2e-sf-Pw4';
const SF_TOKEN = 'e2eSecurityTok9';
const CLIENT_SECRET = 'e2e-sf-client-secret-Vb2';
const PASSWORD = 'alice-Secr3t-pw';
const STRAY_ID = 'req_0000000000stray00000000000';
registerTestSecret(SF_PASSWORD, SF_TOKEN, CLIENT_SECRET, PASSWORD);

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
  outcome?: { code: string; message: string } | null;
}

describe('salesforce provider through lease server and the CLI', () => {
  let sf: SalesforceContractServer;
  let server: ServerProcess;
  let dir: { path: string; cleanup: () => Promise<void> };
  const env = () => ({ LEASE_HOME: `${dir.path}/home/alice` });
  const request = (role: string, duration: string) => leaseJson<RequestJson>(['request', '--role', role, '--provider', 'sf', '--duration', duration, '--reason', 'CASE-12 fix a flow', '--wait', '--json'], env());
  const assigned = () => sf.assignmentsView().map((a) => `${a.user}:${a.set}`);
  const markers = () => [...sf.records.PermissionSet!.values()].filter((p) => String(p.Name).startsWith('Lease_'));
  const start = (port?: number) => startServer({ config: `${dir.path}/config`, data: `${dir.path}/data`, env: { SF_PASSWORD, SF_TOKEN, SF_CLIENT_SECRET: CLIENT_SECRET }, ...(port ? { port } : {}) });

  before(async () => {
    sf = await new SalesforceContractServer({ username: 'lease@acme.example', password: SF_PASSWORD, securityToken: SF_TOKEN, clientId: 'lease-app', clientSecret: CLIENT_SECRET, users: [{ Username: 'alice@example.com', Email: 'alice@example.com' }], permissionSets: ['Support_Admin', 'Report_Builder'] }).start();
    dir = await tempDir();
    await writeFiles(dir.path, {
      'config/providers.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword(PASSWORD)}', email: alice@example.com, groups: [eng] }
  sf:
    provider: salesforce
    config:
      domain: ${sf.domain}
      username: lease@acme.example
      password: \${SF_PASSWORD}
      security_token: \${SF_TOKEN}
      client_id: lease-app
      client_secret: \${SF_CLIENT_SECRET}
`,
      'config/roles.yaml': `version: "1.0"
roles:
  sf-support-admin:
    name: Support admin
    description: The Support_Admin permission set
    inherits: [salesforce:permissionset/Support_Admin]
    scopes: { groups: [eng] }
    providers: [sf]
    max_duration: 1h
  sf-ghost:
    name: Ghost
    description: A permission set that does not exist
    inherits: [salesforce:permissionset/Ghost_Set]
    scopes: { groups: [eng] }
    providers: [sf]
`,
    });
    // Left by a lost database: a Lease assignment and its marker, no request behind them. The reconciler removes them.
    const userId = sf.idOf('User', 'Username', 'alice@example.com') as string;
    const setId = sf.idOf('PermissionSet', 'Name', 'Report_Builder') as string;
    sf.insert('PermissionSet', { Name: `Lease_${STRAY_ID}_hold_${setId}`, Label: 'stray', Description: `lease:${STRAY_ID} user:${userId} until:2099-01-01T00:00:00.000Z`, IsOwnedByProfile: false });
    sf.insert('PermissionSetAssignment', { AssigneeId: userId, PermissionSetId: setId, ExpirationDate: '2099-01-01T00:00:00.000Z', IsActive: true });
    server = await start();
    const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env: env(), input: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
  });

  after(async () => {
    await server?.stop();
    await sf?.stop();
    await dir?.cleanup();
  });

  it('the reconciler removes a Lease assignment that no request accounts for', async () => {
    await waitUntil('the stray assignment removed', async () => (assigned().includes('alice@example.com:Report_Builder') ? undefined : true), 60_000, 100);
    assert.deepEqual(markers(), []);
  });

  it('assigns the permission set until the lease expiry, and removes it when revoked', async () => {
    const lease = await request('sf-support-admin', '10m');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    const [only, ...others] = sf.assignmentsView();
    assert.equal(others.length, 0);
    assert.equal(`${only?.user}:${only?.set}`, 'alice@example.com:Support_Admin');
    assert.equal(Date.parse(only?.expires ?? ''), Date.parse(lease.expires_at ?? ''), 'ExpirationDate is the lease expiry');
    assert.equal((await leaseJson<RequestJson>(['revoke', lease.id, '--json'], env())).status, 'revoked');
    assert.deepEqual(assigned(), []);
    assert.deepEqual(markers(), []);
  });

  it('overlapping leases share the assignment until the last one ends', async () => {
    const first = await request('sf-support-admin', '10m');
    const second = await request('sf-support-admin', '10m');
    assert.deepEqual(assigned(), ['alice@example.com:Support_Admin']);
    await leaseJson(['revoke', first.id, '--json'], env());
    assert.deepEqual(assigned(), ['alice@example.com:Support_Admin']);
    await leaseJson(['revoke', second.id, '--json'], env());
    assert.deepEqual(assigned(), []);
  });

  it('an unknown permission set fails the request, naming it', async () => {
    const r = await runLease(['request', '--role', 'sf-ghost', '--provider', 'sf', '--duration', '10m', '--reason', 'CASE-13', '--wait', '--json'], { env: env() });
    assert.notEqual(r.code, 0);
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'failed', r.stdout);
    assert.equal(lease.outcome?.code, 'target_not_found');
    assert.match(lease.outcome?.message ?? '', /no permission set with the API name "Ghost_Set"/);
    assert.deepEqual(markers(), []);
  });

  it('kill -9 after Salesforce made the assignment and before Lease heard: after the restart, one assignment, then none', async () => {
    const held = sf.holdAnswer('POST', /\/sobjects\/PermissionSetAssignment$/);
    const started = await runLease(['request', '--role', 'sf-support-admin', '--provider', 'sf', '--duration', '10m', '--reason', 'crash test', '--json'], { env: env() });
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
    assert.deepEqual(assigned(), ['alice@example.com:Support_Admin']);
    assert.equal(markers().length, 1);
    await leaseJson(['revoke', id, '--json'], env());
    assert.deepEqual(assigned(), []);
    assert.deepEqual(markers(), []);
  });

  it('never prints a secret', () => {
    for (const secret of [SF_PASSWORD, SF_TOKEN, CLIENT_SECRET]) assert.ok(!server.output.includes(secret));
  });
});
