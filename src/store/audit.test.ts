import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GENESIS_HASH, hashAuditEntry } from '../audit/index.js';
import { storeBackends, type RawAccess } from './backends.fake.js';
import type { AuditInput, Store } from './types.js';

function input(n: number, subject: string | null = `req_${n % 3}`): AuditInput {
  return { actor: 'alice', action: 'request.updated', subject, data: { n, nested: { b: 2, a: [1, 'x'] } } };
}

async function appendMany(store: Store, count: number): Promise<void> {
  for (let n = 1; n <= count; n++) await store.audit.append(input(n));
}

/** Edits audit_log as an attacker with the database's credentials would: drops its guard first. */
async function tamper(raw: RawAccess, sql: string, ...params: unknown[]): Promise<void> {
  await raw.dropAuditGuard();
  await raw.query(sql, ...params);
}

storeBackends((open) => {
  test('append links each entry to the previous one, starting from the genesis hash', async (t) => {
    const { store, clock } = await open(t);
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
    const { store } = await open(t);
    await store.transaction(async (tx) => appendMany(tx, 2500));
    assert.deepEqual(await store.audit.verify(), { ok: true, count: 2500 });
  });

  test('an empty log verifies', async (t) => {
    const { store } = await open(t);
    assert.deepEqual(await store.audit.verify(), { ok: true, count: 0 });
  });

  test('concurrent appends never fork the chain', async (t) => {
    const { store } = await open(t);
    const entries = await Promise.all(Array.from({ length: 50 }, (_, i) => store.audit.append(input(i))));
    assert.deepEqual(entries.map((e) => e.seq).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
    assert.deepEqual(await store.audit.verify(), { ok: true, count: 50 });
  });

  test('an append rolled back with its transaction leaves the chain intact', async (t) => {
    const { store } = await open(t);
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
    const { store } = await open(t);
    await appendMany(store, 9);
    const seqs = (entries: { seq: number }[]) => entries.map((e) => e.seq);
    assert.deepEqual(seqs(await store.audit.list({ afterSeq: 6 })), [7, 8, 9]);
    assert.deepEqual(seqs(await store.audit.list({ subject: 'req_1' })), [1, 4, 7]);
    assert.deepEqual(seqs(await store.audit.list({ subject: 'req_1', afterSeq: 1, limit: 1 })), [4]);
    assert.deepEqual(seqs(await store.audit.list({ limit: 2 })), [1, 2]);
  });

  test('secret-looking keys are redacted before the entry is hashed and stored', async (t) => {
    const { store, raw } = await open(t);
    const entry = await store.audit.append({
      actor: 'alice',
      action: 'login',
      subject: null,
      data: { user: 'alice', password: 'hunter2', session: { access_token: 'eyJ...', ok: true } },
    });
    const expected = { user: 'alice', password: '[redacted]', session: { access_token: '[redacted]', ok: true } };
    assert.deepEqual(entry.data, expected);
    assert.deepEqual((await store.audit.list())[0]?.data, expected);
    const [row] = await raw.query('SELECT data FROM audit_log');
    const stored = String(row?.data);
    assert.ok(!stored.includes('hunter2') && !stored.includes('eyJ'));
    assert.deepEqual(await store.audit.verify(), { ok: true, count: 1 });
  });

  test('the database refuses to update or delete audit entries', async (t) => {
    const { store, raw } = await open(t);
    await appendMany(store, 3);
    await assert.rejects(raw.query(`UPDATE audit_log SET data = '{}' WHERE seq = 2`), /append-only/);
    await assert.rejects(raw.query('DELETE FROM audit_log WHERE seq = 3'), /append-only/);
    assert.deepEqual(await store.audit.verify(), { ok: true, count: 3 });
  });

  test('verify reports the seq whose data was changed', async (t) => {
    const { store, raw } = await open(t);
    await appendMany(store, 10);
    await tamper(raw, `UPDATE audit_log SET data = '{"n":999}' WHERE seq = 6`);
    const result = await store.audit.verify();
    assert.equal(result.ok, false);
    assert.equal(result.broken_at, 6);
    assert.equal(result.count, 5);
    assert.match(result.message ?? '', /hash of seq 6/);
  });

  test('verify reports the seq whose hash was changed', async (t) => {
    const { store, raw } = await open(t);
    await appendMany(store, 10);
    await tamper(raw, `UPDATE audit_log SET hash = ? WHERE seq = 4`, 'f'.repeat(64));
    assert.equal((await store.audit.verify()).broken_at, 4);
  });

  test('a changed entry with a recomputed hash breaks the link to the next entry', async (t) => {
    const { store, raw } = await open(t);
    await appendMany(store, 10);
    const [entry] = await store.audit.list({ afterSeq: 4, limit: 1 });
    const forged = { ...entry!, data: { n: 999 } };
    await tamper(raw, 'UPDATE audit_log SET data = ?, hash = ? WHERE seq = 5', JSON.stringify(forged.data), hashAuditEntry(forged.prev_hash, forged));
    const result = await store.audit.verify();
    assert.equal(result.broken_at, 6);
    assert.match(result.message ?? '', /prev_hash of seq 6/);
  });

  test('verify reports the entry after a deleted one', async (t) => {
    const { store, raw } = await open(t);
    await appendMany(store, 10);
    await tamper(raw, 'DELETE FROM audit_log WHERE seq = 5');
    const result = await store.audit.verify();
    assert.equal(result.ok, false);
    assert.equal(result.broken_at, 6);
    assert.match(result.message ?? '', /missing/);
  });

  test('verify reports a tampered entry beyond the first page', async (t) => {
    const { store, raw } = await open(t);
    await store.transaction(async (tx) => appendMany(tx, 1500));
    await tamper(raw, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 1234`);
    assert.equal((await store.audit.verify()).broken_at, 1234);
  });

  test('verify reports data that is no longer JSON rather than throwing', async (t) => {
    const { store, raw } = await open(t);
    await appendMany(store, 3);
    await tamper(raw, `UPDATE audit_log SET data = 'not json' WHERE seq = 2`);
    assert.equal((await store.audit.verify()).broken_at, 2);
  });

  test('list filters by actor, action and an inclusive time range, combined with the others', async (t) => {
    const { store, clock } = await open(t);
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
});
