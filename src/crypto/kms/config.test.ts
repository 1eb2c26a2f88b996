import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseEncryptionConfig } from './config.js';
import { EncryptionConfigInvalid } from './errors.js';
import { openEncryptionService } from './open.js';

function problems(section: unknown): string[] {
  try {
    parseEncryptionConfig(section, 'config/server.yaml');
  } catch (err) {
    assert.ok(err instanceof EncryptionConfigInvalid);
    assert.equal(err.code, 'invalid_config');
    return err.message.split('\n').slice(1);
  }
  return [];
}

describe('services.encryption', () => {
  test('unset keeps the key files plain', async () => {
    assert.equal(await openEncryptionService(undefined), undefined);
  });

  test('names the path of a missing key id', () => {
    assert.deepEqual(problems({ provider: 'aws', region: 'eu-west-1' }), ['config/server.yaml: services.encryption.key_id: required (expected string)']);
  });

  test('names an unknown provider and unknown keys', () => {
    assert.deepEqual(problems({ provider: 'vault' }), ['config/server.yaml: services.encryption.provider: expected provider local, aws, gcp or azure']);
    assert.deepEqual(problems({ provider: 'aws', key_id: 'alias/lease', kms_key: 'x' }), ['config/server.yaml: services.encryption.kms_key: unknown key']);
  });

  test('local needs exactly one of key_file and key_env', () => {
    assert.deepEqual(problems({ provider: 'local' }), ['config/server.yaml: services.encryption.key_file: set key_file or key_env (exactly one)']);
    assert.deepEqual(problems({ provider: 'local', key_file: '/etc/lease/master.key', key_env: 'LEASE_MASTER_KEY' }), [
      'config/server.yaml: services.encryption.key_file: set key_file or key_env (exactly one)',
    ]);
  });

  test('checks the shape of GCP and Azure key ids and of endpoints', () => {
    assert.match(problems({ provider: 'gcp', key_id: 'lease-key' })[0] ?? '', /services\.encryption\.key_id: expected projects\/P\/locations/);
    assert.match(problems({ provider: 'azure', key_id: 'https://v.vault.azure.net/secrets/x' })[0] ?? '', /services\.encryption\.key_id: expected https:\/\/VAULT/);
    assert.match(problems({ provider: 'aws', key_id: 'k', endpoint: 'ftp://x' })[0] ?? '', /services\.encryption\.endpoint: expected an http\(s\) URL/);
    assert.deepEqual(problems({ provider: 'gcp', key_id: 'projects/p/locations/global/keyRings/r/cryptoKeys/k' }), []);
    assert.deepEqual(problems({ provider: 'azure', key_id: 'https://lease.vault.azure.net/keys/lease-kek/0123abcd' }), []);
  });

  test('opens the local backend from an environment variable', async () => {
    const service = await openEncryptionService({ provider: 'local', key_env: 'LEASE_MASTER_KEY' }, { env: { LEASE_MASTER_KEY: Buffer.alloc(32, 1).toString('base64url') } });
    assert.equal(service?.provider, 'local');
  });

  test('reads a relative key_file from the directory of the config file that names it', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-kms-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'master.key'), Buffer.alloc(32, 2).toString('base64url'), { mode: 0o600 });
    const service = await openEncryptionService({ provider: 'local', key_file: 'master.key' }, { file: join(dir, 'server.yaml') });
    assert.equal(service?.provider, 'local');
  });
});
