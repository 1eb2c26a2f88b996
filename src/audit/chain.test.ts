import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChainVerifier, type ChainedEntry } from './chain.js';
import { GENESIS_HASH, hashAuditEntry } from './hash.js';

function chain(length: number): ChainedEntry[] {
  const entries: ChainedEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const fields = { seq, ts: `t${seq}`, actor: 'a', action: 'x', subject: null, data: { seq } };
    const hash = hashAuditEntry(prev, fields);
    entries.push({ ...fields, prev_hash: prev, hash });
    prev = hash;
  }
  return entries;
}

function firstBreak(entries: ChainedEntry[]) {
  const verifier = new ChainVerifier();
  for (const entry of entries) {
    const problem = verifier.check(entry);
    if (problem) return problem;
  }
  return undefined;
}

test('accepts an intact chain and counts its entries', () => {
  const verifier = new ChainVerifier();
  for (const entry of chain(5)) assert.equal(verifier.check(entry), undefined);
  assert.equal(verifier.count, 5);
});

test('a chain must start at seq 1 from the genesis hash', () => {
  assert.equal(firstBreak(chain(3).slice(1))?.seq, 2);
});

test('reports a gap in seqs at the entry after it', () => {
  const entries = chain(5);
  entries.splice(2, 1);
  assert.equal(firstBreak(entries)?.seq, 4);
});

test('reports a changed field at its entry', () => {
  const entries = chain(5);
  entries[2] = { ...entries[2]!, actor: 'mallory' };
  assert.equal(firstBreak(entries)?.seq, 3);
});

test('reports a broken link at the entry whose prev_hash does not match', () => {
  const entries = chain(5);
  const forged = { ...entries[1]!, data: { seq: 99 } };
  entries[1] = { ...forged, hash: hashAuditEntry(forged.prev_hash, forged) };
  assert.equal(firstBreak(entries)?.seq, 3);
});
