import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config/index.js';
import { defaultRegistry } from '../../server/provider-types.js';
import { gcpConfigSchema } from './config.js';
import { gcpProviderFactory } from './provider.js';

describe('gcp config', () => {
  test("loads Thand's keys (project_id, region, service_account_key) with Google's public endpoints by default", () => {
    const config = gcpConfigSchema.parse({ project_id: 'analytics-1234', region: 'europe-west1', service_account_key: '${GCP_KEY}' });
    assert.equal(config.endpoint, 'https://cloudresourcemanager.googleapis.com');
    assert.equal(config.iam_endpoint, 'https://iam.googleapis.com');
    assert.equal(config.service_account_key, '${GCP_KEY}');
    assert.deepEqual(gcpProviderFactory.configWarnings?.(config), [{ path: ['region'], message: 'IAM is global: the gcp provider does not use a region: ignored' }]);
    assert.deepEqual(gcpProviderFactory.configWarnings?.(gcpConfigSchema.parse({ project_id: 'analytics-1234' })), []);
  });

  test('refuses unknown keys, a project number, plain http off loopback', () => {
    const result = gcpConfigSchema.safeParse({ project_id: '123456789012', credentials_file: 'key.json', endpoint: 'http://crm.example.com', iam_endpoint: 'https://iam.example.com/?x=1' });
    assert.equal(result.success, false);
    const paths = (result.error?.issues ?? []).map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['', 'endpoint', 'iam_endpoint', 'project_id']);
    assert.match(result.error?.issues.find((i) => i.path.length === 0)?.message ?? '', /credentials_file/);
    assert.equal(gcpConfigSchema.parse({ project_id: 'my-project', endpoint: 'http://127.0.0.1:8080/crm/' }).endpoint, 'http://127.0.0.1:8080/crm');
    assert.match(gcpConfigSchema.safeParse({}).error?.issues[0]?.message ?? '', /project id is required/);
  });

  test('a bad gcp config is reported with its file and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-gcp-config-'));
    try {
      await writeFile(join(dir, 'providers.yaml'), 'version: "1.0"\nproviders:\n  gcp-prod:\n    provider: gcp\n    config:\n      project_id: my-project\n      zone: europe-west1-b\n');
      const err = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError);
      const issues = err.issues.map((i) => `${i.file.endsWith('providers.yaml') ? 'providers.yaml' : i.file}:${i.path} ${i.message}`);
      assert.ok(issues.some((i) => i.startsWith('providers.yaml:providers.gcp-prod.config') && /zone/.test(i)), issues.join('\n'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
