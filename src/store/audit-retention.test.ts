import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { signCheckpoint } from '../audit/index.js';
import { storeBackends } from './backends.fake.js';
import type { Store } from './types.js';

const { privateKey } = generateKeyPairSync('ed25519');

async function appendMany(store: Store, count: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (let n = 1; n <= count; n++) await tx.audit.append({ actor: 'lease', action: 'lease.granted', subject: `req_${n}`, data: { n } });
  });
}

async function checkpointAt(store: Store, seq: number) {
  const [entry] = await store.audit.list({ afterSeq: seq - 1, limit: 1 });
  return signCheckpoint({ seq, hash: entry!.hash, ts: entry!.ts, created_at: '2026-02-01T00:00:00.000Z' }, privateKey);
}

storeBackends((open) => {
  test('a forwarder position moves forward only', async (t) => {
    const { store } = await open(t);
    assert.equal(await store.auditCursors.get('file-1'), null);
    await store.auditCursors.advance('file-1', 10);
    await store.auditCursors.advance('file-1', 4);
    assert.equal(await store.auditCursors.get('file-1'), 10);
    await store.auditCursors.advance('webhook-2', 3);
    assert.deepEqual((await store.auditCursors.list()).map((c) => [c.name, c.seq]), [['file-1', 10], ['webhook-2', 3]]);
  });

  test('pruning behind a checkpoint keeps the rest of the chain verifiable from it', async (t) => {
    const { store } = await open(t);
    await appendMany(store, 12_000);
    const checkpoint = await checkpointAt(store, 11_000);
    assert.equal(await store.audit.prune(checkpoint), 11_000);
    assert.deepEqual(await store.audit.checkpoint(), checkpoint);
    assert.deepEqual(await store.audit.verify(), { ok: true, count: 1000, from_seq: 11_000 });
    assert.equal((await store.audit.list({ limit: 1 }))[0]!.seq, 11_001);
    // The chain goes on from the remaining head.
    const next = await store.audit.append({ actor: 'lease', action: 'server.started', subject: null, data: {} });
    assert.equal(next.seq, 12_001);
    assert.equal((await store.audit.verify()).ok, true);
  });

  test('a checkpoint that does not match a stored entry, or names the head, is refused', async (t) => {
    const { store } = await open(t);
    await appendMany(store, 5);
    const good = await checkpointAt(store, 3);
    await assert.rejects(store.audit.prune({ ...good, hash: 'f'.repeat(64) }), /does not match audit entry 3/);
    await assert.rejects(store.audit.prune(await checkpointAt(store, 5)), /never pruned/);
    assert.equal((await store.audit.list()).length, 5);
  });

  test('the database refuses to delete entries no checkpoint covers, and to change checkpoints', async (t) => {
    const { store, raw } = await open(t);
    await appendMany(store, 10);
    await store.audit.prune(await checkpointAt(store, 4));
    await store.close();
    await assert.rejects(raw.query('DELETE FROM audit_log WHERE seq = 5'), /append-only/);
    await assert.rejects(raw.query('UPDATE audit_log SET actor = ? WHERE seq = 6', 'mallory'), /append-only/);
    await assert.rejects(raw.query('DELETE FROM audit_checkpoints'), /append-only/);
    await assert.rejects(raw.query('UPDATE audit_checkpoints SET seq = 9'), /append-only/);
  });

  test('onAppend is told after a commit that appended, not for other writes', async (t) => {
    const { store } = await open(t);
    let told = 0;
    const unsubscribe = store.audit.onAppend!(() => (told += 1));
    await store.auditCursors.advance('x', 1);
    assert.equal(told, 0);
    await store.audit.append({ actor: 'lease', action: 'server.started', subject: null, data: {} });
    assert.equal(told, 1);
    await appendMany(store, 3);
    assert.equal(told, 2);
    unsubscribe();
    await appendMany(store, 1);
    assert.equal(told, 2);
  });
});
