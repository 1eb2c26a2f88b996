import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config/index.js';
import { defaultRegistry } from '../../server/provider-types.js';
import { githubConfigSchema } from './config.js';
import { githubProviderFactory } from './provider.js';

describe('github config', () => {
  test("loads Thand's keys (token, api_url, organization, scopes) unchanged", () => {
    const config = githubConfigSchema.parse({ token: 'ghp_x', api_url: 'https://github.example.com/api/v3/', organization: 'acme', scopes: ['read:org'] });
    assert.equal(config.api_url, 'https://github.example.com/api/v3');
    assert.equal(config.organization, 'acme');
    assert.deepEqual(githubProviderFactory.configWarnings?.(config).map((w) => w.path.join('.')), ['scopes']);
    assert.equal(githubConfigSchema.parse({ token: 'x' }).api_url, 'https://api.github.com');
  });

  test('a GitHub App needs its three keys, and not a token besides', () => {
    assert.ok(githubConfigSchema.safeParse({ app_id: '12', private_key: 'k.pem', installation_id: 34 }).success);
    const partial = githubConfigSchema.safeParse({ app_id: 12 }).error?.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(partial, ['installation_id', 'private_key']);
    assert.deepEqual(githubConfigSchema.safeParse({ token: 'x', app_id: 12, private_key: 'k', installation_id: 3 }).error?.issues.map((i) => i.path.join('.')), ['token']);
  });

  test('without a token or App (as Thand ships it) it loads with a warning, and a grant fails at once naming what is missing', async () => {
    const config = githubConfigSchema.parse({ organization: 'acme', scopes: ['repo'] });
    assert.deepEqual(githubProviderFactory.configWarnings?.(config).map((w) => w.path.join('.')), ['scopes', 'token']);
    const dir = await mkdtemp(join(tmpdir(), 'lease-github-'));
    try {
      const access = githubProviderFactory.create({ id: 'gh', name: 'GitHub', enabled: true, config, deps: { dataDir: dir, configDir: dir } }).access!;
      const identity = { id: 'alice-sub', email: 'alice@example.com', email_verified: true, groups: [], provider: 'corp', provider_type: 'oidc' };
      const role = { id: 'platform', name: 'Platform', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['github:team/platform'] };
      await assert.rejects(access.grant({ requestId: 'req_01', identity, role, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }), (err: Error & { code?: string; status?: number }) => {
        assert.equal(err.code, 'target_refused');
        assert.equal(err.status, 400);
        assert.match(err.message, /has no credential: set token/);
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refuses unknown keys, plain http off loopback, bad logins', () => {
    const result = githubConfigSchema.safeParse({ token: 'x', colour: 'blue', api_url: 'http://github.example.com', organization: 'a b', accounts: { 'not-an-email': 'x' } });
    assert.deepEqual((result.error?.issues ?? []).map((i) => i.path.join('.')).sort(), ['', 'accounts.not-an-email', 'api_url', 'organization']);
  });

  test('a bad github config is reported with its file and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-github-config-'));
    try {
      await writeFile(join(dir, 'providers.yaml'), 'version: "1.0"\nproviders:\n  gh:\n    provider: github\n    config:\n      token: x\n      organisation: acme\n');
      const err = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError);
      assert.ok(err.issues.some((i) => i.file.endsWith('providers.yaml') && i.path.startsWith('providers.gh.config') && /organisation/.test(`${i.path} ${i.message}`)), JSON.stringify(err.issues));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
