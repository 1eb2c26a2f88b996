import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config/index.js';
import { defaultRegistry } from '../../server/provider-types.js';
import { azureConfigSchema } from './config.js';

const base = {
  tenant_id: '11111111-1111-4111-8111-111111111111',
  subscription_id: '22222222-2222-4222-8222-222222222222',
  client_id: '33333333-3333-4333-8333-333333333333',
  client_secret: 'from-the-environment',
};

describe('azure config', () => {
  test("loads Thand's keys with Azure's public endpoints by default", () => {
    const config = azureConfigSchema.parse({ ...base, resource_group: 'web' });
    assert.equal(config.authority, 'https://login.microsoftonline.com');
    assert.equal(config.endpoint, 'https://management.azure.com');
    assert.equal(config.graph_endpoint, 'https://graph.microsoft.com');
    assert.equal(config.pim, false);
    assert.equal(config.resource_group, 'web');
  });

  test('refuses unknown keys, non-GUID ids, plain http off loopback', () => {
    const result = azureConfigSchema.safeParse({ ...base, tenant_id: 'contoso', colour: 'blue', endpoint: 'http://arm.example.com', pim: 'yes' });
    assert.equal(result.success, false);
    const paths = (result.error?.issues ?? []).map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['', 'endpoint', 'pim', 'tenant_id']);
    assert.ok(azureConfigSchema.safeParse({ ...base, endpoint: 'http://127.0.0.1:8080/arm/' }).data?.endpoint === 'http://127.0.0.1:8080/arm');
    const { client_id: _id, client_secret: _secret, ...thandDefaultChain } = base;
    const missing = azureConfigSchema.safeParse(thandDefaultChain).error?.issues ?? [];
    assert.deepEqual(missing.map((i) => i.path.join('.')).sort(), ['client_id', 'client_secret']);
    assert.match(missing[0]?.message ?? '', /required .*default credential chain is not supported/);
  });

  test('a bad azure config is reported with its file and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-azure-config-'));
    try {
      await writeFile(join(dir, 'providers.yaml'), `version: "1.0"\nproviders:\n  azure-prod:\n    provider: azure\n    config:\n      tenant_id: ${base.tenant_id}\n      subscription_id: not-a-guid\n      client_id: ${base.client_id}\n      client_secret: x\n      imds_endpoint: http://169.254.169.254\n`);
      const err = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError);
      const issues = err.issues.map((i) => `${i.file.endsWith('providers.yaml') ? 'providers.yaml' : i.file}:${i.path}`);
      assert.ok(issues.includes('providers.yaml:providers.azure-prod.config.subscription_id'), issues.join('\n'));
      assert.ok(err.issues.some((i) => i.path.startsWith('providers.azure-prod.config') && /imds_endpoint/.test(`${i.path} ${i.message}`)), issues.join('\n'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
