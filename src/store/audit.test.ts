import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { GENESIS_HASH, hashAuditEntry } from '../audit/index.js';
import { openTempStore } from './temp-store.fake.js';
import type { AuditInput, Store } from './types.js';

function input(n: number, subject: string | null = `req_${n % 3}`): AuditInput {
  return { actor: 'alice', action: 'request.updated', subject, data: { n, nested: { b: 2, a: [1, 'x'] } } };
}

async function appendMany(store: Store, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) await store.audit.append(input(n));
}

/** A raw connection that can edit audit_log, as an attacker with file access would. */
function tamper(t: { after(fn: () => void): void }, file: string): Database.Database {
  const raw = new Database(file);
  t.after(() => raw.close());
  raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  return raw;
}

test('append links each entry to the previous one, starting from the genesis hash', async (t) => {
  const { store, clock } = await openTempStore(t);
  const first = await store.audit.append(input(1));
  clock.advance(1000);
  const second = await store.audit.append(input(2));

  assert.equal(first.seq, 1);
  assert.equal(first.prev_hash, GENESIS_HASH);
  assert.equal(first.ts, '2026-01-01T00:00:00.000Z');
  assert.equal(first.hash, hashAuditEntry(GENESIS_HASH, first));
  assert.equal(second.seq, 2);
  assert.equal(second.prev_hash, first.hash);
  assert.equal(second.ts, '2026-01-01T00:00:01.000Z');
  assert.equal(second.hash, hashAuditEntry(first.hash, second));
  assert.deepEqual(await store.audit.list(), [first, second]);
});

test('a chain of many entries verifies, across verification pages', async (t) => {
  const { store } = await openTempStore(t);
  await store.transaction(async (tx) => appendMany(tx, 2500));
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 2500 });
});

test('an empty log verifies', async (t) => {
  const { store } = await openTempStore(t);
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 0 });
});

test('concurrent appends never fork the chain', async (t) => {
  const { store } = await openTempStore(t);
  const entries = await Promise.all(Array.from({ length: 50 }, (_, i) => store.audit.append(input(i))));
  assert.deepEqual(entries.map((e) => e.seq).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 50 });
});

test('an append rolled back with its transaction leaves the chain intact', async (t) => {
  const { store } = await openTempStore(t);
  await store.audit.append(input(1));
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.audit.append(input(2));
      throw new Error('abort');
    }),
  );
  const third = await store.audit.append(input(3));
  assert.equal(third.seq, 2);
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 2 });
});

test('list filters by afterSeq, subject and limit, in seq order', async (t) => {
  const { store } = await openTempStore(t);
  await appendMany(store, 9);
  const seqs = (entries: { seq: number }[]) => entries.map((e) => e.seq);
  assert.deepEqual(seqs(await store.audit.list({ afterSeq: 6 })), [7, 8, 9]);
  assert.deepEqual(seqs(await store.audit.list({ subject: 'req_1' })), [1, 4, 7]);
  assert.deepEqual(seqs(await store.audit.list({ subject: 'req_1', afterSeq: 1, limit: 1 })), [4]);
  assert.deepEqual(seqs(await store.audit.list({ limit: 2 })), [1, 2]);
});

test('secret-looking keys are redacted before the entry is hashed and stored', async (t) => {
  const { store, file } = await openTempStore(t);
  const entry = await store.audit.append({
    actor: 'alice',
    action: 'login',
    subject: null,
    data: { user: 'alice', password: 'hunter2', session: { access_token: 'eyJ...', ok: true } },
  });
  const expected = { user: 'alice', password: '[redacted]', session: { access_token: '[redacted]', ok: true } };
  assert.deepEqual(entry.data, expected);
  assert.deepEqual((await store.audit.list())[0]?.data, expected);
  const raw = new Database(file, { readonly: true });
  t.after(() => raw.close());
  const stored = raw.prepare('SELECT data FROM audit_log').pluck().get() as string;
  assert.ok(!stored.includes('hunter2') && !stored.includes('eyJ'));
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 1 });
});

