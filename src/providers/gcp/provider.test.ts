// The gcp provider against its contract server (contract-server.fake.ts: Google has no IAM
// emulator). What a test reads back is the fake's stored allow policy, as Google would answer it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { newId } from '../../core/index.js';
import { TargetRefused, TargetUnavailable } from '../cloud/index.js';
import type { GrantInput, GrantRole } from '../provider.js';
import { gcpConfigSchema } from './config.js';
import { GcpContractServer } from './contract-server.fake.js';
import { customRoleId, GcpAccessProvider, type GcpProviderOptions } from './provider.js';

const PROJECT = 'lease-test-project';
const SA = 'lease-granter@lease-test-project.iam.gserviceaccount.com';
const ALICE = 'user:alice@example.com';

let server: GcpContractServer;
let key: string;

function provider(overrides: Record<string, unknown> = {}, options: GcpProviderOptions = {}): GcpAccessProvider {
  const config = gcpConfigSchema.parse({ project_id: PROJECT, service_account_key: key, endpoint: server.endpoint, iam_endpoint: server.iamEndpoint, ...overrides });
  return new GcpAccessProvider('gcp-prod', config, { retry: { baseDelayMs: 1 }, env: {}, ...options });
}

function role(overrides: Partial<GrantRole> = {}): GrantRole {
  return { id: 'storage-reader', name: 'Storage reader', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['gcp:roles/storage.objectViewer'], ...overrides };
}

