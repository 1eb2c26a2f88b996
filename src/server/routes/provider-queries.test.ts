// The native role catalog, credentials and console routes through the real HTTP app, request
// service, store and embedded runtime, with an in-process provider that has all three
// capabilities (cloud-access-provider.fake.ts); the e2e tests drive the same routes through a
// real `lease server` and the CLI.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { RouteSpec } from '../api/route.js';
import { CloudAccessProvider, NATIVE_ROLES } from '../services/cloud-access-provider.fake.js';
import { HeldAccessProvider } from '../services/held-access-provider.fake.js';
import { ProviderQueries } from '../services/provider-queries.js';
import { PEOPLE, auditText, openServiceStack } from '../services/service-stack.fake.js';
import { providerQueryRoutes } from './provider-queries.js';

async function setUp(t: TestContext) {
  const cloud = new CloudAccessProvider('cloud');
  const plain = new HeldAccessProvider('plain');
  const stack = await openServiceStack(t, { cloud, plain });
  const queries = new ProviderQueries({ ...stack, visibleRequest: (identity, id) => stack.requests.visible(identity, id) });
  const call = stack.http(providerQueryRoutes(queries) as RouteSpec<never, never>[]);
  const activeLease = async (provider = 'cloud') => {
    const id = await stack.request(PEOPLE.alice, provider);
    await stack.waitForStatus(id, 'active');
    return id;
  };
  return { ...stack, cloud, plain, call, activeLease };
}

async function errorOf(response: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return { status: response.status, code: body.error.code, message: body.error.message };
}

describe('GET /api/v1/providers/{id}/roles', () => {
  it('lists the native roles matching a search, up to the limit', async (t) => {
    const { call } = await setUp(t);
    const all = await call('alice', 'GET', '/api/v1/providers/cloud/roles');
    assert.equal(all.status, 200);
    assert.deepEqual(((await all.json()) as { roles: unknown[] }).roles, NATIVE_ROLES);
    const readOnly = (await (await call('alice', 'GET', '/api/v1/providers/cloud/roles?search=READONLY')).json()) as { roles: Array<{ id: string }> };
    assert.deepEqual(readOnly.roles.map((r) => r.id), ['ReadOnlyAccess', 'AmazonS3ReadOnlyAccess']);
    const one = (await (await call('alice', 'GET', '/api/v1/providers/cloud/roles?limit=1')).json()) as { roles: unknown[] };
    assert.equal(one.roles.length, 1);
  });

  it('is for administrators and those who may request a role on the provider', async (t) => {
    const { call } = await setUp(t);
    assert.equal((await call('bob', 'GET', '/api/v1/providers/cloud/roles')).status, 200, 'an administrator');
    assert.deepEqual(await errorOf(await call('carol', 'GET', '/api/v1/providers/cloud/roles')), {
      status: 403,
      code: 'provider_not_requestable',
      message: 'you may request no role on provider "cloud", so you cannot list its native roles',
    });
  });

  it('answers 404 for an unknown provider and 400 not_supported for one without a catalog', async (t) => {
    const { call } = await setUp(t);
    assert.deepEqual((await errorOf(await call('bob', 'GET', '/api/v1/providers/nowhere/roles'))).code, 'provider_not_found');
    const plain = await errorOf(await call('alice', 'GET', '/api/v1/providers/plain/roles'));
    assert.deepEqual([plain.status, plain.code], [400, 'not_supported']);
  });

  it('refuses a limit out of range with 400 naming it', async (t) => {
    const { call } = await setUp(t);
    const r = await call('alice', 'GET', '/api/v1/providers/cloud/roles?limit=0');
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: { field: string } }).error.field, 'limit');
  });
});

