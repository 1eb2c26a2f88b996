import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import sshpk from 'sshpk';
import { listKrl, makeKey, requireSshKeygen, tempDirFor } from '../../../test/support/ssh-keygen.js';
import { encodeKrl } from './krl.js';

test('ssh-keygen reads the KRL: version, comment, the CA, serials and key ids', async (t) => {
  if (!requireSshKeygen(t)) return;
  const dir = await tempDirFor(t);
  const ca = sshpk.parseKey(await readFile(`${makeKey(dir, 'ca')}.pub`, 'utf8'), 'ssh');
  const file = join(dir, 'krl');
  await writeFile(file, encodeKrl({ version: 7n, generatedAt: 1_700_000_000, comment: 'lease test', caKey: ca.toBuffer('rfc4253'), serials: [9n, 3n, 9n, (1n << 63n) + 5n], keyIds: ['lease:b', 'lease:a'] }));
  const listing = listKrl(file);
  assert.match(listing, /^# KRL version 7$/m);
  assert.match(listing, /^# Comment: lease test$/m);
  assert.ok(listing.includes(`# CA key ssh-ed25519 ${ca.fingerprint('sha256').toString()}`), listing);
  assert.match(listing, /^serial: 3\nserial: 9\nserial: 9223372036854775813\n/m);
  assert.match(listing, /^id: lease:a\nid: lease:b$/m);
});

test('a KRL with nothing revoked is a valid, empty KRL', async (t) => {
  if (!requireSshKeygen(t)) return;
  const dir = await tempDirFor(t);
  const file = join(dir, 'krl');
  await writeFile(file, encodeKrl({ version: 1n, generatedAt: 0, comment: '', caKey: Buffer.alloc(0), serials: [], keyIds: [] }));
  assert.doesNotMatch(listKrl(file), /serial|id:/);
});

test('the same contents give the same bytes, whatever the order', () => {
  const base = { version: 2n, generatedAt: 5, comment: 'c', caKey: Buffer.from([1, 2, 3]) };
  assert.deepEqual(encodeKrl({ ...base, serials: [2n, 1n], keyIds: ['b', 'a'] }), encodeKrl({ ...base, serials: [1n, 2n, 1n], keyIds: ['a', 'b'] }));
});

test('refuses serial 0, which OpenSSH cannot revoke', () => {
  assert.throws(() => encodeKrl({ version: 1n, generatedAt: 0, comment: '', caKey: Buffer.alloc(0), serials: [0n], keyIds: [] }), RangeError);
});
