// The contract server refuses what Google refuses, so the provider's tests would catch a badly
// signed assertion, a missing bearer token, a stale etag, a conditional binding in a version-1
// policy or on a basic role.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { SignJWT, importPKCS8 } from 'jose';
import { GcpContractServer } from './contract-server.fake.js';

const PROJECT = 'contract-project';
const SA = 'lease@contract-project.iam.gserviceaccount.com';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

let server: GcpContractServer;
let key: { json: string; keyId: string; privateKeyPem: string };

before(async () => {
  server = await new GcpContractServer({ projectId: PROJECT, predefinedRoles: [{ name: 'roles/browser', title: 'Browser' }, { name: 'roles/owner', title: 'Owner' }], users: ['alice@example.com'] }).start();
  key = server.serviceAccountKey(SA);
});
after(() => server.stop());
beforeEach(() => server.editPolicy((p) => (p.bindings = [])));

async function assertion(claims: { aud?: string; iat?: number; exp?: number; scope?: string; iss?: string } = {}, pem = key.privateKeyPem): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: claims.scope ?? SCOPE })
    .setProtectedHeader({ alg: 'RS256', kid: key.keyId })
    .setIssuer(claims.iss ?? SA)
    .setAudience(claims.aud ?? server.tokenUri)
    .setIssuedAt(claims.iat ?? now)
    .setExpirationTime(claims.exp ?? now + 3600)
    .sign(await importPKCS8(pem, 'RS256'));
}

async function exchange(jwt: string): Promise<{ status: number; body: { error?: string; error_description?: string; access_token?: string } }> {
  const r = await fetch(server.tokenUri, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt }).toString() });
  return { status: r.status, body: (await r.json()) as { error?: string; access_token?: string } };
}

async function call(path: string, body: unknown, token?: string): Promise<{ status: number; body: { error?: { code: number; status: string; message: string }; etag?: string; version?: number; bindings?: Array<{ role: string }> } }> {
  const bearer = token ?? (await exchange(await assertion())).body.access_token;
  const r = await fetch(`${server.endpoint}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as never };
}

const get = (version = 3) => call(`/v3/projects/${PROJECT}:getIamPolicy`, { options: { requestedPolicyVersion: version } });
const set = (policy: unknown) => call(`/v3/projects/${PROJECT}:setIamPolicy`, { policy, updateMask: 'bindings,etag' });
const conditional = (role = 'roles/browser') => ({ role, members: ['user:alice@example.com'], condition: { title: 'lease:req_1', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' } });

describe('GCP contract server: token endpoint', () => {
  test('a signed assertion for the registered key gets a bearer token', async () => {
    const answer = await exchange(await assertion());
    assert.equal(answer.status, 200);
    assert.match(answer.body.access_token ?? '', /^ya29\./);
  });

  test('a signature by another key is 400 invalid_grant "Invalid JWT Signature."', async () => {
    const other = server.serviceAccountKey('someone-else@contract-project.iam.gserviceaccount.com');
    const answer = await exchange(await assertion({}, other.privateKeyPem));
    assert.deepEqual([answer.status, answer.body.error, answer.body.error_description], [400, 'invalid_grant', 'Invalid JWT Signature.']);
  });

  test('a wrong audience, a too-long lifetime or a missing scope is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await exchange(await assertion({ aud: 'https://oauth2.googleapis.com/token' }))).body.error, 'invalid_grant');
    assert.match((await exchange(await assertion({ iat: now, exp: now + 7200 }))).body.error_description ?? '', /short-lived token/);
    assert.match((await exchange(await assertion({ iat: now - 7200, exp: now - 3600 }))).body.error_description ?? '', /short-lived token/);
    assert.equal((await exchange(await assertion({ scope: 'openid' }))).body.error, 'invalid_scope');
  });
});

describe('GCP contract server: Resource Manager allow policy', () => {
  test('no bearer token is 401 UNAUTHENTICATED', async () => {
    const answer = await call(`/v3/projects/${PROJECT}:getIamPolicy`, {}, '');
    assert.deepEqual([answer.status, answer.body.error?.status], [401, 'UNAUTHENTICATED']);
  });

  test('a conditional binding needs policy version 3', async () => {
    const { etag } = (await get()).body;
    const v1 = await set({ version: 1, etag, bindings: [conditional()] });
    assert.deepEqual([v1.status, v1.body.error?.status], [400, 'INVALID_ARGUMENT']);
    assert.match(v1.body.error?.message ?? '', /version 3/);
    assert.equal((await set({ version: 3, etag, bindings: [conditional()] })).status, 200);
  });

  test('a version-1 read of a conditional policy hides the conditions behind _withcond_ role names', async () => {
    const { etag } = (await get()).body;
    await set({ version: 3, etag, bindings: [conditional()] });
    const v1 = (await get(1)).body;
    assert.equal(v1.version, 1);
    assert.match(v1.bindings?.[0]?.role ?? '', /^roles\/browser_withcond_[0-9a-f]+$/);
    assert.equal((await get(2)).status, 400);
  });

  test('a basic role cannot carry a condition', async () => {
    const { etag } = (await get()).body;
    const answer = await set({ version: 3, etag, bindings: [conditional('roles/owner')] });
    assert.deepEqual([answer.status, answer.body.error?.status], [400, 'INVALID_ARGUMENT']);
    assert.match(answer.body.error?.message ?? '', /basic roles/);
  });

  test('a stale etag is 409 ABORTED; an unknown user is 400', async () => {
    const { etag } = (await get()).body;
    assert.equal((await set({ version: 3, etag, bindings: [conditional()] })).status, 200);
    const stale = await set({ version: 3, etag, bindings: [] });
    assert.deepEqual([stale.status, stale.body.error?.status], [409, 'ABORTED']);
    const fresh = (await get()).body.etag;
    const unknown = await set({ version: 3, etag: fresh, bindings: [{ ...conditional(), members: ['user:mallory@example.com'] }] });
    assert.match(unknown.body.error?.message ?? '', /User mallory@example.com does not exist/);
  });

  test('a denied permission is 403 PERMISSION_DENIED naming it in an ErrorInfo', async () => {
    server.deny('resourcemanager.projects.setIamPolicy');
    try {
      const r = await fetch(`${server.endpoint}/v3/projects/${PROJECT}:setIamPolicy`, { method: 'POST', headers: { authorization: `Bearer ${(await exchange(await assertion())).body.access_token}` }, body: JSON.stringify({ policy: { bindings: [] } }) });
      const body = (await r.json()) as { error: { status: string; details: Array<{ metadata: { permission: string } }> } };
      assert.deepEqual([r.status, body.error.status, body.error.details[0]?.metadata.permission], [403, 'PERMISSION_DENIED', 'resourcemanager.projects.setIamPolicy']);
    } finally {
      server.allowAll();
    }
  });
});