describe('POST /api/v1/requests/{id}/credentials and /console', () => {
  it('gives the requester credentials for an active lease, uncached, and audits only that they were issued', async (t) => {
    const { call, activeLease, store, cloud, logs } = await setUp(t);
    const id = await activeLease();
    const r = await call('alice', 'POST', `/api/v1/requests/${id}/credentials`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const body = (await r.json()) as Record<string, string>;
    const request = (await store.requests.get(id))!;
    assert.deepEqual(body, {
      kind: 'aws',
      accessKeyId: `ASIA${id.slice(-12).toUpperCase()}`,
      secretAccessKey: `fake-secret-${id}`,
      sessionToken: `fake-session-token-${id}`,
      expiration: request.expires_at,
      region: 'us-east-1',
    });
    assert.deepEqual(cloud.issuedFor.map((l) => [l.requestId, l.identity.id, l.role.id, l.expiresAt]), [[id, 'alice', 'debug', request.expires_at]]);

    const entries = (await store.audit.list({ subject: id })).filter((e) => e.action === 'credentials.issued');
    assert.deepEqual(entries.map((e) => [e.actor, e.data]), [['local:alice', { provider: 'cloud', kind: 'aws', expiration: request.expires_at }]]);
    for (const secret of [body.secretAccessKey!, body.sessionToken!]) {
      assert.ok(!(await auditText(store)).includes(secret), 'no secret in the audit');
      assert.ok(!logs.join('').includes(secret), 'no secret in the log');
    }
  });

  it('gives the requester a console URL, uncached', async (t) => {
    const { call, activeLease, store } = await setUp(t);
    const id = await activeLease();
    const r = await call('alice', 'POST', `/api/v1/requests/${id}/console`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await r.json(), { url: `https://signin.example.com/federation?Action=login&SigninToken=fake-signin-${id}` });
    assert.deepEqual((await store.audit.list({ subject: id })).filter((e) => e.action === 'credentials.issued').map((e) => e.data), [{ provider: 'cloud', kind: 'console_url' }]);
  });

  it('answers someone who may not see the request exactly as for an id that does not exist', async (t) => {
    const { call, activeLease, cloud } = await setUp(t);
    const id = await activeLease();
    const unknown = `req_${'0'.repeat(26)}`;
    for (const path of ['credentials', 'console']) {
      const theirs = await errorOf(await call('mallory', 'POST', `/api/v1/requests/${id}/${path}`));
      const none = await errorOf(await call('mallory', 'POST', `/api/v1/requests/${unknown}/${path}`));
      assert.deepEqual([theirs.status, theirs.code], [404, 'request_not_found']);
      assert.deepEqual(theirs, { ...none, message: none.message.replace(unknown, id) });
    }
    assert.deepEqual(cloud.issuedFor, [], 'nothing was issued');
  });

  it('refuses an administrator who may see the request: the credentials are the requester\'s', async (t) => {
    const { call, activeLease, cloud } = await setUp(t);
    const id = await activeLease();
    for (const path of ['credentials', 'console']) {
      const r = await errorOf(await call('bob', 'POST', `/api/v1/requests/${id}/${path}`));
      assert.deepEqual([r.status, r.code], [403, 'not_requester']);
    }
    assert.deepEqual(cloud.issuedFor, []);
  });

  it('refuses while the lease is being granted and after it was revoked', async (t) => {
    const { call, cloud, request, requests, waitForStatus } = await setUp(t);
    const grant = cloud.hold('grant');
    const id = await request(PEOPLE.alice, 'cloud');
    await grant.reached;
    assert.deepEqual(await errorOf(await call('alice', 'POST', `/api/v1/requests/${id}/credentials`)), {
      status: 409,
      code: 'not_active',
      message: `request ${id} is granting: only an active lease has credentials`,
    });
    grant.release();
    await waitForStatus(id, 'active');
    await requests.revoke(PEOPLE.alice, id, 'done');
    await waitForStatus(id, 'revoked');
    for (const path of ['credentials', 'console']) {
      const r = await errorOf(await call('alice', 'POST', `/api/v1/requests/${id}/${path}`));
      assert.deepEqual([r.status, r.code], [409, 'not_active']);
    }
    assert.deepEqual(cloud.issuedFor, []);
  });

  it('refuses a lease past its expiry whose revocation has not run yet', async (t) => {
    const { call, activeLease, store } = await setUp(t);
    const id = await activeLease();
    await store.requests.update(id, { expires_at: new Date(Date.now() - 1_000).toISOString() });
    const r = await errorOf(await call('alice', 'POST', `/api/v1/requests/${id}/credentials`));
    assert.deepEqual([r.status, r.code], [409, 'lease_expired']);
  });

  it('answers 400 not_supported when the lease\'s provider issues no credentials or URLs', async (t) => {
    const { call, activeLease } = await setUp(t);
    const id = await activeLease('plain');
    for (const path of ['credentials', 'console']) {
      const r = await errorOf(await call('alice', 'POST', `/api/v1/requests/${id}/${path}`));
      assert.deepEqual([r.status, r.code], [400, 'not_supported']);
    }
  });

  it('reports a provider failure as 502, not as a fault of the caller', async (t) => {
    const { call, activeLease, cloud } = await setUp(t);
    const id = await activeLease();
    cloud.credentials = async () => {
      throw new Error('AccessDenied: sts:AssumeRole');
    };
    assert.deepEqual(await errorOf(await call('alice', 'POST', `/api/v1/requests/${id}/credentials`)), {
      status: 502,
      code: 'provider_failed',
      message: 'provider "cloud" cannot issue credentials: AccessDenied: sts:AssumeRole',
    });
  });
});
