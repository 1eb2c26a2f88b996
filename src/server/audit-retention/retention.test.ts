import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildArchive, checkpointSignatureValid, GENESIS_HASH, toAuditEvent, verifyArchive } from '../../audit/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import type { Store } from '../../store/index.js';
import { loadCheckpointKey } from './checkpoint-key.js';
import { pruneAuditLog } from './retention.js';

const { privateKey } = generateKeyPairSync('ed25519');
const DAY = 24 * 60 * 60 * 1000;

async function appendDays(store: Store, clock: { advance(ms: number): void }, days: number): Promise<void> {
  for (let d = 0; d < days; d++) {
    await store.audit.append({ actor: 'local:alice', action: 'login.succeeded', subject: null, data: { day: d } });
    clock.advance(DAY);
  }
}

test('retention prunes entries older than the cut behind a signed checkpoint, and audits it', async (t) => {
  const { store, clock } = await openTempStore(t);
  await appendDays(store, clock, 10); // entries on days 0..9; now is day 10
  const result = await pruneAuditLog({ store, clock, key: privateKey, before: clock.now() - 3 * DAY, forwarders: [] });
  assert.deepEqual(result, { through_seq: 7, deleted: 7 });
  const checkpoint = (await store.audit.checkpoint())!;
  assert.equal(checkpoint.seq, 7);
  assert.ok(checkpointSignatureValid(checkpoint, createPublicKey(privateKey)));
  const remaining = await store.audit.list();
  assert.deepEqual(remaining.map((e) => e.seq), [8, 9, 10, 11]);
  assert.equal(remaining.at(-1)!.action, 'audit.pruned');
  assert.deepEqual(remaining.at(-1)!.data, { through_seq: 7, hash: checkpoint.hash, ts: checkpoint.ts, count: 7, key_id: checkpoint.key_id });
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 4, from_seq: 7 });
});

test('retention never prunes what a forwarder has not delivered, nor the last entry', async (t) => {
  const { store, clock } = await openTempStore(t);
  await appendDays(store, clock, 6);
  await store.auditCursors.advance('siem', 2);
  const held = await pruneAuditLog({ store, clock, key: privateKey, before: clock.now(), forwarders: ['siem', 'file-1'] });
  assert.deepEqual(held, { through_seq: null, deleted: 0, held_by: 'forwarder' }); // file-1 has delivered nothing
  await store.auditCursors.advance('file-1', 6);
  assert.deepEqual(await pruneAuditLog({ store, clock, key: privateKey, before: clock.now(), forwarders: ['siem', 'file-1'] }), { through_seq: 2, deleted: 2 });
  // Without forwarders everything before the cut may go, except the last entry.
  const head = (await store.audit.head())!;
  const all = await pruneAuditLog({ store, clock, key: privateKey, before: clock.now() + DAY, forwarders: [] });
  assert.equal(all.through_seq, head.seq - 1);
  assert.equal((await store.audit.verify()).ok, true);
});

test('an export archive verifies, and any change to it is found', async (t) => {
  const { store, clock } = await openTempStore(t);
  await appendDays(store, clock, 8);
  await pruneAuditLog({ store, clock, key: privateKey, before: clock.now() - 5 * DAY, forwarders: [] });
  const events = (await store.audit.list()).map(toAuditEvent);
  const checkpoint = await store.audit.checkpoint();
  const text = buildArchive(events, checkpoint!.hash, '2026-03-01T00:00:00.000Z', checkpoint, privateKey);
  const verdict = verifyArchive(text, createPublicKey(privateKey));
  assert.equal(verdict.ok, true, verdict.message);
  assert.equal(verdict.from_seq, 4);
  assert.equal(verdict.count, events.length);

  const lines = text.trimEnd().split('\n');
  const changed = [...lines];
  changed[2] = changed[2]!.replace('"day":4', '"day":40');
  assert.match(verifyArchive(changed.join('\n')).message!, /hash of seq 5 does not match/);
  assert.match(verifyArchive([...lines.slice(0, 2), ...lines.slice(3)].join('\n')).message!, /entries are missing/);
  assert.match(verifyArchive(lines.slice(0, -1).join('\n')).message!, /missing at the end/);
  const header = JSON.parse(lines[0]!) as { count: number };
  assert.match(verifyArchive([JSON.stringify({ ...header, count: header.count - 1 }), ...lines.slice(1, -1)].join('\n')).message!, /signature does not match/);
  const other = generateKeyPairSync('ed25519').privateKey;
  assert.match(verifyArchive(text, createPublicKey(other)).message!, /another key/);
  // An archive of a log that was never pruned starts at the genesis.
  const { store: fresh, clock: freshClock } = await openTempStore(t);
  await appendDays(fresh, freshClock, 2);
  assert.equal(verifyArchive(buildArchive((await fresh.audit.list()).map(toAuditEvent), GENESIS_HASH, 'x', null, privateKey)).ok, true);
});

test('the checkpoint key is made once, private to the owner, and read back the same', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-ckey-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const [a, b] = await Promise.all([loadCheckpointKey(dir), loadCheckpointKey(dir)]);
  assert.deepEqual(a.export({ type: 'pkcs8', format: 'der' }), b.export({ type: 'pkcs8', format: 'der' }));
  assert.equal((await stat(join(dir, 'keys', 'audit-checkpoint.pem'))).mode & 0o777, 0o600);
});
