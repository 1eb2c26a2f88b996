import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ManualClock } from '../../core/index.js';
import { SessionKeys } from '../../identity/index.js';
import { lookupHash, openForRow, sealForRow } from './login-secrets.js';

async function keysIn(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'lease-login-secrets-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const clock = new ManualClock();
  return { dir, clock, keys: await SessionKeys.load(dir, { clock }) };
}

test('a sealed value opens for its row, with the keys of another process on the same data directory', async (t) => {
  const { dir, clock, keys } = await keysIn(t);
  const sealed = await sealForRow(keys, { codeVerifier: 'v3rifier' }, 'row-1');
  assert.ok(!sealed.includes('v3rifier'));
  const other = await SessionKeys.load(dir, { clock });
  assert.deepEqual(await openForRow(other, sealed, 'row-1'), { codeVerifier: 'v3rifier' });
});

test('a sealed value does not open for another row, altered, or once its key is revoked', async (t) => {
  const { keys } = await keysIn(t);
  const sealed = await sealForRow(keys, { nonce: 'n' }, 'row-1');
  assert.equal(await openForRow(keys, sealed, 'row-2'), undefined);
  const [kid, iv, body, tag] = sealed.split('.') as [string, string, string, string];
  assert.equal(await openForRow(keys, [kid, iv, `${body.slice(0, -2)}AA`, tag].join('.'), 'row-1'), undefined);
  assert.equal(await openForRow(keys, 'garbage', 'row-1'), undefined);
  await keys.rotate();
  await keys.revoke(kid);
  assert.equal(await openForRow(keys, sealed, 'row-1'), undefined);
});

test('lookup hashes are SHA-256, base64url', () => {
  assert.equal(lookupHash('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});
