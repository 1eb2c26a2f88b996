// The salesforce provider against its contract server (contract-server.fake.ts: Salesforce is
// hosted, nothing real runs here). What a test reads back is the fake's stored records.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { newId } from '../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';
import type { GrantInput, GrantRole } from '../provider.js';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { salesforceConfigSchema } from './config.js';
import { SalesforceContractServer } from './contract-server.fake.js';
import { SalesforceAccessProvider, type SalesforceGrantData } from './provider.js';

const PASSWORD = 'sf-integration-Pw9';
const SECURITY_TOKEN = 'sfSecTokenAbc123';
const CLIENT_ID = '3MVG9-contract-client';
const CLIENT_SECRET = 'sf-client-secret-Q7x';
registerTestSecret(PASSWORD, SECURITY_TOKEN, CLIENT_SECRET);

let server: SalesforceContractServer;

function provider(overrides: Record<string, unknown> = {}): SalesforceAccessProvider {
  const config = salesforceConfigSchema.parse({ domain: server.domain, username: 'lease@acme.example', password: PASSWORD, security_token: SECURITY_TOKEN, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, ...overrides });
  return new SalesforceAccessProvider('sf', config, { retry: { baseDelayMs: 1 } });
}
function role(overrides: Partial<GrantRole> = {}): GrantRole {
  return { id: 'sf-admin', name: 'SF admin', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['salesforce:permissionset/Support_Admin'], ...overrides };
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
const assigned = () => server.assignmentsView().map((a) => `${a.user}:${a.set}`).sort();
const markers = () => [...server.records.PermissionSet!.values()].filter((p) => String(p.Name).startsWith('Lease_')).map((p) => String(p.Name));

before(async () => {
  server = await new SalesforceContractServer({ username: 'lease@acme.example', password: PASSWORD, securityToken: SECURITY_TOKEN, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, batchSize: 2 }).start();
});
after(() => server.stop());
beforeEach(() => {
  for (const table of Object.values(server.records)) table.clear();
  server.canWrite = true;
  server.limit(0);
  server.insert('User', { Username: 'alice@example.com', Email: 'alice@example.com', IsActive: true, Name: 'Alice' });
  server.insert('User', { Username: 'bob@acme.example', Email: 'bob@example.com', IsActive: true, Name: 'Bob' });
  server.insert('User', { Username: 'carol@example.com', Email: 'carol@example.com', IsActive: false, Name: 'Carol' });
  for (const name of ['Support_Admin', 'Report_Builder', 'Api_Only']) server.insert('PermissionSet', { Name: name, Label: name, Description: null, IsOwnedByProfile: false });
});

describe('salesforce provider', () => {
  test('a grant assigns the permission set until the lease expiry, with a marker naming the request', async () => {
    const grant = input();
    const record = await provider().grant(grant);
    assert.deepEqual(server.assignmentsView(), [{ user: 'alice@example.com', set: 'Support_Admin', expires: grant.expiresAt }]);
    const setId = server.idOf('PermissionSet', 'Name', 'Support_Admin');
    assert.deepEqual(markers(), [`Lease_${grant.requestId}_hold_${setId}`]);
    const data = record.data as unknown as SalesforceGrantData;
    assert.equal(data.userId, server.idOf('User', 'Username', 'alice@example.com'));
    assert.deepEqual(data.assignments.map((a) => [a.permissionSetName, a.kept]), [['Support_Admin', false]]);
  });

  test('granting again is idempotent; revoke deletes; revoking again succeeds', async () => {
    const p = provider();
    const grant = input();
    const record = await p.grant(grant);
    assert.deepEqual(await p.grant(grant), record);
    assert.equal(server.records.PermissionSetAssignment!.size, 1);
    await p.revoke(record);
    assert.deepEqual(assigned(), []);
    assert.deepEqual(markers(), []);
    await p.revoke(record);
  });

  test('an assignment the user had before is kept after revoke, and its expiry untouched (prior state)', async () => {
    server.insert('PermissionSetAssignment', { AssigneeId: server.idOf('User', 'Username', 'alice@example.com'), PermissionSetId: server.idOf('PermissionSet', 'Name', 'Support_Admin'), ExpirationDate: null, IsActive: true });
    const p = provider();
    const grant = input();
    const record = await p.grant(grant);
    assert.deepEqual((record.data as unknown as SalesforceGrantData).assignments.map((a) => a.kept), [true]);
    assert.deepEqual(server.assignmentsView(), [{ user: 'alice@example.com', set: 'Support_Admin', expires: null }]);
    await p.revoke({ provider: 'sf', requestId: grant.requestId, data: {} });
    assert.deepEqual(assigned(), ['alice@example.com:Support_Admin']);
    assert.deepEqual(markers(), []);
  });

  test('overlapping leases share the one assignment: it ends at the latest expiry, and is deleted by the last revoke', async () => {
    const p = provider();
    const later = input({ expiresAt: new Date(Date.now() + 7_200_000).toISOString() });
    const sooner = input();
    const a = await p.grant(later);
    const b = await p.grant(sooner);
    assert.equal(server.records.PermissionSetAssignment!.size, 1);
    assert.equal(server.assignmentsView()[0]?.expires, later.expiresAt);
    assert.deepEqual((await p.listActive()).map((g) => g.requestId).sort(), [a.requestId, b.requestId].sort());
    await p.revoke(a);
    assert.equal(server.assignmentsView()[0]?.expires, sooner.expiresAt, 'now ends with the lease left');
    await p.revoke(b);
    assert.deepEqual(assigned(), []);
  });

  test('revoke with an empty record finds what the request made, and only that; a half-made grant is undone', async () => {
    const p = provider();
    const mine = input({ role: role({ nativeRoles: ['salesforce:permissionset/Support_Admin', 'salesforce:permissionset/Nope'] }) });
    await assert.rejects(p.grant(mine), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /no permission set with the API name "Nope"/.test(err.message));
    const other = await p.grant(input({ role: role({ nativeRoles: ['salesforce:permissionset/Report_Builder'] }) }, 'bob@example.com'));
    await p.grant(input({ role: role({ nativeRoles: ['salesforce:permissionset/Support_Admin'] }) }, 'bob@example.com'));
    await p.revoke({ provider: 'sf', requestId: mine.requestId, data: {} });
    assert.deepEqual(assigned(), ['bob@acme.example:Report_Builder', 'bob@acme.example:Support_Admin']);
    assert.ok(markers().every((m) => !m.includes(mine.requestId)) && markers().some((m) => m.includes(other.requestId)));
  });

  test('revoke after the assignment was removed by hand succeeds; listActive leaves it out (drift), granting again repairs it', async () => {
    const p = provider();
    const grant = input();
    const record = await p.grant(grant);
    server.records.PermissionSetAssignment!.clear();
    assert.deepEqual(await p.listActive(), []);
    await p.grant(grant);
    assert.deepEqual(assigned(), ['alice@example.com:Support_Admin']);
    const active = await p.listActive();
    assert.deepEqual(active.map((g) => g.requestId), [grant.requestId]);
    server.records.PermissionSetAssignment!.clear();
    await p.revoke(record);
    assert.deepEqual(markers(), []);
  });

  test('a listed orphan is revoked with the data listActive gives', async () => {
    const p = provider();
    await p.grant(input());
    await p.revoke((await p.listActive())[0] as { provider: string; requestId: string; data: Record<string, unknown> });
    assert.deepEqual(assigned(), []);
    assert.deepEqual(markers(), []);
  });

  test('unknown or inactive user, unverified e-mail, a role naming no permission set: refusals naming what is missing', async () => {
    const p = provider();
    await assert.rejects(p.grant(input({}, 'zed@example.com')), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /no Salesforce user has the username or e-mail zed@example\.com/.test(err.message));
    await assert.rejects(p.grant(input({}, 'carol@example.com')), (err) => err instanceof TargetRefused && /inactive/.test(err.message));
    await assert.rejects(p.grant(input({ identity: { ...input().identity, email_verified: false } })), (err) => err instanceof TargetRefused && /no verified e-mail/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['salesforce:Support_Admin'] }) })), (err) => err instanceof TargetRefused && /expected salesforce:permissionset\/<API name>/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: [] }) })), (err) => err instanceof TargetRefused && /names no permission set/.test(err.message));
    assert.deepEqual(assigned(), []);
    // Found by e-mail when the username differs.
    await p.grant(input({}, 'bob@example.com'));
    assert.deepEqual(assigned(), ['bob@acme.example:Support_Admin']);
  });

  test('INSUFFICIENT_ACCESS is a refusal naming the permission the integration user lacks', async () => {
    server.canWrite = false;
    await assert.rejects(provider().grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && /INSUFFICIENT_ACCESS_OR_READONLY/.test(err.message) && /Assign Permission Sets/.test(err.missingPermission ?? ''));
  });

  test('bad credentials are refused (401), and no secret is in the message', async () => {
    await assert.rejects(provider({ password: 'not-the-password' }).grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && /authentication failure/.test(err.message) && !err.message.includes('not-the-password'));
  });

  test('the client-credentials flow works', async () => {
    const p = provider({ username: undefined, password: undefined, security_token: undefined });
    await p.grant(input());
    assert.deepEqual(assigned(), ['alice@example.com:Support_Admin']);
  });

  test('an expired session (401 INVALID_SESSION_ID) is renewed once', async () => {
    const p = provider();
    await p.grant(input());
    const before = server.tokenRequests;
    server.expireSessions();
    await p.listActive();
    assert.equal(server.tokenRequests, before + 1);
  });

  test('REQUEST_LIMIT_EXCEEDED is retried; a limit that lasts is TargetUnavailable', async () => {
    server.limit(2);
    await provider().grant(input());
    assert.deepEqual(assigned(), ['alice@example.com:Support_Admin']);
    server.limit(100);
    await assert.rejects(provider().listActive(), (err) => err instanceof TargetUnavailable && /REQUEST_LIMIT_EXCEEDED/.test(err.message));
  });

  test('query results are read across nextRecordsUrl pages', async () => {
    const p = provider();
    for (let i = 0; i < 3; i++) await p.grant(input());
    assert.equal((await p.listActive()).length, 3);
    assert.ok(server.calls.some((c) => c.includes('cursor=')), 'followed nextRecordsUrl');
  });

  test('Salesforce ends the assignment at ExpirationDate (its expiry job), and listActive no longer reports it', async () => {
    const p = provider();
    const grant = input({ expiresAt: new Date(Date.now() + 300).toISOString() });
    await p.grant(grant);
    // Wait for the condition (the expiry has passed), not for a fixed time.
    while (Date.now() <= Date.parse(grant.expiresAt)) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(assigned(), []);
    assert.deepEqual(await p.listActive(), []);
  });
});