test('the database refuses to update or delete audit entries', async (t) => {
  const { store, file } = await openTempStore(t);
  await appendMany(store, 3);
  const raw = new Database(file);
  t.after(() => raw.close());
  assert.throws(() => raw.prepare(`UPDATE audit_log SET data = '{}' WHERE seq = 2`).run(), /append-only/);
  assert.throws(() => raw.prepare('DELETE FROM audit_log WHERE seq = 3').run(), /append-only/);
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 3 });
});

test('verify reports the seq whose data was changed', async (t) => {
  const { store, file } = await openTempStore(t);
  await appendMany(store, 10);
  tamper(t, file).prepare(`UPDATE audit_log SET data = '{"n":999}' WHERE seq = 6`).run();
  const result = await store.audit.verify();
  assert.equal(result.ok, false);
  assert.equal(result.broken_at, 6);
  assert.equal(result.count, 5);
  assert.match(result.message ?? '', /hash of seq 6/);
});

test('verify reports the seq whose hash was changed', async (t) => {
  const { store, file } = await openTempStore(t);
  await appendMany(store, 10);
  tamper(t, file).prepare(`UPDATE audit_log SET hash = ? WHERE seq = 4`).run('f'.repeat(64));
  assert.equal((await store.audit.verify()).broken_at, 4);
});

test('a changed entry with a recomputed hash breaks the link to the next entry', async (t) => {
  const { store, file } = await openTempStore(t);
  await appendMany(store, 10);
  const [entry] = await store.audit.list({ afterSeq: 4, limit: 1 });
  const forged = { ...entry!, data: { n: 999 } };
  tamper(t, file)
    .prepare('UPDATE audit_log SET data = ?, hash = ? WHERE seq = 5')
    .run(JSON.stringify(forged.data), hashAuditEntry(forged.prev_hash, forged));
  const result = await store.audit.verify();
  assert.equal(result.broken_at, 6);
  assert.match(result.message ?? '', /prev_hash of seq 6/);
});

test('verify reports the entry after a deleted one', async (t) => {
  const { store, file } = await openTempStore(t);
  await appendMany(store, 10);
  tamper(t, file).prepare('DELETE FROM audit_log WHERE seq = 5').run();
  const result = await store.audit.verify();
  assert.equal(result.ok, false);
  assert.equal(result.broken_at, 6);
  assert.match(result.message ?? '', /missing/);
});

test('verify reports a tampered entry beyond the first page', async (t) => {
  const { store, file } = await openTempStore(t);
  await store.transaction(async (tx) => appendMany(tx, 1500));
  tamper(t, file).prepare(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 1234`).run();
  assert.equal((await store.audit.verify()).broken_at, 1234);
});

test('verify reports data that is no longer JSON rather than throwing', async (t) => {
  const { store, file } = await openTempStore(t);
  await appendMany(store, 3);
  tamper(t, file).prepare(`UPDATE audit_log SET data = 'not json' WHERE seq = 2`).run();
  assert.equal((await store.audit.verify()).broken_at, 2);
});

test('list filters by actor, action and an inclusive time range, combined with the others', async (t) => {
  const { store, clock } = await openTempStore(t);
  for (let n = 1; n <= 6; n++) {
    await store.audit.append({ actor: n % 2 ? 'local:alice' : 'local:bob', action: n <= 3 ? 'request.created' : 'request.approved', subject: `req_${n % 2}`, data: {} });
    clock.advance(60_000);
  }
  const seqs = (entries: { seq: number }[]) => entries.map((e) => e.seq);
  assert.deepEqual(seqs(await store.audit.list({ actor: 'local:alice' })), [1, 3, 5]);
  assert.deepEqual(seqs(await store.audit.list({ action: 'request.approved' })), [4, 5, 6]);
  assert.deepEqual(seqs(await store.audit.list({ actor: 'local:bob', action: 'request.approved' })), [4, 6]);
  assert.deepEqual(seqs(await store.audit.list({ since: '2026-01-01T00:01:00.000Z', until: '2026-01-01T00:03:00.000Z' })), [2, 3, 4]);
  assert.deepEqual(seqs(await store.audit.list({ subject: 'req_1', since: '2026-01-01T00:01:00.000Z', afterSeq: 3, limit: 1 })), [5]);
});
