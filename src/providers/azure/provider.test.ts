// The azure provider against its contract server (contract-server.fake.ts: Azure has no
// emulator here). What a test reads back is the fake's stored state, as Azure would list it.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { newId } from '../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';
import type { GrantInput, GrantRole } from '../provider.js';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { azureConfigSchema } from './config.js';
import { AzureContractServer } from './contract-server.fake.js';
import { AzureAccessProvider, type AzureGrantData } from './provider.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const SUBSCRIPTION = '22222222-2222-4222-8222-222222222222';
const CLIENT = '33333333-3333-4333-8333-333333333333';
const SECRET = 'azure-client-secret-for-tests-7Q~x';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const CONTRIBUTOR = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const ALICE = 'aaaaaaaa-0000-4000-8000-00000000000a';
const BOB = 'bbbbbbbb-0000-4000-8000-00000000000b';
const SUB_SCOPE = `/subscriptions/${SUBSCRIPTION}`;
const RG = (name: string) => `${SUB_SCOPE}/resourceGroups/${name}`;

registerTestSecret(SECRET);

let server: AzureContractServer;

function provider(overrides: Record<string, unknown> = {}): AzureAccessProvider {
  const config = azureConfigSchema.parse({
    tenant_id: TENANT,
    subscription_id: SUBSCRIPTION,
    client_id: CLIENT,
    client_secret: SECRET,
    authority: server.authority,
    endpoint: server.armEndpoint,
    graph_endpoint: server.graphEndpoint,
    ...overrides,
  });
  return new AzureAccessProvider('azure-prod', config, { retry: { baseDelayMs: 1 } });
}

function role(overrides: Partial<GrantRole> = {}): GrantRole {
  return { id: 'reader', name: 'Reader', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['azure:Reader'], ...overrides };
}

