import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { StoreIntegrityError } from './errors.js';
import { openTempStore, requestRecord } from './temp-store.fake.js';
import type { Store, StoreStats } from './types.js';

function stats(store: Store): StoreStats {
  assert.ok(store.stats, 'the SQLite store exposes stats()');
  return store.stats();
}

/** A transaction that stays open until released, so the calls made meanwhile queue behind it. */
function holdOpen(store: Store, during: (tx: Store) => Promise<void> = async () => {}) {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const done = store.transaction(async (tx) => {
    await during(tx);
    await gate;
  });
  return { release, done };
}

function readOnly(t: TestContext, file: string): Database.Database {
  const raw = new Database(file, { readonly: true });
  t.after(() => raw.close());
  return raw;
}

test('an uncontended transaction starts at once, without waiting for a timer', async (t) => {
  const { store } = await openTempStore(t);
  let started = false;
  const done = store.transaction(async () => {
    started = true;
  });
  assert.equal(started, true);
  await done;
  assert.equal(stats(store).commits, 1);
});

test('many concurrent transactions are committed in a few BEGIN/COMMITs', async (t) => {
  const { store } = await openTempStore(t);
  for (let n = 0; n < 1000; n++) await store.requests.insert(requestRecord({ id: `r${n}` }));
  const before = stats(store);
  await Promise.all(
    Array.from({ length: 1000 }, (_, n) =>
      store.transaction(async (tx) => {
        await tx.requests.update(`r${n}`, { status: 'active' });
        await tx.audit.append({ actor: 'lease', action: 'lease.granted', subject: `r${n}`, data: { n } });
      }),
    ),
  );
  const after = stats(store);
  assert.equal(after.committed - before.committed, 1000);
  // About five with the 10 ms bound on an idle machine; the bound only matters for a loaded one.
  assert.ok(after.commits - before.commits < 100, `${after.commits - before.commits} commits for 1000 transactions`);
  assert.ok(after.largestBatch > 1 && after.largestBatch <= 500, `largest batch ${after.largestBatch}`);
  assert.equal(await store.requests.count({ status: ['active'] }), 1000);
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 1000 });
});

test('a caller is answered only once its writes are committed, visible to another connection', async (t) => {
  const { store, file } = await openTempStore(t);
  const raw = readOnly(t, file);
  const visible = (id: string) => raw.prepare('SELECT count(*) FROM requests WHERE id = ?').pluck().get(id) === 1;
  const { release, done } = holdOpen(store, (tx) => tx.requests.insert(requestRecord({ id: 'first' })));
  const second = store.transaction((tx) => tx.requests.insert(requestRecord({ id: 'second' }))).then(() => visible('second'));
  release();
  await done;
  assert.equal(visible('first'), true);
  assert.equal(await second, true);
});

/** Batches bounded by count only, so a test knows which calls share a COMMIT on any machine. */
const UNTIMED = { groupCommit: { maxBatchMs: Infinity } };

test('a transaction that throws in a batch rolls back only its own writes; the others commit', async (t) => {
  const { store } = await openTempStore(t, UNTIMED);
  const { release, done } = holdOpen(store, (tx) => tx.requests.insert(requestRecord({ id: 'held' })));
  const boom = new Error('boom');
  const results = await Promise.allSettled([
    store.transaction((tx) => tx.requests.insert(requestRecord({ id: 'a' }))),
    store.transaction(async (tx) => {
      await tx.requests.insert(requestRecord({ id: 'failed' }));
      await tx.requests.update('held', { status: 'active' });
      await tx.audit.append({ actor: 'x', action: 'x', subject: null, data: {} });
      throw boom;
    }),
    store.transaction((tx) => tx.requests.insert(requestRecord({ id: 'b' }))),
    (release(), done),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  assert.equal((results[1] as PromiseRejectedResult).reason, boom);
  assert.deepEqual((await store.requests.list()).map((r) => r.id).sort(), ['a', 'b', 'held']);
  assert.equal((await store.requests.get('held'))?.status, 'pending');
  assert.deepEqual(await store.audit.list(), []);
  const { commits, rolledBack, largestBatch } = stats(store);
  assert.deepEqual({ commits, rolledBack, largestBatch }, { commits: 1, rolledBack: 1, largestBatch: 3 });
});

test('the audit chain stays linear under concurrent appends when some transactions fail', async (t) => {
  const { store } = await openTempStore(t);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 200 }, (_, n) =>
      store.transaction(async (tx) => {
        const entry = await tx.audit.append({ actor: 'lease', action: 'step', subject: `r${n}`, data: { n } });
        await tx.audit.append({ actor: 'lease', action: 'step.more', subject: `r${n}`, data: { n } });
        if (n % 3 === 0) throw new Error(`fail ${n}`);
        return entry;
      }),
    ),
  );
  const kept = outcomes.filter((o) => o.status === 'fulfilled').length;
  assert.equal(kept, 200 - 67);
  const entries = await store.audit.list();
  assert.equal(entries.length, 2 * kept);
  assert.deepEqual(entries.map((e) => e.seq), Array.from({ length: 2 * kept }, (_, i) => i + 1));
  assert.ok(entries.every((e) => (e.data.n as number) % 3 !== 0), 'no entry of a failed transaction survives');
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 2 * kept });
  // The seqs the callers were given are those that were committed.
  const given = outcomes.flatMap((o) => (o.status === 'fulfilled' && o.value ? [o.value.seq] : []));
  assert.deepEqual(given, entries.filter((e) => e.action === 'step').map((e) => e.seq));
});

