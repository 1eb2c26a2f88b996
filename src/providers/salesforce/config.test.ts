import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { salesforceConfigSchema } from './config.js';

describe('salesforce config', () => {
  test("loads Thand's keys (domain, username, password, security_token) and its code's spellings (endpoint, token)", () => {
    const thand = salesforceConfigSchema.parse({ domain: 'acme.my.salesforce.com', username: 'u@acme.com', password: 'p', security_token: 't' });
    assert.equal(thand.loginUrl, 'https://acme.my.salesforce.com');
    assert.equal(thand.flow, 'password');
    assert.equal(thand.securityToken, 't');
    assert.equal(thand.apiVersion, '62.0');
    const code = salesforceConfigSchema.parse({ endpoint: 'https://login.salesforce.com', username: 'u', password: 'p', token: 't', client_id: 'c' });
    assert.equal(code.loginUrl, 'https://login.salesforce.com');
    assert.equal(code.securityToken, 't');
  });

  test('client credentials without a username', () => {
    assert.equal(salesforceConfigSchema.parse({ domain: 'acme.my.salesforce.com', client_id: 'c', client_secret: 's' }).flow, 'client_credentials');
  });

  test('refuses unknown keys, no domain, no credentials, an old API version, http off loopback', () => {
    const paths = (value: unknown) => (salesforceConfigSchema.safeParse(value).error?.issues ?? []).map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths({ colour: 'x', username: 'u', password: 'p' }), ['', 'domain']);
    assert.deepEqual(paths({ username: 'u', password: 'p' }), ['domain']);
    assert.deepEqual(paths({ domain: 'acme.my.salesforce.com' }), ['client_id']);
    assert.deepEqual(paths({ domain: 'acme.my.salesforce.com', username: 'u', password: 'p', api_version: '48.0' }), ['api_version']);
    assert.deepEqual(paths({ domain: 'http://acme.my.salesforce.com', username: 'u', password: 'p' }), ['domain']);
    assert.ok(salesforceConfigSchema.safeParse({ domain: 'http://127.0.0.1:9999', username: 'u', password: 'p' }).success);
  });
});
