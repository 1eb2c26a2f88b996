import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { soleProcessDuties, sqliteDutyLocks } from './duty-locks.js';

test('on a SQLite store a duty is held by one process at a time, and is free again once released', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-duty-locks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'lease.db');
  const a = sqliteDutyLocks(file);
  const b = sqliteDutyLocks(file);
  t.after(async () => {
    await a.close();
    await b.close();
  });
  const held = await a.tryHold('audit-forwarder:siem');
  assert.ok(held?.held);
  assert.equal(await b.tryHold('audit-forwarder:siem'), undefined);
  assert.ok((await b.tryHold('reconciler'))?.held, 'other duties are independent');
  await held.release();
  assert.equal(held.held, false);
  assert.ok((await b.tryHold('audit-forwarder:siem'))?.held);
});

test('closing the locks releases every duty they hold', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-duty-locks-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'lease.db');
  const a = sqliteDutyLocks(file);
  const b = sqliteDutyLocks(file);
  t.after(() => b.close());
  assert.ok(await a.tryHold('reconciler'));
  await a.close();
  assert.ok((await b.tryHold('reconciler'))?.held);
});

test('a process alone on its store (the embedded engine) holds every duty', async () => {
  assert.ok((await soleProcessDuties.tryHold('reconciler'))?.held);
  assert.ok((await soleProcessDuties.tryHold('reconciler'))?.held);
});
