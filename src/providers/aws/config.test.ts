import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config/index.js';
import { defaultRegistry } from '../../server/provider-types.js';
import { clientConfigOf } from './clients.js';
import { awsConfigSchema } from './config.js';
import { awsProviderFactory } from './index.js';

describe('aws config', () => {
  test("loads Thand's keys (region, profile or keys, imsd_disable) with Lease's defaults", () => {
    const config = awsConfigSchema.parse({ region: 'eu-west-1', access_key_id: 'AKIAEXAMPLE', secret_access_key: 'from-env', imsd_disable: 'true' });
    assert.equal(config.mode, 'iam');
    assert.equal(config.imsd_disable, true);
    assert.deepEqual(clientConfigOf(config), { region: 'eu-west-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'from-env' }, maxAttempts: 1 });
    assert.equal(awsConfigSchema.parse({}).region, 'us-east-1');
    assert.deepEqual(clientConfigOf(awsConfigSchema.parse({ profile: 'prod', endpoint: 'http://127.0.0.1:5000/' })), { region: 'us-east-1', endpoint: 'http://127.0.0.1:5000', profile: 'prod', maxAttempts: 1 });
  });

  test("takes Lease's keys: account id (also as a YAML number), mode, identity_center, accounts", () => {
    const config = awsConfigSchema.parse({ account_id: 12345678901, mode: 'identity_center', identity_center: { instance_arn: 'arn:aws:sso:::instance/ssoins-0123456789abcdef', identity_store_id: 'd-0123456789' }, accounts: { 'alice@example.com': 'alice-admin' } });
    assert.equal(config.account_id, '012345678901');
    assert.equal(config.identity_center?.identity_store_id, 'd-0123456789');
  });

  test('refuses unknown keys, half a key pair, a profile with keys, plain http off loopback, bad ids', () => {
    const result = awsConfigSchema.safeParse({ colour: 'blue', access_key_id: 'AKIA', endpoint: 'http://iam.example.com', account_id: '12', mode: 'sso', identity_center: { instance: 'x' }, accounts: { alice: 'no spaces' } });
    assert.equal(result.success, false);
    const paths = (result.error?.issues ?? []).map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['', 'account_id', 'accounts.alice', 'endpoint', 'identity_center', 'mode']);
    const pair = awsConfigSchema.safeParse({ access_key_id: 'AKIA' }).error?.issues ?? [];
    assert.deepEqual(pair.map((i) => i.path.join('.')), ['secret_access_key']);
    const both = awsConfigSchema.safeParse({ profile: 'p', access_key_id: 'AKIA', secret_access_key: 's' }).error?.issues ?? [];
    assert.deepEqual(both.map((i) => i.path.join('.')), ['profile']);
  });

  test('a secret access key is never part of an error message', () => {
    const result = awsConfigSchema.safeParse({ access_key_id: 'AKIA', secret_access_key: 'very-secret-value', nope: 1 });
    assert.ok(!JSON.stringify(result.error?.issues).includes('very-secret-value'));
  });

  test('warns about imsd_disable with the default chain and identity_center settings with mode iam', () => {
    const warnings = awsProviderFactory.configWarnings!(awsConfigSchema.parse({ imsd_disable: true, identity_center: {} }));
    assert.deepEqual(warnings.map((w) => w.path.join('.')), ['imsd_disable', 'identity_center']);
  });

  test("Thand's example providers load unchanged; a bad aws config is reported with its file and path", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-aws-config-'));
    try {
      await writeFile(join(dir, 'providers.yaml'), `version: "1.0"\nproviders:\n  aws-prod:\n    name: AWS\n    provider: aws\n    config:\n      region: eu-west-1\n      profile: prod\n  aws-bad:\n    provider: aws\n    config:\n      region: europe\n      imds_endpoint: http://169.254.169.254\n`);
      const err = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError);
      const issues = err.issues.map((i) => `${i.file.endsWith('providers.yaml') ? 'providers.yaml' : i.file}:${i.path}`);
      assert.ok(issues.includes('providers.yaml:providers.aws-bad.config.region'), issues.join('\n'));
      assert.ok(err.issues.some((i) => i.path.startsWith('providers.aws-bad.config') && /imds_endpoint/.test(`${i.path} ${i.message}`)), issues.join('\n'));
      assert.ok(!err.issues.some((i) => i.path.includes('aws-prod')), issues.join('\n'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
