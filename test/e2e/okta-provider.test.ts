// The okta provider end to end: `lease server` pointed at emulate's Okta (through a proxy holding
// every request to Okta's OpenAPI description, test/support/okta-emulator.ts), driven with the
// CLI: request → active → a group member → revoke → not a member; a membership that was there
// before stays; a refusal naming the unknown group; kill -9 while Okta's answer is held → after
// the restart exactly one membership, active, and its revoke.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword } from '../../src/identity/index.js';
import { OKTA_TOKEN, startOktaEmulator } from '../support/okta-emulator.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const PASSWORD = 'alice-Secr3t-pw';
registerTestSecret(OKTA_TOKEN, PASSWORD);

interface RequestJson {
  id: string;
  status: string;
  outcome?: { code: string; message: string } | null;
}

test('okta provider through lease server and the CLI', async (t) => {
  const okta = await startOktaEmulator(t);
  if (!okta) return;
  const dir = await tempDir();
  t.after(() => dir.cleanup());
  await writeFiles(dir.path, {
    'config/providers.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword(PASSWORD)}', email: alice@example.com, groups: [eng] }
  okta:
    provider: okta
    config:
      domain: ${okta.proxy.url}
      token: \${OKTA_API_TOKEN}
`,
    'config/roles.yaml': `version: "1.0"
roles:
  platform:
    name: Platform group
    description: Platform group
    inherits: [okta:group/Platform]
    scopes: { groups: [eng] }
    providers: [okta]
    max_duration: 1h
  security:
    name: Security group
    description: Security group
    inherits: [okta:group/Security]
    scopes: { groups: [eng] }
    providers: [okta]
    max_duration: 1h
  ghost:
    name: A group that does not exist
    description: A group that does not exist
    inherits: [okta:group/Ghosts]
    scopes: { groups: [eng] }
    providers: [okta]
    max_duration: 1h
`,
  });
  const env = { LEASE_HOME: `${dir.path}/home/alice` };
  const serverArgs = { config: `${dir.path}/config`, data: `${dir.path}/data`, env: { OKTA_API_TOKEN: OKTA_TOKEN } };
  let server: ServerProcess = await startServer(serverArgs);
  t.after(() => server.stop());
  const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env, input: `${PASSWORD}\n` });
  assert.equal(login.code, 0, login.stderr);
  const request = (role: string, wait = true) => runLease(['request', '--role', role, '--provider', 'okta', '--duration', '10m', '--reason', 'INC-9 deploy', ...(wait ? ['--wait'] : []), '--json'], { env });
  const membership = async (group: string) => `/api/v1/groups/${await okta.groupId(group)}/users/${await okta.userId('alice@example.com')}`;

  await t.test('request → active and a member → revoke → not a member', async () => {
    const r = await request('platform');
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'active', r.stdout + r.stderr);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), true);
    assert.equal((await leaseJson<RequestJson>(['revoke', lease.id, '--json'], env)).status, 'revoked');
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
  });

  await t.test('a membership that was there before the lease stays after it', async () => {
    await okta.admin('PUT', await membership('Security'));
    const lease = JSON.parse((await request('security')).stdout) as RequestJson;
    assert.equal(lease.status, 'active');
    await leaseJson(['revoke', lease.id, '--json'], env);
    assert.equal(await okta.isMember('Security', 'alice@example.com'), true);
    await okta.admin('DELETE', await membership('Security'));
  });

  await t.test('an unknown group fails the request naming it', async () => {
    const r = await request('ghost');
    assert.notEqual(r.code, 0);
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'failed', r.stdout);
    assert.equal(lease.outcome?.code, 'target_not_found');
    assert.match(lease.outcome?.message ?? '', /group Ghosts does not exist/);
  });

  await t.test("kill -9 while Okta's answer is held: after the restart, exactly one membership, active, then revoked", async () => {
    let reached!: () => void;
    const reachedP = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const path = await membership('Platform');
    okta.proxy.hold = (r) => (r.method === 'PUT' && r.path === path ? (reached(), released) : undefined);
    const started = await request('platform', false);
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as RequestJson;
    await reachedP;
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), true, 'Okta made it');
    const port = Number(new URL(server.url).port);
    await server.crash();
    okta.proxy.hold = undefined;
    release();
    server = await startServer({ ...serverArgs, port });
    const final = await waitUntil('the grant to settle', async () => {
      const s = await leaseJson<RequestJson>(['status', id, '--json'], env);
      return ['active', 'failed', 'denied'].includes(s.status) ? s : undefined;
    }, 60_000, 100);
    assert.equal(final.status, 'active', JSON.stringify(final));
    assert.deepEqual(await okta.members('Platform'), ['alice@example.com']);
    await leaseJson(['revoke', id, '--json'], env);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
  });

  await t.test('every request was a documented Okta operation; the token is in no output', () => {
    assert.deepEqual(okta.proxy.violations, []);
    assert.ok(!server.output.includes(OKTA_TOKEN));
  });
});