function input(overrides: Partial<GrantInput> = {}): GrantInput {
  return {
    requestId: newId('req'),
    identity: { id: 'alice', email: 'alice@example.com', email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' },
    role: role(),
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    ...overrides,
  };
}

const assignments = () => [...server.assignments.values()];

before(async () => {
  server = await new AzureContractServer({
    tenantId: TENANT,
    subscriptionId: SUBSCRIPTION,
    clientId: CLIENT,
    clientSecret: SECRET,
    users: [
      { id: ALICE, userPrincipalName: 'alice@example.com', mail: 'alice@example.com' },
      { id: BOB, userPrincipalName: 'bob_example.com#EXT#@contoso.onmicrosoft.com', mail: 'bob@example.com' },
    ],
    roleDefinitions: [
      { name: READER, roleName: 'Reader', description: 'View all resources, but does not allow you to make any changes.' },
      { name: CONTRIBUTOR, roleName: 'Contributor', description: 'Grants full access to manage all resources, but does not allow you to assign roles.' },
      { name: 'c12c1c16-33a1-487b-954d-41c89c60f349', roleName: 'Reader and Data Access' },
      { name: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9', roleName: 'User Access Administrator' },
      { name: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', roleName: 'Owner' },
    ],
  }).start();
});
after(() => server.stop());
beforeEach(() => {
  server.assignments.clear();
  server.scheduleRequests.clear();
  server.canWrite = true;
  server.throttle(0);
});

describe('azure provider: role assignments', () => {
  test('a grant assigns the named role definition to the user at the subscription, marked with the request id', async () => {
    const grant = input();
    const record = await provider().grant(grant);
    const [made, ...others] = assignments();
    assert.equal(others.length, 0);
    assert.equal(made?.properties.scope, SUB_SCOPE);
    assert.equal(made?.properties.roleDefinitionId, `${SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/${READER}`);
    assert.equal(made?.properties.principalId, ALICE);
    assert.equal(made?.properties.principalType, 'User');
    assert.equal(made?.properties.description, `lease:${grant.requestId}`);
    const data = record.data as unknown as AzureGrantData;
    assert.deepEqual(data, { principalId: ALICE, pim: false, assignments: [{ scope: SUB_SCOPE, name: made?.name, roleDefinitionId: made?.properties.roleDefinitionId }] });
  });

  test('granting the same request again makes nothing new (the name is derived from the request)', async () => {
    const p = provider();
    const grant = input();
    const first = await p.grant(grant);
    const again = await provider().grant(grant);
    assert.deepEqual(again, first);
    assert.equal(assignments().length, 1);
  });

  test('each ARM scope in resources.allow gets its own assignment; a GUID names the role definition', async () => {
    const grant = input({ role: role({ nativeRoles: [`azure:${CONTRIBUTOR}`], resources: { allow: [RG('web'), RG('db'), 'aws:*'], deny: [RG('db')] } }) });
    await provider().grant(grant);
    assert.deepEqual(assignments().map((a) => [a.properties.scope, a.properties.roleDefinitionId.endsWith(CONTRIBUTOR)]), [[RG('web'), true]]);
  });

  test('resource_group makes the resource group the default scope', async () => {
    await provider({ resource_group: 'web' }).grant(input());
    assert.deepEqual(assignments().map((a) => a.properties.scope), [RG('web')]);
  });

  test('overlapping leases of one user share the one assignment Azure allows, until the last is revoked', async () => {
    const p = provider();
    const first = input();
    const second = input();
    const a = await p.grant(first);
    const b = await p.grant(second);
    assert.equal(assignments().length, 1);
    assert.equal(assignments()[0]?.properties.description, `lease:${first.requestId} lease:${second.requestId}`);
    assert.deepEqual((await p.listActive()).map((g) => g.requestId).sort(), [first.requestId, second.requestId].sort());
    await p.revoke(a);
    assert.equal(assignments()[0]?.properties.description, `lease:${second.requestId}`);
    await p.revoke(a);
    assert.equal(assignments().length, 1, 'revoking again changes nothing');
    await p.revoke(b);
    assert.equal(assignments().length, 0);
  });

  test("a concurrent grant's RoleAssignmentExists is joined, not failed", async () => {
    const p = provider();
    const [x, y] = [input(), input()];
    await Promise.all([p.grant(x), p.grant(y)]);
    assert.equal(assignments().length, 1);
    assert.deepEqual(new Set(assignments()[0]?.properties.description?.split(' ')), new Set([`lease:${x.requestId}`, `lease:${y.requestId}`]));
  });

  test('an assignment Lease did not make is refused (standing access), and left alone', async () => {
    const standing = server.addAssignment(SUB_SCOPE, READER, ALICE, 'granted by the platform team');
    await assert.rejects(provider().grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_conflict' && err.message.includes(standing.name));
    assert.deepEqual(assignments(), [standing]);
  });

  test('revoke deletes the assignment; revoking what is gone succeeds', async () => {
    const p = provider();
    const record = await p.grant(input());
    await p.revoke(record);
    assert.equal(assignments().length, 0);
    await p.revoke(record);
  });

  test('revoke with an empty record finds the assignments by the request id, and only those', async () => {
    const p = provider();
    const mine = input({ role: role({ resources: { allow: [RG('web'), RG('db')], deny: [] } }) });
    await p.grant(mine);
    const other = await p.grant(input({ identity: { ...input().identity, id: 'bob', email: 'bob@example.com' } }));
    const untouched = server.addAssignment(RG('web'), CONTRIBUTOR, ALICE, null);
    await p.revoke({ provider: 'azure-prod', requestId: mine.requestId, data: {} });
    assert.deepEqual(assignments().map((a) => a.name).sort(), [untouched.name, (other.data as unknown as AzureGrantData).assignments[0]?.name].sort());
  });

  test('a grant that fails half-way leaves what it made findable: revoke with an empty record undoes it', async () => {
    const p = provider();
    const grant = input({ role: role({ nativeRoles: ['azure:Reader', 'azure:00000000-0000-4000-8000-000000000000'] }) });
    await assert.rejects(p.grant(grant), (err) => err instanceof TargetRefused && /RoleDefinitionDoesNotExist/.test(err.message));
    assert.equal(assignments().length, 1, 'the first role definition was assigned');
    await p.revoke({ provider: 'azure-prod', requestId: grant.requestId, data: {} });
    assert.equal(assignments().length, 0);
  });

  test('listActive reports each Lease-made assignment by request id, with what revoke needs', async () => {
    const p = provider();
    const grant = input();
    const record = await p.grant(grant);
    server.addAssignment(SUB_SCOPE, CONTRIBUTOR, BOB, null);
    const active = await p.listActive();
    assert.deepEqual(active, [{ provider: 'azure-prod', requestId: grant.requestId, data: record.data }]);
    await p.revoke(active[0] as (typeof active)[0]);
    assert.equal(assignments().length, 1);
  });

  test('a guest is found by mail when the UPN is not the address', async () => {
    const record = await provider().grant(input({ identity: { id: 'bob', email: 'bob@example.com', email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' } }));
    assert.equal((record.data as unknown as AzureGrantData).principalId, BOB);
    assert.ok(server.calls.some((c) => c.includes('/v1.0/users?') && c.includes('mail+eq')));
  });

  test('an unknown user, an unverified e-mail, an unknown role name are refusals', async () => {
    const p = provider();
    const identity = input().identity;
    await assert.rejects(p.grant(input({ identity: { ...identity, email: 'carol@example.com' } })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /carol@example\.com/.test(err.message));
    await assert.rejects(p.grant(input({ identity: { ...identity, email_verified: false } })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /no verified e-mail/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['azure:Nope'] }) })), (err) => err instanceof TargetRefused && err.code === 'target_not_found' && /no role definition named "Nope"/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['azure:00000000-0000-4000-8000-000000000000'] }) })), (err) => err instanceof TargetRefused && err.status === 400 && /RoleDefinitionDoesNotExist/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ nativeRoles: ['aws:ReadOnlyAccess'] }) })), (err) => err instanceof TargetRefused && /inherits: \[azure:/.test(err.message));
    await assert.rejects(p.grant(input({ role: role({ resources: { allow: ['/subscriptions/99999999-9999-4999-8999-999999999999'], deny: [] } }) })), (err) => err instanceof TargetRefused && /not a scope of subscription/.test(err.message));
    for (const scope of [`${SUB_SCOPE}/resourceGroups/../../99999999-9999-4999-8999-999999999999`, `${SUB_SCOPE}/resourceGroups/*`, `${SUB_SCOPE}/resourceGroups/a?b`, `${SUB_SCOPE}/resourceGroups/%2e%2e`]) {
      await assert.rejects(p.grant(input({ role: role({ resources: { allow: [scope], deny: [] } }) })), (err) => err instanceof TargetRefused && /not a scope of subscription/.test(err.message), scope);
    }
    assert.equal(assignments().length, 0);
  });

  test('a client without roleAssignments/write is refused with the missing permission', async () => {
    server.canWrite = false;
    await assert.rejects(provider().grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && err.missingPermission === 'Microsoft.Authorization/roleAssignments/write');
  });

  test('a wrong client secret is refused with AADSTS7000215, and the secret is in no message', async () => {
    await assert.rejects(provider({ client_secret: 'not-the-secret-at-all' }).grant(input()), (err) => err instanceof TargetRefused && err.code === 'target_permission_denied' && /AADSTS7000215/.test(err.message) && !err.message.includes('not-the-secret-at-all'));
  });

  test('429 with Retry-After is retried; throttling that lasts is TargetUnavailable (the runtime retries later)', async () => {
    server.throttle(2);
    await provider().grant(input());
    assert.equal(assignments().length, 1);
    server.throttle(100);
    await assert.rejects(provider().listActive(), (err) => err instanceof TargetUnavailable && /TooManyRequests/.test(err.message));
  });

  test('listNativeRoles lists role definitions across pages, filtered by search', async () => {
    const p = provider();
    const all = await p.listNativeRoles({});
    assert.equal(all.length, 5);
    assert.deepEqual(all.map((r) => r.name), ['Contributor', 'Owner', 'Reader', 'Reader and Data Access', 'User Access Administrator']);
    assert.ok(server.calls.filter((c) => c.includes('/roleDefinitions?') && c.includes('skipToken')).length >= 2, 'followed nextLink');
    assert.deepEqual((await p.listNativeRoles({ search: 'READER' })).map((r) => r.id), [READER, 'c12c1c16-33a1-487b-954d-41c89c60f349']);
    assert.deepEqual((await p.listNativeRoles({ search: 'assign roles' })).map((r) => r.name), ['Contributor']);
  });
});

