import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { canonicalJson } from './canonical-json.js';
import { GENESIS_HASH, hashAuditEntry, hashAuditEntryJson } from './hash.js';

const entry = { seq: 1, ts: '2026-01-01T00:00:00.000Z', actor: 'alice', action: 'login', subject: null, data: { b: 1, a: 2 } };

test('the genesis hash is 64 zeros', () => {
  assert.equal(GENESIS_HASH, '0'.repeat(64));
});

test('is SHA-256 hex of prev_hash followed by the canonical JSON of the entry', () => {
  const canonical = '{"action":"login","actor":"alice","data":{"a":2,"b":1},"seq":1,"subject":null,"ts":"2026-01-01T00:00:00.000Z"}';
  const expected = createHash('sha256').update(GENESIS_HASH + canonical).digest('hex');
  assert.equal(hashAuditEntry(GENESIS_HASH, entry), expected);
});

test('ignores fields outside the hashed ones, such as a stored hash', () => {
  assert.equal(hashAuditEntry(GENESIS_HASH, { ...entry, hash: 'x', prev_hash: 'y' } as typeof entry), hashAuditEntry(GENESIS_HASH, entry));
});

test('changes with the previous hash and with every hashed field', () => {
  const base = hashAuditEntry(GENESIS_HASH, entry);
  assert.notEqual(hashAuditEntry('1'.repeat(64), entry), base);
  for (const change of [{ seq: 2 }, { ts: 'x' }, { actor: 'bob' }, { action: 'x' }, { subject: 's' }, { data: { a: 3, b: 1 } }]) {
    assert.notEqual(hashAuditEntry(GENESIS_HASH, { ...entry, ...change }), base, JSON.stringify(change));
  }
});

test('hashing with the data already in canonical JSON gives the same hash', () => {
  const nested = { ...entry, subject: 'req_"1"', data: { z: [1, { b: null, a: 'é\u2028' }], a: -0 } };
  assert.equal(hashAuditEntryJson(GENESIS_HASH, nested, canonicalJson(nested.data)), hashAuditEntry(GENESIS_HASH, nested));
  assert.equal(hashAuditEntryJson('f'.repeat(64), entry, canonicalJson(entry.data)), hashAuditEntry('f'.repeat(64), entry));
});
