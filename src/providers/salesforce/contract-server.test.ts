// The contract server refuses what Salesforce refuses, so the provider's tests would catch bad
// credentials, a bad SOQL field, a duplicate assignment or a bad permission set name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { SalesforceContractServer } from './contract-server.fake.js';

const SECRET = 'contract-sf-secret-Lm3';
registerTestSecret(SECRET);

let server: SalesforceContractServer;
let session: string;
before(async () => {
  server = await new SalesforceContractServer({ clientId: 'client', clientSecret: SECRET, users: [{ Username: 'a@example.com', Email: 'a@example.com' }], permissionSets: ['Support_Admin'] }).start();
  session = ((await (await token(SECRET)).json()) as { access_token: string }).access_token;
});
after(() => server.stop());

const token = (secret: string) =>
  fetch(`${server.domain}/services/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'client', client_secret: secret }).toString() });
const api = (path: string, init: { method?: string; body?: unknown; auth?: string } = {}) =>
  fetch(`${server.domain}/services/data/v62.0${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${init.auth ?? session}`, 'content-type': 'application/json' }, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
const codes = async (answer: Response) => ((await answer.json()) as Array<{ errorCode: string }>).map((e) => e.errorCode);

describe('Salesforce contract server', () => {
  test('a wrong client secret is 400 invalid_client; a bad session is 401 INVALID_SESSION_ID', async () => {
    const bad = await token('wrong');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_client');
    const answer = await api('/query?q=SELECT+Id+FROM+User', { auth: 'nope' });
    assert.equal(answer.status, 401);
    assert.deepEqual(await codes(answer), ['INVALID_SESSION_ID']);
  });

  test('an unknown field is INVALID_FIELD; a malformed query MALFORMED_QUERY', async () => {
    const field = await api(`/query?q=${encodeURIComponent('SELECT Id, Colour FROM User')}`);
    assert.equal(field.status, 400);
    assert.deepEqual(await codes(field), ['INVALID_FIELD']);
    const malformed = await api(`/query?q=${encodeURIComponent('SELEC Id FROM User')}`);
    assert.deepEqual(await codes(malformed), ['MALFORMED_QUERY']);
  });

  test('a second assignment of the same set to the same user is DUPLICATE_VALUE; ExpirationDate is stored', async () => {
    const body = { AssigneeId: server.idOf('User', 'Username', 'a@example.com'), PermissionSetId: server.idOf('PermissionSet', 'Name', 'Support_Admin'), ExpirationDate: '2099-01-01T00:00:00.000Z' };
    const first = await api('/sobjects/PermissionSetAssignment', { method: 'POST', body });
    assert.equal(first.status, 201);
    assert.equal(server.assignmentsView()[0]?.expires, '2099-01-01T00:00:00.000Z');
    const again = await api('/sobjects/PermissionSetAssignment', { method: 'POST', body });
    assert.equal(again.status, 400);
    assert.deepEqual(await codes(again), ['DUPLICATE_VALUE']);
  });

  test('a permission set name with a double underscore is refused; a taken one is DUPLICATE_DEVELOPER_NAME', async () => {
    assert.deepEqual(await codes(await api('/sobjects/PermissionSet', { method: 'POST', body: { Name: 'Bad__Name', Label: 'x' } })), ['FIELD_INTEGRITY_EXCEPTION']);
    assert.deepEqual(await codes(await api('/sobjects/PermissionSet', { method: 'POST', body: { Name: 'Support_Admin', Label: 'x' } })), ['DUPLICATE_DEVELOPER_NAME']);
  });

  test('an API limit is 403 REQUEST_LIMIT_EXCEEDED; an unknown record 404 NOT_FOUND', async () => {
    server.limit(1);
    const limited = await api('/query?q=SELECT+Id+FROM+User');
    assert.equal(limited.status, 403);
    assert.deepEqual(await codes(limited), ['REQUEST_LIMIT_EXCEEDED']);
    assert.equal((await api('/sobjects/PermissionSetAssignment/0PaXXXXXXXXXXXXXXX', { method: 'DELETE' })).status, 404);
  });
});