describe('azure provider: PIM schedule requests (pim: true)', () => {
  const schedules = () => [...server.scheduleRequests.values()];

  test('a grant is an AdminAssign schedule request that Azure ends at the expiry', async () => {
    const grant = input();
    const record = await provider({ pim: true }).grant(grant);
    const [request, ...others] = schedules();
    assert.equal(others.length, 0);
    assert.equal(request?.properties.requestType, 'AdminAssign');
    assert.equal(request?.properties.principalId, ALICE);
    assert.equal(request?.properties.scope, SUB_SCOPE);
    assert.ok(request?.properties.roleDefinitionId.endsWith(READER));
    assert.equal(request?.properties.justification, `lease:${grant.requestId}@${grant.expiresAt}`);
    assert.deepEqual(request?.properties.scheduleInfo?.expiration, { type: 'AfterDateTime', endDateTime: grant.expiresAt });
    assert.equal(assignments().length, 0, 'no plain assignment');
    assert.deepEqual(record.data, { principalId: ALICE, pim: true, assignments: [{ scope: SUB_SCOPE, name: request?.name, roleDefinitionId: request?.properties.roleDefinitionId }] });
  });

  test('granting again is idempotent; revoke sends AdminRemove; revoking again succeeds', async () => {
    const p = provider({ pim: true });
    const grant = input();
    const record = await p.grant(grant);
    assert.deepEqual(await p.grant(grant), record);
    assert.equal(schedules().length, 1);
    await p.revoke(record);
    assert.deepEqual(schedules().map((s) => s.properties.requestType), ['AdminAssign', 'AdminRemove']);
    assert.equal(server.activeSchedule(SUB_SCOPE, READER, ALICE), undefined);
    await p.revoke(record);
    assert.equal(schedules().length, 2);
    assert.deepEqual(await p.listActive(), []);
  });

  test('overlapping leases share the PIM assignment: it ends at the latest expiry of its holders, the last revoke removes it', async () => {
    const p = provider({ pim: true });
    const first = input({ expiresAt: new Date(Date.now() + 7_200_000).toISOString() });
    const second = input();
    const a = await p.grant(first);
    const b = await p.grant(second);
    const live = server.activeSchedule(SUB_SCOPE, READER, ALICE);
    assert.equal(live?.properties.requestType, 'AdminUpdate');
    assert.equal(live?.properties.justification, `lease:${first.requestId}@${first.expiresAt} lease:${second.requestId}@${second.expiresAt}`);
    assert.equal(live?.properties.scheduleInfo?.expiration?.endDateTime, first.expiresAt);
    assert.deepEqual((await p.listActive()).map((g) => g.requestId).sort(), [first.requestId, second.requestId].sort());
    await p.revoke(a);
    const left = server.activeSchedule(SUB_SCOPE, READER, ALICE);
    assert.equal(left?.properties.justification, `lease:${second.requestId}@${second.expiresAt}`);
    assert.equal(left?.properties.scheduleInfo?.expiration?.endDateTime, second.expiresAt, 'ends at the expiry of the lease left');
    await p.revoke(b);
    assert.equal(server.activeSchedule(SUB_SCOPE, READER, ALICE), undefined);
  });

  test('revoke with an empty record finds the PIM assignment by the request id', async () => {
    const p = provider({ pim: true });
    const grant = input();
    await p.grant(grant);
    await p.revoke({ provider: 'azure-prod', requestId: grant.requestId, data: {} });
    assert.equal(server.activeSchedule(SUB_SCOPE, READER, ALICE), undefined);
  });

  test('an expired PIM assignment is not listed: Azure ended it', async () => {
    let now = Date.now();
    const clocked = new AzureAccessProvider(
      'azure-prod',
      azureConfigSchema.parse({ tenant_id: TENANT, subscription_id: SUBSCRIPTION, client_id: CLIENT, client_secret: SECRET, authority: server.authority, endpoint: server.armEndpoint, graph_endpoint: server.graphEndpoint, pim: true }),
      { now: () => now },
    );
    await clocked.grant(input({ expiresAt: new Date(now + 60_000).toISOString() }));
    assert.equal((await clocked.listActive()).length, 1);
    now += 120_000;
    assert.deepEqual(await clocked.listActive(), []);
  });
});
