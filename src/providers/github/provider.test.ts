// The github provider against a real GitHub API emulator (emulate 0.12.2, test/support/emulate.ts),
// every request Lease sends held to GitHub's own OpenAPI description on the way
// (test/support/openapi-proxy.ts with @octokit/openapi). What a test reads back is emulate's state.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { newId } from '../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';
import type { GrantInput, GrantRole } from '../provider.js';
import { ADMIN_TOKEN, APP_ID, INSTALLATION_ID, startGithubEmulator, type GithubEmulator } from '../../../test/support/github-emulator.js';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { githubConfigSchema } from './config.js';
import { GithubAccessProvider, type GithubGrantData } from './provider.js';

registerTestSecret(ADMIN_TOKEN);

const identity = (login: string) => ({ id: `${login}-sub`, email: `${login}@example.com`, email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' });

function role(overrides: Partial<GrantRole> = {}): GrantRole {
  return { id: 'platform', name: 'Platform team', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['github:team/platform'], ...overrides };
}

function input(overrides: Partial<GrantInput> = {}): GrantInput {
  return { requestId: newId('req'), identity: identity('alice'), role: role(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), ...overrides };
}

const repoRole = (permission: string, repo = 'acme/api') => role({ id: `repo-${permission}`, nativeRoles: [], resources: { allow: [`github:repo/${repo}`], deny: [] }, permissions: { allow: [permission], deny: [] } });

async function setup(t: TestContext) {
  const gh = await startGithubEmulator(t);
  if (!gh) return undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'lease-github-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  for (const name of ['Platform', 'Security']) assert.equal((await gh.admin('POST', '/orgs/acme/teams', { name })).status, 201);
  const provider = (overrides: Record<string, unknown> = {}) =>
    new GithubAccessProvider('github-acme', githubConfigSchema.parse({ token: ADMIN_TOKEN, api_url: gh.proxy.url, organization: 'acme', accounts: { 'bob@example.com': 'bob' }, ...overrides }), { dataDir, configDir: dataDir }, { retry: { baseDelayMs: 1 } });
  return { gh, dataDir, provider };
}

const teamRole = async (gh: GithubEmulator, team: string, login: string) => {
  const answer = await gh.admin<{ role: string }>('GET', `/orgs/acme/teams/${team}/memberships/${login}`);
  return answer.status === 200 ? answer.body.role : null;
};
const repoPermission = async (gh: GithubEmulator, repo: string, login: string) => {
  const list = await gh.admin<Array<{ login: string }>>('GET', `/repos/${repo}/collaborators`);
  if (!list.body.some((c) => c.login === login)) return null;
  return (await gh.admin<{ permission: string }>('GET', `/repos/${repo}/collaborators/${login}/permission`)).body.permission;
};

test('github provider against emulate', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { gh, provider } = env;
  const github = provider();

  await t.test('a team grant makes the user a member; revoke removes them', async () => {
    const grant = input();
    const record = await github.grant(grant);
    assert.equal(await teamRole(gh, 'platform', 'alice'), 'member');
    const data = record.data as unknown as GithubGrantData;
    assert.equal(data.login, 'alice');
    assert.deepEqual(data.seats.map((s) => [s.kind, s.owner, s.name, s.want, s.prior]), [['team', 'acme', 'platform', 'member', null]]);
    assert.deepEqual((await github.listActive()).map((g) => g.requestId), [grant.requestId]);
    await github.revoke(record);
    assert.equal(await teamRole(gh, 'platform', 'alice'), null);
    assert.deepEqual(await github.listActive(), []);
  });

  await t.test('granting the same request twice grants once; revoking twice succeeds', async () => {
    const grant = input();
    const first = await github.grant(grant);
    const again = await provider().grant(grant);
    assert.deepEqual(again, first);
    assert.equal((await github.listActive()).length, 1);
    await github.revoke(first);
    await github.revoke(first);
    assert.equal(await teamRole(gh, 'platform', 'alice'), null);
  });

  await t.test('a user already in the team keeps the membership (and their maintainer role) after the lease', async () => {
    await gh.admin('PUT', '/orgs/acme/teams/security/memberships/carol', { role: 'maintainer' });
    const record = await github.grant(input({ identity: identity('carol'), role: role({ nativeRoles: ['github:team/security'] }) }));
    assert.equal((record.data as unknown as GithubGrantData).seats[0]?.prior, 'maintainer');
    assert.equal(await teamRole(gh, 'security', 'carol'), 'maintainer', 'not lowered to member');
    await github.revoke(record);
    assert.equal(await teamRole(gh, 'security', 'carol'), 'maintainer');
    await gh.admin('DELETE', '/orgs/acme/teams/security/memberships/carol');
  });

  await t.test('overlapping leases keep the membership until the last one ends', async () => {
    const [a, b] = [input(), input()];
    const ra = await github.grant(a);
    const rb = await github.grant(b);
    assert.deepEqual((await github.listActive()).map((g) => g.requestId).sort(), [a.requestId, b.requestId].sort());
    await github.revoke(ra);
    assert.equal(await teamRole(gh, 'platform', 'alice'), 'member', 'the second lease still holds it');
    await github.revoke(rb);
    assert.equal(await teamRole(gh, 'platform', 'alice'), null);
    const ledger = JSON.parse(await readFile(join(env.dataDir, 'github', 'github-acme.ledger.json'), 'utf8')) as { seats: Record<string, unknown> };
    assert.deepEqual(ledger.seats, {}, 'the ledger forgets a seat nobody holds');
  });

  await t.test('a repository permission is granted and the previous permission restored', async () => {
    await gh.admin('PUT', '/repos/acme/api/collaborators/bob', { permission: 'pull' });
    const grant = input({ identity: identity('bob'), role: repoRole('push') });
    const record = await github.grant(grant);
    assert.equal(await repoPermission(gh, 'acme/api', 'bob'), 'push');
    assert.deepEqual((record.data as unknown as GithubGrantData).seats.map((s) => [s.kind, s.name, s.want, s.prior]), [['repo', 'api', 'push', 'pull']]);
    // An overlapping lease asking for more raises it; when it ends, the first lease's push stays.
    const admin = await github.grant(input({ identity: identity('bob'), role: repoRole('admin') }));
    assert.equal(await repoPermission(gh, 'acme/api', 'bob'), 'admin');
    await github.revoke(admin);
    assert.equal(await repoPermission(gh, 'acme/api', 'bob'), 'push');
    await github.revoke(record);
    assert.equal(await repoPermission(gh, 'acme/api', 'bob'), 'pull', 'back to what it was');
    await gh.admin('DELETE', '/repos/acme/api/collaborators/bob');
    const fresh = await github.grant(input({ identity: identity('bob'), role: repoRole('triage', 'acme/web') }));
    assert.equal(await repoPermission(gh, 'acme/web', 'bob'), 'triage');
    await github.revoke(fresh);
    assert.equal(await repoPermission(gh, 'acme/web', 'bob'), null, 'not a collaborator before, none after');
  });

  await t.test('revoke with empty data finds what the request holds by its id', async () => {
    const grant = input();
    await github.grant(grant);
    const other = await github.grant(input({ identity: identity('carol') }));
    await github.revoke({ provider: 'github-acme', requestId: grant.requestId, data: {} });
    assert.equal(await teamRole(gh, 'platform', 'alice'), null);
    assert.equal(await teamRole(gh, 'platform', 'carol'), 'member', "another request's membership stays");
    await github.revoke(other);
  });

  await t.test('revoke after a hand removal succeeds; listActive shows the drift', async () => {
    const grant = input();
    const record = await github.grant(grant);
    await gh.admin('DELETE', '/orgs/acme/teams/platform/memberships/alice');
    assert.deepEqual(await github.listActive(), [], 'removed on GitHub: the lease is missing there');
    // The reconciler's re-grant (same request id) puts it back.
    await github.grant(grant);
    assert.equal(await teamRole(gh, 'platform', 'alice'), 'member');
    await gh.admin('DELETE', '/orgs/acme/teams/platform/memberships/alice');
    await github.revoke(record);
    assert.equal(await teamRole(gh, 'platform', 'alice'), null);
    assert.deepEqual(await github.listActive(), []);
  });

  await t.test('a grant whose ledger was lost is still restored from its record', async () => {
    const record = await github.grant(input());
    await rm(join(env.dataDir, 'github'), { recursive: true, force: true });
    await github.revoke(record);
    assert.equal(await teamRole(gh, 'platform', 'alice'), null);
  });

  await t.test('refusals name what is missing and leave nothing behind', async () => {
    const unknownTeam = input({ role: role({ nativeRoles: ['github:team/platform', 'github:team/nope'] }) });
    await assert.rejects(github.grant(unknownTeam), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /team nope of organization acme/.test(err.message));
    assert.equal(await teamRole(gh, 'platform', 'alice'), null);
    await assert.rejects(github.grant(input({ role: repoRole('push', 'acme/nope') })), (err) => err instanceof TargetRefused && /repository acme\/nope/.test(err.message));
    await assert.rejects(github.grant(input({ identity: { ...identity('dave'), email: 'dave@example.com' } })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /dave@example\.com/.test(err.message) && /accounts/.test(err.message));
    await assert.rejects(github.grant(input({ identity: { ...identity('alice'), email_verified: false } })), (err) => err instanceof TargetRefused && /no verified e-mail/.test(err.message));
    await assert.rejects(github.grant(input({ role: role({ nativeRoles: ['aws:ReadOnly'] }) })), (err) => err instanceof TargetRefused && /names no GitHub team or repository/.test(err.message));
    await assert.rejects(github.grant(input({ role: role({ nativeRoles: ['github:team/../x'] }) })), (err) => err instanceof TargetRefused && /expected github:team/.test(err.message));
  });

  await t.test('a secondary rate limit is retried; one that lasts is TargetUnavailable; a 403 names the missing permission', async () => {
    let limited = 2;
    gh.proxy.intercept = (r) => (r.method === 'PUT' && limited-- > 0 ? { status: 403, headers: { 'retry-after': '0' }, body: { message: 'You have exceeded a secondary rate limit.' } } : undefined);
    const record = await github.grant(input());
    assert.equal(await teamRole(gh, 'platform', 'alice'), 'member');
    await github.revoke(record);
    gh.proxy.intercept = (r) => (r.method === 'PUT' ? { status: 429, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) }, body: { message: 'API rate limit exceeded' } } : undefined);
    const throttled = input();
    await assert.rejects(github.grant(throttled), (err) => err instanceof TargetUnavailable && /rate limit/.test(err.message));
    gh.proxy.intercept = (r) => (r.method === 'PUT' ? { status: 403, headers: { 'x-accepted-github-permissions': 'members=write' }, body: { message: 'Resource not accessible by integration' } } : undefined);
    await assert.rejects(github.grant(input()), (err) => err instanceof TargetRefused && err.missingPermission === 'members=write' && /members=write/.test(err.message));
    gh.proxy.intercept = undefined;
    await github.revoke({ provider: 'github-acme', requestId: throttled.requestId, data: {} });
    // (the refused one is undone by the server's revoke with empty data; done here by hand)
    for (const grant of await github.listActive()) await github.revoke(grant);
    for (const [key] of Object.entries(JSON.parse(await readFile(join(env.dataDir, 'github', 'github-acme.ledger.json'), 'utf8')).seats as object)) assert.fail(`seat left: ${key}`);
  });

  await t.test('a GitHub App installation token is fetched once, cached, and used', async () => {
    const app = provider({ token: undefined, app_id: APP_ID, installation_id: INSTALLATION_ID, private_key: gh.appPrivateKey, ledger_file: join(env.dataDir, 'app.ledger.json') });
    const before = gh.proxy.requests.length;
    const a = await app.grant(input());
    const b = await app.grant(input({ identity: identity('carol') }));
    assert.equal(await teamRole(gh, 'platform', 'alice'), 'member');
    const tokenCalls = gh.proxy.requests.slice(before).filter((r) => r.operation === 'POST /app/installations/{installation_id}/access_tokens');
    assert.equal(tokenCalls.length, 1);
    await app.revoke(a);
    await app.revoke(b);
    assert.equal(await teamRole(gh, 'platform', 'carol'), null);
    const wrongKey = provider({ token: undefined, app_id: APP_ID, installation_id: 999, private_key: gh.appPrivateKey });
    await assert.rejects(wrongKey.grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_not_found');
  });

  await t.test('listNativeRoles lists the organization teams', async () => {
    assert.deepEqual((await github.listNativeRoles({ search: 'plat' })).map((r) => r.id), ['team/platform']);
  });

  await t.test('every request Lease made is a documented GitHub operation with a valid body', () => {
    assert.deepEqual(gh.proxy.violations, []);
    const ops = new Set(gh.proxy.operationsCalled());
    for (const op of ['PUT /orgs/{org}/teams/{team_slug}/memberships/{username}', 'DELETE /orgs/{org}/teams/{team_slug}/memberships/{username}', 'PUT /repos/{owner}/{repo}/collaborators/{username}', 'DELETE /repos/{owner}/{repo}/collaborators/{username}', 'POST /app/installations/{installation_id}/access_tokens']) assert.ok(ops.has(op), op);
  });
});
