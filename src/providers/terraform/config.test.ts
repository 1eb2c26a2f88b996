import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config/index.js';
import { defaultRegistry } from '../../server/provider-types.js';
import { terraformConfigSchema } from './config.js';

describe('terraform config', () => {
  test("loads Thand's token with HCP Terraform's address by default", () => {
    const config = terraformConfigSchema.parse({ token: 'x', organization: 'acme' });
    assert.equal(config.address, 'https://app.terraform.io');
    assert.equal(terraformConfigSchema.parse({ token: 'x', organization: 'acme', address: 'https://tfe.example.com/' }).address, 'https://tfe.example.com');
  });

  test('refuses unknown keys, a missing token or organization, plain http off loopback', () => {
    const result = terraformConfigSchema.safeParse({ colour: 'blue', address: 'http://tfe.example.com' });
    assert.deepEqual((result.error?.issues ?? []).map((i) => i.path.join('.')).sort(), ['', 'address', 'organization', 'token']);
    assert.ok(terraformConfigSchema.safeParse({ token: 'x', organization: 'acme', address: 'http://127.0.0.1:8080' }).success);
  });

  test('a bad terraform config is reported with its file and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-terraform-config-'));
    try {
      await writeFile(join(dir, 'providers.yaml'), 'version: "1.0"\nproviders:\n  tf:\n    provider: terraform\n    config:\n      token: x\n      organisation: acme\n');
      const err = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError);
      assert.ok(err.issues.some((i) => i.path === 'providers.tf.config.organization'), err.issues.map((i) => i.path).join('\n'));
      assert.ok(err.issues.some((i) => i.path.startsWith('providers.tf.config') && /organisation/.test(`${i.path} ${i.message}`)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