function input(overrides: Partial<GrantInput> = {}): GrantInput {
  return {
    requestId: newId('req'),
    identity: { id: 'alice', email: 'Alice@example.com', email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' },
    role: role(),
    expiresAt: '2099-03-04T05:06:07.000Z',
    ...overrides,
  };
}

const leaseBindings = () => server.policy.bindings.filter((b) => b.condition?.title?.startsWith('lease:'));
const sets = () => server.requests.filter((r) => r.path.endsWith(':setIamPolicy'));

before(async () => {
  server = await new GcpContractServer({
    projectId: PROJECT,
    users: ['alice@example.com', 'bob@example.com'],
    predefinedRoles: [
      { name: 'roles/owner', title: 'Owner', description: 'Full access to all resources.' },
      { name: 'roles/viewer', title: 'Viewer' },
      { name: 'roles/storage.objectViewer', title: 'Storage Object Viewer', description: 'Grants access to view objects and their metadata.' },
      { name: 'roles/storage.admin', title: 'Storage Admin' },
      { name: 'roles/compute.viewer', title: 'Compute Viewer', description: 'Read-only access to get and list Compute Engine resources.' },
      { name: 'roles/browser', title: 'Browser' },
    ],
    knownPermissions: ['compute.instances.get', 'compute.instances.list', 'storage.buckets.list'],
    maxPageSize: 2,
  }).start();
  key = server.serviceAccountKey(SA).json;
});
after(() => server.stop());
beforeEach(() => {
  server.allowAll();
  server.editPolicy((p) => (p.bindings = [{ role: 'roles/browser', members: ['group:everyone@example.com'] }]));
  server.requests.length = 0;
});

describe('gcp grant', () => {
  test('adds one conditional binding for the verified e-mail, ending at the expiry, titled with the request id', async () => {
    const lease = input();
    const record = await provider().grant(lease);
    assert.deepEqual(leaseBindings(), [
      {
        role: 'roles/storage.objectViewer',
        members: [ALICE],
        condition: {
          title: `lease:${lease.requestId}`,
          description: `Granted by Lease (provider gcp-prod) for request ${lease.requestId}; ends 2099-03-04T05:06:07.000Z.`,
          expression: 'request.time < timestamp("2099-03-04T05:06:07.000Z")',
        },
      },
    ]);
    assert.deepEqual(record.data, { project: PROJECT, member: ALICE, roles: ['roles/storage.objectViewer'], title: `lease:${lease.requestId}`, expiresAt: lease.expiresAt });
    assert.equal(server.policy.version, 3);
    assert.ok(server.policy.bindings.some((b) => b.role === 'roles/browser'), 'other bindings are kept');
    assert.ok(server.holdsRole(ALICE, 'roles/storage.objectViewer', Date.parse('2099-03-04T05:06:06Z')));
    assert.ok(!server.holdsRole(ALICE, 'roles/storage.objectViewer', Date.parse('2099-03-04T05:06:08Z')), 'Google ends it at the expiry');
    // Read with version 3, written with the etag it was read with, as version 3.
    const read = server.requests.find((r) => r.path.endsWith(':getIamPolicy'));
    assert.deepEqual(read?.body, { options: { requestedPolicyVersion: 3 } });
    const written = sets()[0]?.body as { policy: { version: number; etag: string }; updateMask: string };
    assert.equal(written.policy.version, 3);
    assert.equal(typeof written.policy.etag, 'string');
    assert.equal(written.updateMask, 'bindings,etag');
  });

  test('granting the same request again changes nothing', async () => {
    const gcp = provider();
    const lease = input();
    await gcp.grant(lease);
    await gcp.grant(lease);
    assert.equal(leaseBindings().length, 1);
    assert.equal(sets().length, 1);
  });

  test('granting the same request again with a later expiry (an extended lease) moves the condition', async () => {
    const gcp = provider();
    const lease = input();
    await gcp.grant(lease);
    await gcp.grant({ ...lease, expiresAt: '2099-03-04T06:06:07.000Z' });
    assert.deepEqual(leaseBindings().map((b) => b.condition?.expression), ['request.time < timestamp("2099-03-04T06:06:07.000Z")']);
    assert.ok(server.holdsRole(ALICE, 'roles/storage.objectViewer', Date.parse('2099-03-04T06:00:00Z')));
  });

  test('two overlapping leases of one person for one role are two bindings; revoking one leaves the other', async () => {
    const gcp = provider();
    const first = await gcp.grant(input());
    const second = await gcp.grant(input({ expiresAt: '2099-03-04T06:00:00.000Z' }));
    assert.deepEqual(leaseBindings().map((b) => b.condition?.title), [`lease:${first.requestId}`, `lease:${second.requestId}`]);
    await gcp.revoke(first);
    assert.deepEqual(leaseBindings().map((b) => b.condition?.title), [`lease:${second.requestId}`]);
    assert.ok(server.holdsRole(ALICE, 'roles/storage.objectViewer', Date.parse('2099-03-04T05:30:00Z')));
  });

  test('a concurrent change between the read and the write (409 ABORTED) is retried with a fresh read, keeping both', async () => {
    server.changeBeforeNextSet((p) => p.bindings.push({ role: 'roles/compute.viewer', members: ['user:bob@example.com'] }));
    const lease = input();
    await provider().grant(lease);
    assert.equal(sets().length, 2);
    assert.ok(server.policy.bindings.some((b) => b.role === 'roles/compute.viewer' && b.members.includes('user:bob@example.com')), 'the other writer\'s change is kept');
    assert.deepEqual(leaseBindings().map((b) => b.condition?.title), [`lease:${lease.requestId}`]);
  });

  test('grants at once share read-modify-writes, and one refused grant does not fail the others', async () => {
    const gcp = provider();
    const person = (id: string) => ({ id, email: `${id}@example.com`, email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' });
    const leases = ['alice', 'alice', 'bob', 'carol', 'alice'].map((id) => input({ identity: person(id) }));
    const results = await Promise.allSettled(leases.map((lease) => gcp.grant(lease)));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.match(String((results[3] as PromiseRejectedResult).reason), /User carol@example.com does not exist/);
    assert.deepEqual(leaseBindings().map((b) => b.condition?.title).sort(), leases.filter((_, i) => i !== 3).map((l) => `lease:${l.requestId}`).sort());
  });

  test('a role with permissions.allow is granted through a project custom role made from them, updated when they change', async () => {
    const gcp = provider();
    const custom = role({ id: 'vm-reader', name: 'VM reader', nativeRoles: [], permissions: { allow: ['compute.instances.list', 'compute.instances.get', 'storage.buckets.list', 'ec2:Describe*', '/usr/bin/journalctl'], deny: ['storage.buckets.list'] } });
    await gcp.grant(input({ role: custom }));
    const name = `projects/${PROJECT}/roles/${customRoleId('vm-reader')}`;
    assert.match(customRoleId('vm-reader'), /^lease_vm_reader_[0-9a-f]{8}$/);
    assert.deepEqual(server.customRole(name)?.includedPermissions, ['compute.instances.get', 'compute.instances.list']);
    assert.equal(server.customRole(name)?.title, 'Lease: VM reader');
    assert.deepEqual(leaseBindings().map((b) => b.role), [name]);
    // Another server (no cache) with the role's permissions changed: patched, not created again.
    await provider().grant(input({ role: { ...custom, permissions: { allow: ['compute.instances.get'], deny: [] } } }));
    assert.deepEqual(server.customRole(name)?.includedPermissions, ['compute.instances.get']);
    assert.ok(server.requests.some((r) => r.method === 'PATCH' && r.path.includes(customRoleId('vm-reader'))));
  });

  test('a deleted custom role is undeleted and brought up to date', async () => {
    const custom = role({ id: 'vm-lister', nativeRoles: [], permissions: { allow: ['compute.instances.list'], deny: [] } });
    await provider().grant(input({ role: custom }));
    const name = `projects/${PROJECT}/roles/${customRoleId('vm-lister')}`;
    server.editPolicy((p) => (p.bindings = []));
    server.deleteCustomRole(name);
    await provider().grant(input({ role: custom }));
    assert.equal(server.customRole(name)?.deleted, undefined);
    assert.equal(leaseBindings().length, 1);
  });

  test('a basic role is refused before anything is written, saying why', async () => {
    await assert.rejects(provider().grant(input({ role: role({ nativeRoles: ['gcp:roles/owner'] }) })), (err: unknown) => {
      assert.ok(err instanceof TargetRefused);
      assert.equal(err.status, 400);
      assert.match(err.message, /roles\/owner, a basic role; Google does not allow conditions on basic roles/);
      return true;
    });
    assert.equal(server.requests.length, 0);
  });

  test('a role naming no Google role, a wildcard permission or an unverified e-mail is refused', async () => {
    await assert.rejects(provider().grant(input({ role: role({ nativeRoles: ['azure:Reader'] }) })), /names no Google Cloud role/);
    await assert.rejects(provider().grant(input({ role: role({ nativeRoles: [], permissions: { allow: ['compute.instances.*'], deny: [] } }) })), /no wildcards/);
    await assert.rejects(provider().grant(input({ role: role({ nativeRoles: ['gcp:storage.admin'] }) })), /expected gcp:roles\/<role>/);
    const unverified = input({ identity: { id: 'eve', email: 'eve@example.com', email_verified: false, groups: [], provider: 'corp', provider_type: 'oidc' } });
    await assert.rejects(provider().grant(unverified), (err: unknown) => err instanceof TargetRefused && err.code === 'target_not_found');
    assert.equal(sets().length, 0);
  });

  test("a missing permission is TargetRefused naming it, with Google's message", async () => {
    server.deny('resourcemanager.projects.setIamPolicy');
    await assert.rejects(provider().grant(input()), (err: unknown) => {
      assert.ok(err instanceof TargetRefused);
      assert.equal(err.code, 'target_permission_denied');
      assert.equal(err.missingPermission, 'resourcemanager.projects.setIamPolicy');
      assert.match(err.message, /Permission 'resourcemanager\.projects\.setIamPolicy' denied on resource/);
      return true;
    });
    // Google's older wording does not name it: Lease adds it.
    server.deny('resourcemanager.projects.setIamPolicy', { terse: true });
    await assert.rejects(provider().grant(input()), /The caller does not have permission \(missing permission resourcemanager\.projects\.setIamPolicy\)/);
    server.deny('iam.roles.create');
    await assert.rejects(provider().grant(input({ role: role({ id: 'new-one', nativeRoles: [], permissions: { allow: ['compute.instances.get'], deny: [] } }) })), /iam\.roles\.create/);
    assert.deepEqual(leaseBindings(), []);
  });

  test('429 and 503 are retried; failing on, they are TargetUnavailable (retryable)', async () => {
    server.failNext(2, 429, 0);
    await provider().grant(input());
    assert.equal(leaseBindings().length, 1);
    server.failNext(100, 503);
    await assert.rejects(provider().grant(input()), TargetUnavailable);
    server.failNext(0);
  });
});

describe('gcp revoke and listActive', () => {
  test('revoke removes exactly that binding, by title, even with no record data; gone is success', async () => {
    const gcp = provider();
    const mine = await gcp.grant(input());
    const other = await gcp.grant(input({ role: role({ nativeRoles: ['gcp:roles/compute.viewer'] }) }));
    await gcp.revoke({ provider: 'gcp-prod', requestId: mine.requestId, data: {} });
    assert.deepEqual(leaseBindings().map((b) => b.condition?.title), [`lease:${other.requestId}`]);
    assert.ok(server.policy.bindings.some((b) => b.role === 'roles/browser'));
    const writes = sets().length;
    await gcp.revoke(mine);
    assert.equal(sets().length, writes, 'nothing to remove: nothing written');
  });

  test("listActive reports this provider's bindings by request id, not another provider's or hand-made ones", async () => {
    const gcp = provider();
    const a = await gcp.grant(input({ role: role({ nativeRoles: ['gcp:roles/storage.objectViewer', 'gcp:roles/compute.viewer'] }) }));
    server.editPolicy((p) => {
      p.bindings.push({ role: 'roles/compute.viewer', members: [ALICE], condition: { title: 'lease:req_other', description: 'Granted by Lease (provider gcp-staging) for request req_other.', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' } });
      p.bindings.push({ role: 'roles/compute.viewer', members: [ALICE], condition: { title: 'business hours', expression: 'request.time.getHours("Europe/Berlin") < 18' } });
      p.bindings.push({ role: 'roles/compute.viewer', members: [ALICE], condition: { title: 'lease:req_stray', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' } });
    });
    const active = await gcp.listActive();
    assert.deepEqual(active.map((g) => [g.requestId, (g.data as { roles: string[] }).roles]).sort(), [
      [a.requestId, ['roles/storage.objectViewer', 'roles/compute.viewer']],
      ['req_stray', ['roles/compute.viewer']],
    ].sort());
  });

  test('listNativeRoles pages through predefined roles, searching and limiting', async () => {
    const gcp = provider();
    const all = await gcp.listNativeRoles();
    assert.equal(all.length, 6);
    assert.deepEqual(await gcp.listNativeRoles({ search: 'COMPUTE' }), [{ id: 'roles/compute.viewer', name: 'Compute Viewer', description: 'Read-only access to get and list Compute Engine resources.' }]);
    assert.deepEqual((await gcp.listNativeRoles({ search: 'storage', limit: 1 })).map((r) => r.id), ['roles/storage.objectViewer']);
  });
});

describe('gcp credentials', () => {
  test('one token serves many calls (JWT-bearer exchange at the key\'s token_uri, cached)', async () => {
    const before = server.tokensIssued;
    const gcp = provider();
    await gcp.listActive();
    await gcp.grant(input());
    await gcp.listActive();
    assert.equal(server.tokensIssued - before, 1);
  });

  test('a key file path is read relative to the config directory; ADC reads $GOOGLE_APPLICATION_CREDENTIALS (service account or authorized user)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-gcp-key-'));
    try {
      await writeFile(join(dir, 'key.json'), key, { mode: 0o600 });
      await writeFile(join(dir, 'adc.json'), server.authorizedUser(), { mode: 0o600 });
      assert.deepEqual(await provider({ service_account_key: 'key.json' }, { configDir: dir }).listActive(), []);
      assert.deepEqual(await provider({ service_account_key: undefined }, { env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'key.json') } }).listActive(), []);
      const before = server.tokensIssued;
      assert.deepEqual(await provider({ service_account_key: undefined }, { env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, 'adc.json') } }).listActive(), []);
      assert.equal(server.tokensIssued, before + 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('no credentials, a broken key or a key of another account fail clearly without quoting the key', async () => {
    const home = await mkdtemp(join(tmpdir(), 'lease-gcp-home-'));
    try {
      await assert.rejects(provider({ service_account_key: undefined }, { env: { CLOUDSDK_CONFIG: home } }).listActive(), /no Google credentials: set service_account_key.*metadata server/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
    const broken = key.slice(0, 200);
    await assert.rejects(provider({ service_account_key: broken }).listActive(), (err: unknown) => err instanceof TargetRefused && /is not valid JSON/.test(err.message) && !err.message.includes('PRIVATE KEY'));
    const forged = JSON.stringify({ ...JSON.parse(key), client_email: 'intruder@lease-test-project.iam.gserviceaccount.com' });
    await assert.rejects(provider({ service_account_key: forged }).listActive(), (err: unknown) => err instanceof TargetRefused && /account not found/.test(err.message) && !err.message.includes('PRIVATE KEY'));
    const resigned = JSON.stringify({ ...JSON.parse(key), private_key: server.serviceAccountKey('other@lease-test-project.iam.gserviceaccount.com').privateKeyPem });
    await assert.rejects(provider({ service_account_key: resigned }).listActive(), /Invalid JWT Signature/);
  });
});
