// The terraform provider against its contract server (contract-server.fake.ts: HCP Terraform is
// hosted, nothing real runs here). What a test reads back is the fake's stored state, as the
// service would list it.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { newId } from '../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';
import type { GrantInput, GrantRole } from '../provider.js';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { terraformConfigSchema } from './config.js';
import { TerraformContractServer } from './contract-server.fake.js';
import { TerraformAccessProvider, type TerraformGrantData } from './provider.js';

const TOKEN = 'tf-owner-token.atlasv1.for-tests-Xq7';
const READ_ONLY = 'tf-member-token.atlasv1.for-tests-P3k';
registerTestSecret(TOKEN, READ_ONLY);

let server: TerraformContractServer;

function provider(overrides: Record<string, unknown> = {}): TerraformAccessProvider {
  const config = terraformConfigSchema.parse({ token: TOKEN, address: server.address, organization: 'acme', ...overrides });
  return new TerraformAccessProvider('tf', config, { retry: { baseDelayMs: 1 } });
}

function role(overrides: Partial<GrantRole> = {}): GrantRole {
  return { id: 'platform', name: 'Platform', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['terraform:team/platform'], ...overrides };
}

function input(overrides: Partial<GrantInput> = {}, email = 'alice@example.com'): GrantInput {
  return {
    requestId: newId('req'),
    identity: { id: email.split('@')[0] as string, email, email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' },
    role: role(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    ...overrides,
  };
}

const leaseTeams = () => [...server.teams.values()].filter((t) => t.name.startsWith('lease-')).map((t) => t.name);

before(async () => {
  server = await new TerraformContractServer({ organization: 'acme', token: TOKEN, readOnlyToken: READ_ONLY, maxPageSize: 2 }).start();
});
after(() => server.stop());
beforeEach(() => {
  server.teams.clear();
  server.access.clear();
  server.memberships.clear();
  server.workspaces.clear();
  server.throttle(0);
  for (const email of ['alice@example.com', 'bob@example.com', 'carol@example.com']) server.addUser({ email });
  server.addUser({ email: 'dave@example.com', status: 'invited' });
  for (const name of ['owners', 'platform', 'security', 'readers']) server.addTeam(name);
  for (const name of ['prod-network', 'prod-app', 'staging']) server.workspaces.set(name, `ws-${name}0000000000`);
});

describe('terraform provider: team membership', () => {
  test('a grant adds the user to the team, with a marker team naming the request', async () => {
    const grant = input();
    const record = await provider().grant(grant);
    assert.deepEqual(server.membersOf('platform'), ['alice@example.com']);
    const team = server.teamNamed('platform');
    assert.deepEqual(leaseTeams(), [`lease-${grant.requestId}-hold-${team?.id}`]);
    assert.deepEqual(server.membersOf(`lease-${grant.requestId}-hold-${team?.id}`), ['alice@example.com']);
    const data = record.data as unknown as TerraformGrantData;
    assert.equal(data.membershipId, server.membershipOf('alice@example.com'));
    assert.deepEqual(data.teams.map((t) => [t.teamName, t.kept]), [['platform', false]]);
  });

  test('granting the same request again makes nothing new', async () => {
    const grant = input();
    const first = await provider().grant(grant);
    const again = await provider().grant(grant);
    assert.deepEqual(again, first);
    assert.equal(leaseTeams().length, 1);
    assert.deepEqual(server.membersOf('platform'), ['alice@example.com']);
  });

  test('revoke removes the membership and the marker; revoking again succeeds', async () => {
    const p = provider();
    const record = await p.grant(input());
    await p.revoke(record);
    assert.deepEqual(server.membersOf('platform'), []);
    assert.deepEqual(leaseTeams(), []);
    await p.revoke(record);
  });

  test('a user who was already in the team keeps the membership after revoke (prior state)', async () => {
    const p = provider();
    server.teamNamed('platform')?.members.add(server.membershipOf('alice@example.com') as string);
    const grant = input();
    const record = await p.grant(grant);
    assert.deepEqual((record.data as unknown as TerraformGrantData).teams.map((t) => t.kept), [true]);
    assert.match(leaseTeams()[0] ?? '', /-kept-team-/);
    await p.revoke(record);
    assert.deepEqual(server.membersOf('platform'), ['alice@example.com']);
    assert.deepEqual(leaseTeams(), []);
    // Even with an empty record, the kept marker says so.
    const again = input();
    await p.grant(again);
    await p.revoke({ provider: 'tf', requestId: again.requestId, data: {} });
    assert.deepEqual(server.membersOf('platform'), ['alice@example.com']);
  });

  test('overlapping leases of one user keep the membership until the last ends', async () => {
    const p = provider();
    const a = await p.grant(input());
    const b = await p.grant(input());
    assert.equal(leaseTeams().length, 2);
    assert.ok(leaseTeams().every((name) => name.includes('-hold-')), 'the second lease sees a Lease-added membership, not a standing one');
    assert.deepEqual((await p.listActive()).map((g) => g.requestId).sort(), [a.requestId, b.requestId].sort());
    await p.revoke(a);
    assert.deepEqual(server.membersOf('platform'), ['alice@example.com']);
    await p.revoke(b);
    assert.deepEqual(server.membersOf('platform'), []);
    assert.deepEqual(leaseTeams(), []);
  });

  test("another user's lease on the same team is not counted", async () => {
    const p = provider();
    const alice = await p.grant(input());
    const bob = await p.grant(input({}, 'bob@example.com'));
    await p.revoke(alice);
    assert.deepEqual(server.membersOf('platform'), ['bob@example.com']);
    await p.revoke(bob);
    assert.deepEqual(server.membersOf('platform'), []);
  });

  test('revoke with an empty record finds what the request made by its id, and only that', async () => {
    const p = provider();
    const mine = input({ role: role({ nativeRoles: ['terraform:team/platform', 'terraform:team/security'], permissions: { allow: ['write'], deny: [] }, resources: { allow: ['terraform:workspace/staging'], deny: [] } }) });
    await p.grant(mine);
    const other = await p.grant(input({}, 'bob@example.com'));
    await p.revoke({ provider: 'tf', requestId: mine.requestId, data: {} });
    assert.deepEqual(server.membersOf('platform'), ['bob@example.com']);
    assert.deepEqual(server.membersOf('security'), []);
    assert.equal(server.teamNamed(`lease-${mine.requestId}`), undefined);
    assert.deepEqual(leaseTeams().map((n) => n.includes(other.requestId)), [true]);
  });

  test('revoke after the membership or the marker was removed by hand succeeds, and still ends the membership', async () => {
    const p = provider();
    const byHand = await p.grant(input());
    server.teamNamed('platform')?.members.clear();
    await p.revoke(byHand);
    assert.deepEqual(leaseTeams(), []);
    const markerGone = await p.grant(input());
    const marker = (markerGone.data as unknown as TerraformGrantData).teams[0]?.markerId as string;
    server.teams.delete(marker);
    await p.revoke(markerGone);
    assert.deepEqual(server.membersOf('platform'), [], 'the record still says Lease added it');
  });

  test('listActive reports complete grants; a membership removed by hand is drift (left out, so the reconciler grants it again)', async () => {
    const p = provider();
    const grant = input();
    const record = await p.grant(grant);
    const active = await p.listActive();
    assert.deepEqual(active.map((g) => g.requestId), [grant.requestId]);
    assert.deepEqual((active[0]?.data as unknown as TerraformGrantData).teams.map((t) => t.markerId), (record.data as unknown as TerraformGrantData).teams.map((t) => t.markerId));
    server.teamNamed('platform')?.members.clear();
    assert.deepEqual(await p.listActive(), []);
    await p.grant(grant);
    assert.deepEqual(server.membersOf('platform'), ['alice@example.com'], 'granting again repairs it');
    // A listed orphan is revocable with the data listActive gives.
    await p.revoke((await p.listActive())[0] as { provider: string; requestId: string; data: Record<string, unknown> });
    assert.deepEqual(server.membersOf('platform'), []);
  });

  test('teams named like Lease teams by people are ignored; names are matched exactly', async () => {
    server.addTeam('lease-managers').members.add(server.membershipOf('bob@example.com') as string);
    assert.deepEqual(await provider().listActive(), []);
  });
});

describe('terraform provider: workspace access', () => {
  const wsRole = (allow: string[], workspaces: string[]) => role({ nativeRoles: [], permissions: { allow, deny: [] }, resources: { allow: workspaces.map((w) => `terraform:workspace/${w}`), deny: [] } });

  test('a workspace grant is a team for the request, with the access level, the user its member', async () => {
    const p = provider();
    const grant = input({ role: wsRole(['plan'], ['prod-network', 'prod-app']) });
    const record = await p.grant(grant);
    const team = `lease-${grant.requestId}`;
    assert.deepEqual(server.membersOf(team), ['alice@example.com']);
    assert.equal(server.accessOf(team, 'prod-network'), 'plan');
    assert.equal(server.accessOf(team, 'prod-app'), 'plan');
    assert.equal(server.teamNamed(team)?.visibility, 'secret');
    assert.deepEqual((record.data as unknown as TerraformGrantData).workspaceTeam?.access, 'plan');
    assert.deepEqual(await p.grant(grant), record, 'idempotent');
    assert.equal(server.access.size, 2);
    await p.revoke(record);
    assert.equal(server.teamNamed(team), undefined);
    assert.equal(server.access.size, 0);
  });

  test('the strongest level named wins; terraform:-prefixed levels count', async () => {
    const grant = input({ role: wsRole(['read', 'terraform:write', 's3:GetObject'], ['staging']) });
    await provider().grant(grant);
    assert.equal(server.accessOf(`lease-${grant.requestId}`, 'staging'), 'write');
  });

  test('overlapping workspace leases each have their own team', async () => {
    const p = provider();
    const a = await p.grant(input({ role: wsRole(['read'], ['staging']) }));
    const b = await p.grant(input({ role: wsRole(['read'], ['staging']) }));
    await p.revoke(a);
    assert.equal(server.accessOf(`lease-${b.requestId}`, 'staging'), 'read');
    assert.deepEqual(server.membersOf(`lease-${b.requestId}`), ['alice@example.com']);
  });
});

describe('terraform provider: refusals and errors', () => {
  test('unknown user, team, workspace; an invitation not accepted; a role naming nothing: refusals that name what is missing', async () => {
    const p = provider();
    await assert.rejects(p.grant(input({}, 'zed@example.com')), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /zed@example\.com is not a member of organization acme/.test(err.message));
    await assert.rejects(p.grant(input({}, 'dave@example.com')), (err) => err instanceof TargetRefused && /not accepted the invitation/.test(err.message));
    await assert.rejects(p.grant(input({ identity: { ...input().identity, email_verified: false } })), (err) => err instanceof TargetRefused && /no verified e-mail/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['terraform:team/nope'] }) })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /no team named "nope"/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: [], permissions: { allow: ['read'], deny: [] }, resources: { allow: ['terraform:workspace/nope'], deny: [] } }) })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /no workspace named "nope"/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: [], resources: { allow: ['terraform:workspace/staging'], deny: [] } }) })), (err) => err instanceof TargetRefused && /no access level/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['terraform:admins'] }) })), (err) => err instanceof TargetRefused && /expected terraform:team\/<team name>/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['terraform:team/plat*'] }) })), (err) => err instanceof TargetRefused && /no wildcards/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['aws:ReadOnly'] }) })), (err) => err instanceof TargetRefused && /names no team or workspace/.test(err.message));
    assert.deepEqual(leaseTeams(), []);
  });

  test('a token that may not manage teams is refused naming what it needs', async () => {
    await assert.rejects(provider({ token: READ_ONLY }).grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && err.missingPermission === 'manage teams (organization owners)' && !err.message.includes(READ_ONLY));
  });

  test('a bad token is 401: refused, and the token is in no message', async () => {
    await assert.rejects(provider({ token: 'not-the-token-at-all' }).grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && /401: unauthorized/.test(err.message) && !err.message.includes('not-the-token-at-all'));
  });

  test('a half-made grant (a second team unknown) is undone by revoke with an empty record', async () => {
    const p = provider();
    const grant = input({ role: role({ nativeRoles: ['terraform:team/platform', 'terraform:team/nope'] }) });
    await assert.rejects(p.grant(grant), TargetRefused);
    await p.revoke({ provider: 'tf', requestId: grant.requestId, data: {} });
    assert.deepEqual(server.membersOf('platform'), []);
    assert.deepEqual(leaseTeams(), []);
  });

  test('429 is retried after X-RateLimit-Reset; throttling that lasts is TargetUnavailable', async () => {
    server.throttle(2, 0.05);
    const started = Date.now();
    await provider().grant(input());
    assert.ok(Date.now() - started >= 50, 'waited for the reset');
    assert.deepEqual(server.membersOf('platform'), ['alice@example.com']);
    server.throttle(100);
    await assert.rejects(provider().listActive(), (err) => err instanceof TargetUnavailable && /429: Too Many Requests/.test(err.message));
  });

  test('lists are read across pages', async () => {
    for (let i = 0; i < 5; i++) server.addTeam(`team-${i}`);
    const grant = input({ role: role({ nativeRoles: ['terraform:team/readers'] }) });
    await provider().grant(grant);
    assert.equal((await provider().listActive()).length, 1);
    assert.ok(server.calls.some((c) => c.includes('page%5Bnumber%5D=2')), 'followed links.next');
  });
});
