import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword, isPasswordHash, verifyPassword } from './password.js';

describe('password hashes', () => {
  test('hashes to scrypt$16384$8$1$<16-byte salt>$<32-byte key>', async () => {
    const hash = await hashPassword('correct horse');
    const m = /^scrypt\$16384\$8\$1\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
    assert.ok(m, hash);
    assert.equal(Buffer.from(m[1] as string, 'base64').length, 16);
    assert.equal(Buffer.from(m[2] as string, 'base64').length, 32);
  });

  test('salts every hash', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'));
  });

  test('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse');
    assert.equal(await verifyPassword('correct horse', hash), true);
    assert.equal(await verifyPassword('correct hors', hash), false);
    assert.equal(await verifyPassword('', hash), false);
  });

  test('verifies a hash made elsewhere with plain scrypt', async () => {
    // node -e "crypto.scrypt('s3cret', salt, 32, {N:1024,r:8,p:1}, ...)" with a fixed salt
    const { scryptSync } = await import('node:crypto');
    const salt = Buffer.alloc(16, 7);
    const key = scryptSync('s3cret', salt, 32, { N: 1024, r: 8, p: 1 });
    const hash = `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    assert.equal(await verifyPassword('s3cret', hash), true);
  });

  test('treats unicode passwords in their NFC form', async () => {
    const hash = await hashPassword('caf\u00e9');
    assert.equal(await verifyPassword('cafe\u0301', hash), true);
  });

  test('a malformed hash never verifies', async () => {
    const good = await hashPassword('pw');
    const [, , , , salt, key] = good.split('$');
    const bad = [
      '',
      'pw',
      good.replace('scrypt$', 'bcrypt$'),
      good.slice(0, -2), // truncated key: not base64
      `scrypt$16384$8$1$${salt}`,
      `scrypt$16384$8$1$${salt}$${key}$extra`,
      `scrypt$16383$8$1$${salt}$${key}`, // N not a power of two
      `scrypt$0$8$1$${salt}$${key}`,
      `scrypt$16384$8$1$${Buffer.alloc(4).toString('base64')}$${key}`, // salt too short
      `scrypt$16384$8$1$${salt}$${key?.replace(/=$/, '')}`, // not canonical base64
    ];
    for (const h of bad) {
      assert.equal(isPasswordHash(h), false, h);
      assert.equal(await verifyPassword('pw', h), false, h);
    }
  });

  test('refuses parameters that would make each login a denial of service', async () => {
    const salt = Buffer.alloc(16).toString('base64');
    const key = Buffer.alloc(32).toString('base64');
    for (const params of ['1048576$8$1', '16384$64$1', '16384$8$1000', '131072$16$1']) {
      assert.equal(isPasswordHash(`scrypt$${params}$${salt}$${key}`), false, params);
    }
    const started = Date.now();
    assert.equal(await verifyPassword('pw', `scrypt$1073741824$8$1$${salt}$${key}`), false);
    assert.ok(Date.now() - started < 100);
  });

  test('refuses to hash an empty or absurdly long password', async () => {
    await assert.rejects(hashPassword(''), { code: 'invalid_input' });
    await assert.rejects(hashPassword('x'.repeat(1025)), { code: 'invalid_input' });
  });
});
