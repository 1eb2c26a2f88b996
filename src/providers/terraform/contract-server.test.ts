// The contract server refuses what HCP Terraform refuses, so the provider's tests would catch a
// wrong media type, a bad token, a duplicate team or access, or a bad access level.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { TerraformContractServer } from './contract-server.fake.js';

const TOKEN = 'contract-tf-token.atlasv1.Zk2';
registerTestSecret(TOKEN);
const JSON_API = 'application/vnd.api+json';

let server: TerraformContractServer;
before(async () => {
  server = await new TerraformContractServer({ organization: 'acme', token: TOKEN, users: [{ email: 'alice@example.com' }], teams: ['platform'], workspaces: ['staging'] }).start();
});
after(() => server.stop());

const call = (path: string, init: { method?: string; body?: unknown; token?: string; type?: string } = {}) =>
  fetch(`${server.address}/api/v2${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${init.token ?? TOKEN}`, ...(init.body !== undefined ? { 'content-type': init.type ?? JSON_API } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
const errors = async (answer: Response) => ((await answer.json()) as { errors: Array<{ status: string; title: string; detail?: string; source?: { pointer: string } }> }).errors;

describe('Terraform contract server', () => {
  test('a bad token is 401 with a JSON:API error', async () => {
    const answer = await call('/organizations/acme/teams', { token: 'wrong' });
    assert.equal(answer.status, 401);
    assert.deepEqual(await errors(answer), [{ status: '401', title: 'unauthorized' }]);
  });

  test('an unknown organization is 404', async () => {
    assert.equal((await call('/organizations/other/teams')).status, 404);
  });

  test('a write without the JSON:API media type is 415', async () => {
    const answer = await call('/organizations/acme/teams', { method: 'POST', body: { data: { type: 'teams', attributes: { name: 'x' } } }, type: 'application/json' });
    assert.equal(answer.status, 415);
  });

  test('a taken or malformed team name is 422 pointing at the attribute', async () => {
    for (const name of ['platform', 'has space']) {
      const answer = await call('/organizations/acme/teams', { method: 'POST', body: { data: { type: 'teams', attributes: { name } } } });
      assert.equal(answer.status, 422);
      assert.equal((await errors(answer))[0]?.source?.pointer, '/data/attributes/name');
    }
  });

  test('team access: a bad level is 422, a second access for the same team and workspace is 422', async () => {
    const team = server.teamNamed('platform')?.id;
    const workspace = server.workspaces.get('staging');
    const body = (access: string) => ({ data: { type: 'team-workspaces', attributes: { access }, relationships: { workspace: { data: { type: 'workspaces', id: workspace } }, team: { data: { type: 'teams', id: team } } } } });
    const bad = await call('/team-workspaces', { method: 'POST', body: body('owner') });
    assert.equal(bad.status, 422);
    assert.match((await errors(bad))[0]?.detail ?? '', /Access is not included in the list/);
    assert.equal((await call('/team-workspaces', { method: 'POST', body: body('read') })).status, 200);
    const again = await call('/team-workspaces', { method: 'POST', body: body('write') });
    assert.equal(again.status, 422);
    assert.match((await errors(again))[0]?.detail ?? '', /already been taken/);
    assert.equal((await call('/team-workspaces')).status, 422, 'filter[workspace][id] is required');
  });

  test('an unknown organization membership cannot join a team (404)', async () => {
    const team = server.teamNamed('platform')?.id;
    const answer = await call(`/teams/${team}/relationships/organization-memberships`, { method: 'POST', body: { data: [{ type: 'organization-memberships', id: 'ou-nope' }] } });
    assert.equal(answer.status, 404);
  });

  test('429 carries X-RateLimit-Limit and X-RateLimit-Reset', async () => {
    server.throttle(1, 0.5);
    const answer = await call('/organizations/acme/teams');
    assert.equal(answer.status, 429);
    assert.equal(answer.headers.get('x-ratelimit-limit'), '30');
    assert.equal(answer.headers.get('x-ratelimit-reset'), '0.5');
  });
});
