// The okta provider against a real Okta API emulator (emulate 0.12.2, test/support/emulate.ts),
// every request Lease sends held to Okta's own management API description on the way
// (test/support/okta-emulator.ts with @okta/openapi). What a test reads back is emulate's state.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { newId } from '../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';
import type { GrantInput, GrantRole } from '../provider.js';
import { OKTA_TOKEN, startOktaEmulator } from '../../../test/support/okta-emulator.js';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { oktaConfigSchema } from './config.js';
import { OktaAccessProvider, type OktaGrantData } from './provider.js';

registerTestSecret(OKTA_TOKEN);

const identity = (email: string) => ({ id: `${email.split('@')[0]}-sub`, email, email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' });
const ALICE = identity('alice@example.com');

function role(overrides: Partial<GrantRole> = {}): GrantRole {
  return { id: 'platform', name: 'Platform', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['okta:group/Platform'], ...overrides };
}

function input(overrides: Partial<GrantInput> = {}): GrantInput {
  return { requestId: newId('req'), identity: ALICE, role: role(), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), ...overrides };
}

async function setup(t: TestContext) {
  const okta = await startOktaEmulator(t);
  if (!okta) return undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'lease-okta-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const provider = (overrides: Record<string, unknown> = {}, now?: () => number) =>
    new OktaAccessProvider('okta-acme', oktaConfigSchema.parse({ domain: okta.proxy.url, token: OKTA_TOKEN, ...overrides }), { dataDir, configDir: dataDir }, { retry: { baseDelayMs: 1 }, ...(now ? { now } : {}) });
  type Ledger = { seats: Record<string, { prior: string | null; holders: Record<string, unknown> }> };
  const ledger = async (): Promise<Ledger> =>
    JSON.parse(await readFile(join(dataDir, 'okta', 'okta-acme.ledger.json'), 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '{"seats":{}}' : Promise.reject(err)))) as Ledger;
  return { okta, dataDir, provider, ledger };
}

