// The azure provider end to end: `lease server` pointed at the Azure contract server
// (src/providers/azure/contract-server.fake.ts; Azure has no emulator) through its authority,
// endpoint and graph_endpoint overrides, driven with the CLI: request → active with the role
// assignment in place → revoked at expiry or early → gone; overlapping leases; PIM; a refusal.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/identity/index.js';
import { AzureContractServer } from '../../src/providers/azure/contract-server.fake.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const SUBSCRIPTION = '22222222-2222-4222-8222-222222222222';
const CLIENT = '33333333-3333-4333-8333-333333333333';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const STRAY_ID = 'req_0000000000stray00000000000';
const ALICE = 'aaaaaaaa-0000-4000-8000-00000000000a';
const SECRET = 'e2e-azure-secret-Zq8~uP3w';
const PASSWORD = 'alice-Secr3t-pw';
registerTestSecret(SECRET, PASSWORD);

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
  outcome?: { code: string; message: string } | null;
}

describe('azure provider through lease server and the CLI', () => {
  let azure: AzureContractServer;
  let server: ServerProcess;
  let dir: { path: string; cleanup: () => Promise<void> };
  const env = () => ({ LEASE_HOME: `${dir.path}/home/alice` });
  const request = (provider: string, duration: string) =>
    leaseJson<RequestJson>(['request', '--role', 'azure-reader', '--provider', provider, '--duration', duration, '--reason', 'INC-7 look around', '--wait', '--json'], env());
  const leaseAssignments = () => [...azure.assignments.values()].filter((a) => a.properties.description?.startsWith('lease:'));

  before(async () => {
    azure = await new AzureContractServer({
      tenantId: TENANT,
      subscriptionId: SUBSCRIPTION,
      clientId: CLIENT,
      clientSecret: SECRET,
      users: [{ id: ALICE, userPrincipalName: 'alice@example.com', mail: 'alice@example.com' }],
      roleDefinitions: [
        { name: READER, roleName: 'Reader', description: 'View all resources' },
        { name: CONTRIBUTOR, roleName: 'Contributor' },
      ],
    }).start();
    dir = await tempDir();
    const azureConfig = (pim: boolean) => `
    provider: azure
    config:
      tenant_id: ${TENANT}
      subscription_id: ${SUBSCRIPTION}
      client_id: ${CLIENT}
      client_secret: \${AZURE_CLIENT_SECRET}
      authority: ${azure.authority}
      endpoint: ${azure.armEndpoint}
      graph_endpoint: ${azure.graphEndpoint}
      pim: ${pim}`;
    await writeFiles(dir.path, {
      'config/providers.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword(PASSWORD)}', email: alice@example.com, groups: [eng] }
  azure-prod:${azureConfig(false)}
  azure-pim:${azureConfig(true)}
`,
      'config/roles.yaml': `version: "1.0"
roles:
  azure-reader:
    name: Azure reader
    description: Read the subscription
    inherits: [azure:Reader]
    scopes: { groups: [eng] }
    providers: [azure-prod, azure-pim]
    max_duration: 1h
`,
    });
    // Left by a lost database: Lease-made, with no request behind it. The reconciler's first round (at start) removes it.
    azure.addAssignment(`/subscriptions/${SUBSCRIPTION}`, CONTRIBUTOR, ALICE, `lease:${STRAY_ID}`);
    server = await startServer({ config: `${dir.path}/config`, data: `${dir.path}/data`, env: { AZURE_CLIENT_SECRET: SECRET } });
    const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env: env(), input: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
  });

  after(async () => {
    await server?.stop();
    await azure?.stop();
    await dir?.cleanup();
  });

  it('the reconciler removes a Lease-made assignment that no request accounts for', async () => {
    await waitUntil('the stray assignment removed', async () => ([...azure.assignments.values()].some((a) => a.properties.description === `lease:${STRAY_ID}`) ? undefined : true), 60_000, 100);
    await waitUntil('the reconciliation log line', async () => (/"msg":"reconciliation found drift"/.test(server.output) ? true : undefined), 60_000, 100);
  });

  it('grants the role assignment for the requester, and removes it at expiry', async () => {
    const lease = await request('azure-prod', '6s');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    const [made, ...others] = leaseAssignments();
    assert.equal(others.length, 0);
    assert.equal(made?.properties.principalId, ALICE);
    assert.equal(made?.properties.scope, `/subscriptions/${SUBSCRIPTION}`);
    assert.ok(made?.properties.roleDefinitionId.endsWith(`/roleDefinitions/${READER}`));
    assert.equal(made?.properties.description, `lease:${lease.id}`);
    await waitUntil('revocation at expiry', async () => ((await leaseJson<RequestJson>(['status', lease.id, '--json'], env())).status === 'revoked' ? true : undefined), 60_000, 250);
    assert.deepEqual(leaseAssignments(), []);
  });

  it('overlapping leases share the assignment until the last one is revoked', async () => {
    const first = await request('azure-prod', '10m');
    const second = await request('azure-prod', '10m');
    assert.equal(leaseAssignments().length, 1);
    assert.equal(leaseAssignments()[0]?.properties.description, `lease:${first.id} lease:${second.id}`);
    assert.equal((await leaseJson<RequestJson>(['revoke', first.id, '--json'], env())).status, 'revoked');
    assert.equal(leaseAssignments()[0]?.properties.description, `lease:${second.id}`);
    assert.equal((await leaseJson<RequestJson>(['revoke', second.id, '--json'], env())).status, 'revoked');
    assert.deepEqual(leaseAssignments(), []);
  });

  it('with pim, the grant is a schedule request that ends at the lease expiry', async () => {
    const lease = await request('azure-pim', '10m');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    const live = azure.activeSchedule(`/subscriptions/${SUBSCRIPTION}`, READER, ALICE);
    assert.equal(live?.properties.requestType, 'AdminAssign');
    const [holder, until] = (live?.properties.justification ?? '').split('@');
    assert.equal(holder, `lease:${lease.id}`);
    assert.equal(Date.parse(until ?? ''), Date.parse(lease.expires_at ?? ''));
    assert.equal(Date.parse(live?.properties.scheduleInfo?.expiration?.endDateTime ?? ''), Date.parse(lease.expires_at ?? ''));
    await leaseJson(['revoke', lease.id, '--json'], env());
    assert.equal(azure.activeSchedule(`/subscriptions/${SUBSCRIPTION}`, READER, ALICE), undefined);
  });

  it("Azure's refusal fails the request with the missing permission, and nothing is left", async () => {
    azure.canWrite = false;
    try {
      const r = await runLease(['request', '--role', 'azure-reader', '--provider', 'azure-prod', '--duration', '10m', '--reason', 'INC-8', '--wait', '--json'], { env: env() });
      assert.notEqual(r.code, 0);
      const lease = JSON.parse(r.stdout) as RequestJson;
      assert.equal(lease.status, 'failed', r.stdout);
      assert.equal(lease.outcome?.code, 'target_permission_denied');
      assert.match(lease.outcome?.message ?? '', /AuthorizationFailed: .*'Microsoft\.Authorization\/roleAssignments\/write'/);
    } finally {
      azure.canWrite = true;
    }
    assert.deepEqual(leaseAssignments(), []);
  });

  it('kill -9 after Azure made the assignment and before Lease heard: after the restart, exactly one assignment, active', async () => {
    const held = azure.holdAnswer('PUT', /\/roleAssignments\/[0-9a-f-]{36}$/);
    const started = await runLease(['request', '--role', 'azure-reader', '--provider', 'azure-prod', '--duration', '10m', '--reason', 'crash test', '--json'], { env: env() });
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as RequestJson;
    await held.reached;
    assert.equal(leaseAssignments().length, 1, 'Azure made it');
    const port = Number(new URL(server.url).port);
    await server.crash();
    held.release();
    server = await startServer({ config: `${dir.path}/config`, data: `${dir.path}/data`, env: { AZURE_CLIENT_SECRET: SECRET }, port });
    const final = await waitUntil('the grant to settle', async () => {
      const s = await leaseJson<RequestJson>(['status', id, '--json'], env());
      return s.status === 'active' || s.status === 'failed' || s.status === 'denied' ? s : undefined;
    }, 60_000, 100);
    assert.equal(final.status, 'active', JSON.stringify(final));
    assert.deepEqual(leaseAssignments().map((a) => a.properties.description), [`lease:${id}`]);
    await leaseJson(['revoke', id, '--json'], env());
    assert.deepEqual(leaseAssignments(), []);
  });

  it('never prints the client secret', () => {
    assert.ok(!server.output.includes(SECRET));
  });
});
