import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { InvalidCredentials } from '../../core/index.js';
import { localConfigSchema } from './config.js';
import { hashPassword, isPasswordHash } from './password.js';
import { LocalIdentityProvider, createLocalIdentity, localIdentityFactory } from './provider.js';

let aliceHash: string;
before(async () => {
  aliceHash = await hashPassword('alice-pw');
});

function provider(): LocalIdentityProvider {
  const config = localConfigSchema.parse({
    users: { alice: { password_hash: aliceHash, email: 'alice@example.com', name: 'Alice', groups: ['ops'] }, bob: { password_hash: aliceHash } },
  });
  return new LocalIdentityProvider('break-glass', config);
}

describe('local identity provider', () => {
  test('authenticates a user into an identity of this provider', async () => {
    assert.deepEqual(await provider().authenticate('alice', 'alice-pw'), {
      id: 'alice',
      email: 'alice@example.com',
      email_verified: true,
      name: 'Alice',
      groups: ['ops'],
      provider: 'break-glass',
      provider_type: 'local',
    });
  });

  test('leaves out what the user entry does not declare', async () => {
    assert.deepEqual(await provider().authenticate('bob', 'alice-pw'), { id: 'bob', groups: [], provider: 'break-glass', provider_type: 'local' });
  });

  test('refuses a wrong password and an unknown user with the same error', async () => {
    const p = provider();
    await assert.rejects(p.authenticate('alice', 'wrong'), InvalidCredentials);
    await assert.rejects(p.authenticate('mallory', 'alice-pw'), InvalidCredentials);
    await assert.rejects(p.authenticate('constructor', 'x'), InvalidCredentials);
  });

  test('spends scrypt time on unknown users too (no enumeration by timing)', async () => {
    const p = provider();
    const time = async (user: string) => {
      const start = process.hrtime.bigint();
      await p.authenticate(user, 'wrong').catch(() => undefined);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    await time('alice'); // warm up
    const known = Math.min(await time('alice'), await time('alice'), await time('alice'));
    const unknown = Math.min(await time('nobody'), await time('nobody'), await time('nobody'));
    assert.ok(unknown > known * 0.5 && unknown < known * 2, `known ${known} ms vs unknown ${unknown} ms`);
  });

  test('the dummy hash for unknown users is a valid hash with the default parameters', async () => {
    const source = await import('node:fs/promises').then((fs) => fs.readFile(new URL('./provider.ts', import.meta.url), 'utf8'));
    const dummy = /DUMMY_HASH = '([^']+)'/.exec(source)?.[1] ?? '';
    assert.ok(isPasswordHash(dummy));
    assert.match(dummy, /^scrypt\$16384\$8\$1\$/);
  });
});

describe('local identity config', () => {
  test('refuses a plain password where a hash belongs, saying what is expected', () => {
    const result = localConfigSchema.safeParse({ users: { alice: { password_hash: 'hunter2' } } });
    assert.equal(result.success, false);
    assert.match(result.error?.issues[0]?.message ?? '', /scrypt\$16384\$8\$1\$<salt base64>\$<key base64>/);
    assert.deepEqual(result.error?.issues[0]?.path, ['users', 'alice', 'password_hash']);
  });

  test('refuses unknown keys and odd usernames', () => {
    assert.equal(localConfigSchema.safeParse({ users: {}, extra: 1 }).success, false);
    assert.equal(localConfigSchema.safeParse({ users: { alice: { password_hash: aliceHash, password: 'x' } } }).success, false);
    assert.equal(localConfigSchema.safeParse({ users: { 'al ice': { password_hash: aliceHash } } }).success, false);
  });

  test('defaults groups to none', () => {
    assert.deepEqual(localConfigSchema.parse({ users: { alice: { password_hash: aliceHash } } }).users.alice?.groups, []);
  });

  test('the factory makes an identity provider instance', async () => {
    assert.equal(localIdentityFactory.type, 'local');
    assert.deepEqual(localIdentityFactory.capabilities, ['identity']);
    const instance = createLocalIdentity({ id: 'local', name: 'Local', enabled: true, config: localConfigSchema.parse({ users: { alice: { password_hash: aliceHash } } }) });
    assert.deepEqual(instance.capabilities, ['identity']);
    assert.equal(instance.identity.kind, 'password');
    assert.equal((await instance.identity.authenticate('alice', 'alice-pw')).provider, 'local');
  });
});
