import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KmsRefused, MasterKeyInvalid } from './errors.js';
import { LocalEncryptionService } from './local.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lease-kms-local-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keyFile(mode = 0o600, content = `${randomBytes(32).toString('base64url')}\n`): Promise<string> {
  const file = join(dir, `master-${randomBytes(4).toString('hex')}.key`);
  await writeFile(file, content, { mode });
  await chmod(file, mode);
  return file;
}

const CONTEXT = { 'lease:purpose': 'session-keys' };

describe('local encryption service', () => {
  test('wraps and unwraps a data key with a master key from a 0600 file', async () => {
    const service = await LocalEncryptionService.open({ provider: 'local', key_file: await keyFile() }, {});
    const dataKey = randomBytes(32);
    const wrapped = await service.wrap(dataKey, CONTEXT);
    assert.equal(wrapped.keyId, service.keyId);
    assert.ok(!Buffer.from(wrapped.blob).includes(dataKey), 'the blob does not contain the data key');
    assert.deepEqual(Buffer.from(await service.unwrap(wrapped, CONTEXT)), dataKey);
  });

  test('reads the master key from an environment variable', async () => {
    const key = randomBytes(32).toString('base64url');
    const a = await LocalEncryptionService.open({ provider: 'local', key_env: 'LEASE_TEST_MASTER_KEY' }, { LEASE_TEST_MASTER_KEY: key });
    const b = await LocalEncryptionService.open({ provider: 'local', key_file: await keyFile(0o600, key) }, {});
    assert.equal(a.keyId, b.keyId, 'the same key has the same id wherever it comes from');
    const wrapped = await a.wrap(randomBytes(32), CONTEXT);
    assert.equal((await b.unwrap(wrapped, CONTEXT)).length, 32);
  });

  test('refuses to unwrap with another master key', async () => {
    const one = await LocalEncryptionService.open({ provider: 'local', key_file: await keyFile() }, {});
    const other = await LocalEncryptionService.open({ provider: 'local', key_file: await keyFile() }, {});
    const wrapped = await one.wrap(randomBytes(32), CONTEXT);
    assert.notEqual(one.keyId, other.keyId);
    await assert.rejects(other.unwrap(wrapped, CONTEXT), (err: unknown) => err instanceof KmsRefused && err.reason === 'wrong_key');
    // Even when the blob claims to be from this key, GCM does not authenticate it.
    await assert.rejects(other.unwrap({ blob: wrapped.blob, keyId: other.keyId }, CONTEXT), (err: unknown) => err instanceof KmsRefused && err.reason === 'authentication_failed');
  });

  test('refuses to unwrap under another encryption context', async () => {
    const service = await LocalEncryptionService.open({ provider: 'local', key_file: await keyFile() }, {});
    const wrapped = await service.wrap(randomBytes(32), CONTEXT);
    await assert.rejects(service.unwrap(wrapped, { 'lease:purpose': 'payload-keys' }), KmsRefused);
  });

  test('refuses a master key file that others may read', async () => {
    const file = await keyFile(0o644);
    await assert.rejects(LocalEncryptionService.open({ provider: 'local', key_file: file }, {}), (err: unknown) => {
      assert.ok(err instanceof MasterKeyInvalid);
      assert.equal(err.code, 'master_key_invalid');
      assert.match(err.message, /mode 0644.*chmod 600/);
      return true;
    });
  });

  test('refuses a missing file, an unset variable and a key that is not 256 bits', async () => {
    await assert.rejects(LocalEncryptionService.open({ provider: 'local', key_file: join(dir, 'missing.key') }, {}), /does not exist; create it/);
    await assert.rejects(LocalEncryptionService.open({ provider: 'local', key_env: 'UNSET_KEY' }, {}), /UNSET_KEY.*not set/);
    await assert.rejects(LocalEncryptionService.open({ provider: 'local', key_file: await keyFile(0o600, 'c2hvcnQ') }, {}), /32 random bytes/);
  });

  test('never puts the master key in its description or errors', async () => {
    const key = randomBytes(32).toString('base64url');
    const service = await LocalEncryptionService.open({ provider: 'local', key_env: 'K' }, { K: key });
    assert.ok(!service.describe().includes(key));
    assert.ok(!service.keyId.includes(key));
  });
});
