import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config/index.js';
import { defaultRegistry } from '../../server/provider-types.js';
import { oktaConfigSchema } from './config.js';

describe('okta config', () => {
  test('a domain becomes an https base URL; a full https URL or loopback http is kept', () => {
    assert.equal(oktaConfigSchema.parse({ domain: 'acme.okta.com', token: 'x' }).domain, 'https://acme.okta.com');
    assert.equal(oktaConfigSchema.parse({ domain: 'https://login.acme.com/', token: 'x' }).domain, 'https://login.acme.com');
    assert.equal(oktaConfigSchema.parse({ domain: 'http://127.0.0.1:8080', token: 'x' }).domain, 'http://127.0.0.1:8080');
  });

  test('refuses unknown keys, a missing token, plain http off loopback, a path or credentials', () => {
    const paths = (value: unknown) => (oktaConfigSchema.safeParse(value).error?.issues ?? []).map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths({ domain: 'acme.okta.com', token: 'x', org_url: 'y' }), ['']);
    assert.deepEqual(paths({ domain: 'acme.okta.com' }), ['token']);
    assert.deepEqual(paths({ domain: 'http://acme.okta.com', token: 'x' }), ['domain']);
    assert.deepEqual(paths({ domain: 'https://acme.okta.com/api/v1', token: 'x' }), ['domain']);
    assert.deepEqual(paths({ domain: 'https://u:p@acme.okta.com', token: 'x' }), ['domain']);
  });

  test('a bad okta config is reported with its file and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-okta-config-'));
    try {
      await writeFile(join(dir, 'providers.yaml'), 'version: "1.0"\nproviders:\n  okta:\n    provider: okta\n    config:\n      domain: acme.okta.com\n      token: x\n      api_token: y\n');
      const err = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError);
      assert.ok(err.issues.some((i) => i.file.endsWith('providers.yaml') && i.path.startsWith('providers.okta.config') && /api_token/.test(`${i.path} ${i.message}`)), JSON.stringify(err.issues));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