test('a plain call issued while a batch is open does not land inside it', async (t) => {
  const { store } = await openTempStore(t);
  const boom = new Error('boom');
  let reads: Promise<unknown> | undefined;
  let writes: Promise<unknown> | undefined;
  const failed = store.transaction(async (tx) => {
    await tx.requests.insert(requestRecord({ id: 'uncommitted' }));
    // Issued by someone else while this transaction is open: they must neither see its writes
    // nor have their own writes rolled back with it.
    reads = store.requests.get('uncommitted');
    writes = store.requests.insert(requestRecord({ id: 'plain' }));
    await new Promise((resolve) => setImmediate(resolve));
    throw boom;
  });
  await assert.rejects(failed, boom);
  assert.equal(await reads, undefined);
  await writes;
  assert.equal((await store.requests.get('plain'))?.id, 'plain');
  assert.equal(await store.requests.get('uncommitted'), undefined);
});

test('a plain call that fails while queued fails alone', async (t) => {
  const { store } = await openTempStore(t);
  await store.requests.insert(requestRecord({ id: 'taken' }));
  const { release, done } = holdOpen(store);
  const duplicate = store.requests.insert(requestRecord({ id: 'taken' }));
  const fresh = store.requests.insert(requestRecord({ id: 'fresh' }));
  release();
  await done;
  await assert.rejects(duplicate, { code: 'request_exists' });
  await fresh;
  assert.equal(await store.requests.count(), 2);
});

test('a foreign key failing at COMMIT fails only the culprit; the rest of its batch commits', async (t) => {
  const { store } = await openTempStore(t, UNTIMED);
  const instance = (id: string) => ({ id, workflow: 'default', state: {}, status: 'running' as const, wake_at: null, updated_at: '2026-01-01T00:00:00.000Z' });
  const { release, done } = holdOpen(store, (tx) => tx.workflows.insert(instance('held')));
  const runs = new Map<string, number>();
  const transaction = (id: string, fn: (tx: Store) => Promise<void>) =>
    store.transaction(async (tx) => {
      runs.set(id, (runs.get(id) ?? 0) + 1);
      await fn(tx);
    });
  const results = await Promise.allSettled([
    transaction('w1', async (tx) => {
      await tx.workflows.insert(instance('w1'));
      await tx.inbox.append('w1', { n: 1 });
    }),
    // Deferred foreign key: the event's instance never exists, which only COMMIT notices.
    transaction('ghost', async (tx) => {
      await tx.inbox.append('ghost', { n: 2 });
      await tx.audit.append({ actor: 'x', action: 'ghost', subject: null, data: {} });
    }),
    transaction('w2', async (tx) => {
      await tx.workflows.insert(instance('w2'));
      await tx.audit.append({ actor: 'x', action: 'w2', subject: null, data: {} });
    }),
    (release(), done),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  assert.ok((results[1] as PromiseRejectedResult).reason instanceof StoreIntegrityError);
  assert.ok(await store.workflows.get('held'));
  assert.equal((await store.inbox.listPending('w1')).length, 1);
  assert.ok(await store.workflows.get('w2'));
  assert.deepEqual(await store.inbox.listPending('ghost'), []);
  assert.deepEqual((await store.audit.list()).map((e) => [e.seq, e.action]), [[1, 'w2']]);
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 1 });
  assert.equal(stats(store).commitFailures, 2); // the batch, then the culprit alone
  assert.deepEqual(Object.fromEntries(runs), { w1: 2, ghost: 2, w2: 2 }); // re-run one by one
});

test('close waits for queued transactions to commit', async (t) => {
  const { store, file } = await openTempStore(t);
  const pending = Array.from({ length: 20 }, (_, n) => store.transaction((tx) => tx.requests.insert(requestRecord({ id: `r${n}` }))));
  await store.close();
  await Promise.all(pending);
  assert.equal(readOnly(t, file).prepare('SELECT count(*) FROM requests').pluck().get(), 20);
});