test('okta provider against emulate', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const { okta, provider, ledger } = env;
  const lease = provider();

  await t.test('a grant makes the user a member of the group; revoke removes them', async () => {
    const grant = input();
    const record = await lease.grant(grant);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), true);
    const data = record.data as unknown as OktaGrantData;
    assert.equal(data.login, 'alice@example.com');
    assert.equal(data.userId, await okta.userId('alice@example.com'));
    assert.deepEqual(data.seats.map((s) => [s.groupId, s.groupName, s.prior]), [[await okta.groupId('Platform'), 'Platform', null]]);
    assert.deepEqual((await lease.listActive()).map((g) => g.requestId), [grant.requestId]);
    await lease.revoke(record);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
    assert.deepEqual(await lease.listActive(), []);
    assert.deepEqual((await ledger()).seats, {}, 'the ledger forgets a seat nobody holds');
  });

  await t.test('a group named by its id; a user found by profile.email when the login differs', async () => {
    const id = await okta.groupId('Security');
    const record = await lease.grant(input({ identity: identity('carol@example.com'), role: role({ nativeRoles: [`okta:group/${id}`] }) }));
    assert.equal((record.data as unknown as OktaGrantData).login, 'carol');
    assert.equal(await okta.isMember('Security', 'carol'), true);
    await lease.revoke(record);
    assert.equal(await okta.isMember('Security', 'carol'), false);
  });

  await t.test('granting the same request twice grants once; revoking twice succeeds', async () => {
    const grant = input();
    const first = await lease.grant(grant);
    const again = await provider().grant(grant);
    assert.deepEqual(again, first);
    assert.equal((await lease.listActive()).length, 1);
    assert.deepEqual(await okta.members('Platform'), ['alice@example.com']);
    await lease.revoke(first);
    await lease.revoke(first);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
  });

  await t.test('a user already in the group keeps the membership after the lease', async () => {
    assert.equal((await okta.admin('PUT', `/api/v1/groups/${await okta.groupId('Security')}/users/${await okta.userId('bob@example.com')}`)).status, 204);
    const record = await lease.grant(input({ identity: identity('bob@example.com'), role: role({ nativeRoles: ['okta:group/Security'] }) }));
    assert.equal((record.data as unknown as OktaGrantData).seats[0]?.prior, 'member');
    await lease.revoke(record);
    assert.equal(await okta.isMember('Security', 'bob@example.com'), true, 'Lease did not add it, Lease does not remove it');
    await okta.admin('DELETE', `/api/v1/groups/${await okta.groupId('Security')}/users/${await okta.userId('bob@example.com')}`);
  });

  await t.test('overlapping leases keep the membership until the last one ends', async () => {
    const [a, b] = [input(), input()];
    const ra = await lease.grant(a);
    const rb = await lease.grant(b);
    assert.deepEqual((await lease.listActive()).map((g) => g.requestId).sort(), [a.requestId, b.requestId].sort());
    await lease.revoke(ra);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), true, 'the second lease still holds it');
    await lease.revoke(rb);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
    assert.deepEqual((await ledger()).seats, {});
  });

  await t.test('revoke with empty data finds what the request holds by its id', async () => {
    const grant = input({ role: role({ nativeRoles: ['okta:group/Platform', 'okta:group/Security'] }) });
    await lease.grant(grant);
    const other = await lease.grant(input({ identity: identity('bob@example.com') }));
    await lease.revoke({ provider: 'okta-acme', requestId: grant.requestId, data: {} });
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
    assert.equal(await okta.isMember('Security', 'alice@example.com'), false);
    assert.equal(await okta.isMember('Platform', 'bob@example.com'), true, "another request's membership stays");
    await lease.revoke(other);
    // A request Lease never granted: nothing to do.
    await lease.revoke({ provider: 'okta-acme', requestId: newId('req'), data: {} });
  });

  await t.test('revoke after a hand removal succeeds; listActive shows the drift; the re-grant restores it', async () => {
    const grant = input();
    const record = await lease.grant(grant);
    const path = `/api/v1/groups/${await okta.groupId('Platform')}/users/${await okta.userId('alice@example.com')}`;
    await okta.admin('DELETE', path);
    assert.deepEqual(await lease.listActive(), [], 'removed in Okta: the lease is missing there');
    await lease.grant(grant);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), true);
    assert.deepEqual((await lease.listActive()).map((g) => g.requestId), [grant.requestId]);
    await okta.admin('DELETE', path);
    await lease.revoke(record);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
    assert.deepEqual(await lease.listActive(), []);
  });

  await t.test('listActive asks Okta the fewer way round: per group, or per user when one user holds several groups', async () => {
    const both = input({ role: role({ nativeRoles: ['okta:group/Platform', 'okta:group/Security'] }) });
    const record = await lease.grant(both);
    const before = okta.proxy.requests.length;
    assert.deepEqual((await lease.listActive()).map((g) => g.requestId), [both.requestId]);
    assert.deepEqual(okta.proxy.operationsCalled().slice(before), ['GET /api/v1/users/{userId}/groups']);
    await okta.admin('DELETE', `/api/v1/groups/${await okta.groupId('Security')}/users/${await okta.userId('alice@example.com')}`);
    assert.deepEqual(await lease.listActive(), [], 'one of its memberships removed by hand: the lease is missing');
    const bob = await lease.grant(input({ identity: identity('bob@example.com') }));
    const carol = await lease.grant(input({ identity: identity('carol@example.com') }));
    const mark = okta.proxy.requests.length;
    assert.equal((await lease.listActive()).length, 2, "bob's and carol's");
    assert.deepEqual(okta.proxy.operationsCalled().slice(mark).sort(), ['GET /api/v1/groups/{groupId}/users', 'GET /api/v1/groups/{groupId}/users'], 'two groups, three users: per group');
    for (const r of [record, bob, carol]) await lease.revoke(r);
    assert.deepEqual(await okta.members('Platform'), []);
  });

  await t.test('a group deleted in Okta: listActive drops the lease and revoke succeeds', async () => {
    const created = await okta.admin<{ id: string }>('POST', '/api/v1/groups', { profile: { name: 'Temporary', description: 'to be deleted' } });
    const record = await lease.grant(input({ role: role({ nativeRoles: ['okta:group/Temporary'] }) }));
    await okta.admin('DELETE', `/api/v1/groups/${created.body.id}`);
    assert.deepEqual(await lease.listActive(), []);
    await lease.revoke(record);
    assert.deepEqual((await ledger()).seats, {});
  });

  await t.test('a grant whose ledger was lost is still undone from its record', async () => {
    const record = await lease.grant(input());
    await rm(join(env.dataDir, 'okta'), { recursive: true, force: true });
    await lease.revoke(record);
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
  });

  await t.test('refusals name what is missing and leave nothing behind', async () => {
    await assert.rejects(lease.grant(input({ role: role({ nativeRoles: ['okta:group/Platform', 'okta:group/Ghosts'] }) })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /group Ghosts does not exist/.test(err.message));
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
    await assert.rejects(lease.grant(input({ role: role({ nativeRoles: ['okta:group/00gabcdefghijklmnopq'] }) })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /group 00gabcdefghijklmnopq/.test(err.message));
    await assert.rejects(lease.grant(input({ identity: identity('dave@example.com') })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /no Okta user has the login or e-mail dave@example\.com/.test(err.message));
    await assert.rejects(lease.grant(input({ identity: identity('gone@example.com') })), (err) => err instanceof TargetRefused && /deactivated/.test(err.message));
    await assert.rejects(lease.grant(input({ identity: { ...ALICE, email_verified: false } })), (err) => err instanceof TargetRefused && /no verified e-mail/.test(err.message));
    await assert.rejects(lease.grant(input({ role: role({ nativeRoles: ['okta:group/Everyone'] }) })), (err) => err instanceof TargetRefused && /built-in group/.test(err.message));
    await assert.rejects(lease.grant(input({ role: role({ nativeRoles: ['aws:ReadOnly'] }) })), (err) => err instanceof TargetRefused && /names no Okta group/.test(err.message));
    await assert.rejects(lease.grant(input({ role: role({ nativeRoles: ['okta:team/x'] }) })), (err) => err instanceof TargetRefused && /expected okta:group/.test(err.message));
    assert.deepEqual((await ledger()).seats, {}, 'nothing was written');
  });

  await t.test('401 and 403 are refusals naming what is missing, with Okta\'s error code', async () => {
    okta.proxy.intercept = () => ({ status: 401, body: { errorCode: 'E0000011', errorSummary: 'Invalid token provided', errorCauses: [] } });
    await assert.rejects(lease.grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && /E0000011: Invalid token provided/.test(err.message) && /API token is invalid/.test(err.message) && !err.message.includes(OKTA_TOKEN));
    okta.proxy.intercept = (r) => (r.method === 'PUT' ? { status: 403, body: { errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action', errorCauses: [] } } : undefined);
    const refused = input();
    await assert.rejects(lease.grant(refused), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && /E0000006/.test(err.message) && /Group Membership Admin/.test(err.missingPermission ?? '') && !err.message.includes(OKTA_TOKEN));
    okta.proxy.intercept = undefined;
    // The server's revoke with empty data after a refusal undoes the half-made state.
    await lease.revoke({ provider: 'okta-acme', requestId: refused.requestId, data: {} });
    assert.deepEqual((await ledger()).seats, {});
  });

  await t.test('a 429 waits until X-Rate-Limit-Reset and retries; one that lasts is TargetUnavailable', async () => {
    let limited = 2;
    const now = Date.now();
    const waits: number[] = [];
    const throttled = new OktaAccessProvider('okta-acme', oktaConfigSchema.parse({ domain: okta.proxy.url, token: OKTA_TOKEN }), { dataDir: env.dataDir, configDir: env.dataDir }, {
      now: () => now,
      retry: { baseDelayMs: 1, maxDelayMs: 60_000, sleep: async (ms) => void waits.push(ms) },
    });
    const rateLimited = { status: 429, headers: { 'x-rate-limit-limit': '600', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(Math.floor(now / 1000) + 7) }, body: { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.', errorCauses: [] } };
    okta.proxy.intercept = (r) => (r.method === 'PUT' && limited-- > 0 ? rateLimited : undefined);
    const record = await throttled.grant(input());
    assert.deepEqual(waits, [7_000, 7_000], 'waited until the reset both times');
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), true);
    await throttled.revoke(record);
    // Capped: each wait is at most the cap (default 5 s); after the attempts the runtime's retries take over.
    waits.length = 0;
    const capped = new OktaAccessProvider('okta-acme', oktaConfigSchema.parse({ domain: okta.proxy.url, token: OKTA_TOKEN }), { dataDir: env.dataDir, configDir: env.dataDir }, { now: () => now, retry: { sleep: async (ms) => void waits.push(ms) } });
    okta.proxy.intercept = (r) => (r.method === 'PUT' ? { ...rateLimited, headers: { ...rateLimited.headers, 'x-rate-limit-reset': String(Math.floor(now / 1000) + 3600) } } : undefined);
    const lasting = input();
    await assert.rejects(capped.grant(lasting), (err) => err instanceof TargetUnavailable && /rate limiting/.test(err.message) && /E0000047/.test(err.message));
    assert.deepEqual(waits, [5_000, 5_000]);
    okta.proxy.intercept = undefined;
    await lease.revoke({ provider: 'okta-acme', requestId: lasting.requestId, data: {} });
    assert.equal(await okta.isMember('Platform', 'alice@example.com'), false);
  });

  await t.test('listNativeRoles lists Okta groups (not built-in ones), searched and limited', async () => {
    assert.deepEqual((await lease.listNativeRoles({ search: 'plat' })).map((r) => r.id), ['group/Platform']);
    const all = await lease.listNativeRoles();
    assert.ok(all.some((r) => r.id === 'group/Security' && r.description === 'Security team'));
    assert.ok(!all.some((r) => r.id === 'group/Everyone'));
    assert.equal((await lease.listNativeRoles({ limit: 1 })).length, 1);
  });

  await t.test('every request Lease made is a documented Okta operation', () => {
    assert.deepEqual(okta.proxy.violations, []);
    const ops = new Set(okta.proxy.operationsCalled());
    for (const op of ['PUT /api/v1/groups/{groupId}/users/{userId}', 'DELETE /api/v1/groups/{groupId}/users/{userId}', 'GET /api/v1/users/{userId}/groups', 'GET /api/v1/users', 'GET /api/v1/groups']) assert.ok(ops.has(op), op);
  });
});
