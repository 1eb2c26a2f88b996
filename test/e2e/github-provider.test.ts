// The github provider end to end: `lease server` pointed at emulate's GitHub (through a proxy
// holding every request to GitHub's OpenAPI description, test/support/github-emulator.ts),
// driven with the CLI: request → active → a team member → revoke → not a member; a membership
// that was there before stays; a refusal naming the unknown team; kill -9 while GitHub's answer
// is held → after the restart exactly one membership, active, and its revoke.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword } from '../../src/identity/index.js';
import { ADMIN_TOKEN, startGithubEmulator } from '../support/github-emulator.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const PASSWORD = 'alice-Secr3t-pw';
registerTestSecret(ADMIN_TOKEN, PASSWORD);

interface RequestJson {
  id: string;
  status: string;
  outcome?: { code: string; message: string } | null;
}

test('github provider through lease server and the CLI', async (t) => {
  const gh = await startGithubEmulator(t);
  if (!gh) return;
  for (const name of ['Platform', 'Security']) assert.equal((await gh.admin('POST', '/orgs/acme/teams', { name })).status, 201);
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
  github:
    provider: github
    config:
      token: \${GITHUB_TOKEN}
      api_url: ${gh.proxy.url}
      organization: acme
      accounts: { alice@example.com: alice }
`,
    'config/roles.yaml': `version: "1.0"
roles:
  platform:
    name: Platform team
    description: Platform team
    inherits: [github:team/platform]
    scopes: { groups: [eng] }
    providers: [github]
    max_duration: 1h
  security:
    name: Security team
    description: Security team
    inherits: [github:team/security]
    scopes: { groups: [eng] }
    providers: [github]
    max_duration: 1h
  ghost:
    name: A team that does not exist
    description: A team that does not exist
    inherits: [github:team/ghosts]
    scopes: { groups: [eng] }
    providers: [github]
    max_duration: 1h
`,
  });
  const env = { LEASE_HOME: `${dir.path}/home/alice` };
  const serverArgs = { config: `${dir.path}/config`, data: `${dir.path}/data`, env: { GITHUB_TOKEN: ADMIN_TOKEN } };
  let server: ServerProcess = await startServer(serverArgs);
  t.after(() => server.stop());
  const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env, input: `${PASSWORD}\n` });
  assert.equal(login.code, 0, login.stderr);
  const request = (role: string, wait = true) => runLease(['request', '--role', role, '--provider', 'github', '--duration', '10m', '--reason', 'INC-9 deploy', ...(wait ? ['--wait'] : []), '--json'], { env });
  const member = async (team: string) => {
    const answer = await gh.admin<{ role: string }>('GET', `/orgs/acme/teams/${team}/memberships/alice`);
    return answer.status === 200 ? answer.body.role : null;
  };

  await t.test('request → active and a member → revoke → not a member', async () => {
    const r = await request('platform');
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'active', r.stdout + r.stderr);
    assert.equal(await member('platform'), 'member');
    assert.equal((await leaseJson<RequestJson>(['revoke', lease.id, '--json'], env)).status, 'revoked');
    assert.equal(await member('platform'), null);
  });

  await t.test('a membership that was there before the lease stays after it', async () => {
    await gh.admin('PUT', '/orgs/acme/teams/security/memberships/alice', { role: 'member' });
    const lease = JSON.parse((await request('security')).stdout) as RequestJson;
    assert.equal(lease.status, 'active');
    await leaseJson(['revoke', lease.id, '--json'], env);
    assert.equal(await member('security'), 'member');
    await gh.admin('DELETE', '/orgs/acme/teams/security/memberships/alice');
  });

  await t.test('an unknown team fails the request naming it', async () => {
    const r = await request('ghost');
    assert.notEqual(r.code, 0);
    const lease = JSON.parse(r.stdout) as RequestJson;
    assert.equal(lease.status, 'failed', r.stdout);
    assert.equal(lease.outcome?.code, 'target_not_found');
    assert.match(lease.outcome?.message ?? '', /team ghosts of organization acme/);
  });

  await t.test("kill -9 while GitHub's answer is held: after the restart, exactly one membership, active, then revoked", async () => {
    let reached!: () => void;
    const reachedP = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    gh.proxy.hold = (r) => (r.method === 'PUT' && r.path.endsWith('/teams/platform/memberships/alice') ? (reached(), released) : undefined);
    const started = await request('platform', false);
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as RequestJson;
    await reachedP;
    assert.equal(await member('platform'), 'member', 'GitHub made it');
    const port = Number(new URL(server.url).port);
    await server.crash();
    gh.proxy.hold = undefined;
    release();
    server = await startServer({ ...serverArgs, port });
    const final = await waitUntil('the grant to settle', async () => {
      const s = await leaseJson<RequestJson>(['status', id, '--json'], env);
      return ['active', 'failed', 'denied'].includes(s.status) ? s : undefined;
    }, 60_000, 100);
    assert.equal(final.status, 'active', JSON.stringify(final));
    const members = await gh.admin<Array<{ login: string }>>('GET', '/orgs/acme/teams/platform/members');
    assert.deepEqual(members.body.map((m) => m.login), ['alice']);
    await leaseJson(['revoke', id, '--json'], env);
    assert.equal(await member('platform'), null);
  });

  await t.test('every request was a documented GitHub operation; the token is in no output', () => {
    assert.deepEqual(gh.proxy.violations, []);
    assert.ok(!server.output.includes(ADMIN_TOKEN));
  });
});
