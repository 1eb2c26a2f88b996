// The contract server refuses what Azure refuses, so the provider's tests would catch a wrong
// api-version, a token of the wrong audience or a bad secret.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { AzureContractServer } from './contract-server.fake.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const SUBSCRIPTION = '22222222-2222-4222-8222-222222222222';
const CLIENT = '33333333-3333-4333-8333-333333333333';
const SECRET = 'contract-secret-for-tests-9v~Q';
registerTestSecret(SECRET);

let server: AzureContractServer;
before(async () => {
  server = await new AzureContractServer({ tenantId: TENANT, subscriptionId: SUBSCRIPTION, clientId: CLIENT, clientSecret: SECRET, roleDefinitions: [{ name: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', roleName: 'Reader' }] }).start();
});
after(() => server.stop());

async function token(resource: string, secret = SECRET): Promise<Response> {
  return fetch(`${server.authority}/${TENANT}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: secret, scope: `${resource}/.default` }).toString(),
  });
}
async function accessToken(resource: string): Promise<string> {
  return ((await (await token(resource)).json()) as { access_token: string }).access_token;
}
const definitions = (query: string) => `${server.armEndpoint}/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions${query}`;

describe('Azure contract server', () => {
  test('a wrong client secret is 401 invalid_client with AADSTS7000215', async () => {
    const answer = await token(server.armEndpoint, 'wrong');
    assert.equal(answer.status, 401);
    const body = (await answer.json()) as { error: string; error_description: string };
    assert.equal(body.error, 'invalid_client');
    assert.match(body.error_description, /^AADSTS7000215/);
  });

  test('a Graph token is refused at ARM, an ARM token at Graph', async () => {
    const atArm = await fetch(definitions('?api-version=2022-04-01'), { headers: { authorization: `Bearer ${await accessToken(server.graphEndpoint)}` } });
    assert.equal(atArm.status, 401);
    assert.equal(((await atArm.json()) as { error: { code: string } }).error.code, 'InvalidAuthenticationToken');
    const atGraph = await fetch(`${server.graphEndpoint}/v1.0/users/x@example.com`, { headers: { authorization: `Bearer ${await accessToken(server.armEndpoint)}` } });
    assert.equal(atGraph.status, 401);
  });

  test('a missing or unknown api-version is 400 with its ARM code', async () => {
    const headers = { authorization: `Bearer ${await accessToken(server.armEndpoint)}` };
    const missing = await fetch(definitions(''), { headers });
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'MissingApiVersionParameter');
    const wrong = await fetch(definitions('?api-version=2099-01-01'), { headers });
    assert.equal(wrong.status, 400);
    assert.equal(((await wrong.json()) as { error: { code: string } }).error.code, 'InvalidApiVersionParameter');
    assert.equal((await fetch(definitions('?api-version=2022-04-01'), { headers })).status, 200);
  });
});
