import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { AUDIT_ACTIONS, entryOfEvent, toAuditEvent } from './events.js';
import { hashAuditEntry } from './hash.js';

const SRC = new URL('..', import.meta.url).pathname;
const DOC = new URL('../../docs/audit-events.md', import.meta.url).pathname;

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.fake.ts')) out.push(path);
  }
  return out;
}

/** The actions the code writes: `action: 'x.y'`, `action: cond ? 'x.y' : 'x.z'`, and `request.${status}` (the final statuses). */
async function emittedActions(): Promise<Set<string>> {
  const actions = new Set<string>(['request.revoked', 'request.expired', 'request.denied', 'request.failed']);
  for (const file of await sourceFiles(SRC)) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/action: ([^,}\n]+)/g)) {
      for (const literal of match[1]!.matchAll(/'([a-z_]+(?:\.[a-z_]+)*)'/g)) {
        if (literal[1]!.includes('.') || literal[1] === 'notify') actions.add(literal[1]!);
      }
    }
  }
  return actions;
}

test('every action the code writes is in the published catalog and in docs/audit-events.md', async () => {
  const doc = await readFile(DOC, 'utf8');
  const emitted = await emittedActions();
  assert.ok(emitted.has('lease.granted') && emitted.has('login.failed'), 'the scan finds actions');
  for (const action of emitted) {
    assert.ok(AUDIT_ACTIONS[action], `${action} is missing from AUDIT_ACTIONS (src/audit/events.ts)`);
  }
  for (const action of Object.keys(AUDIT_ACTIONS)) assert.ok(doc.includes(`\`${action}\``), `${action} is missing from docs/audit-events.md`);
});

test('the envelope names the request of request events, and re-hashes to the entry hash', () => {
  const entry = { seq: 7, ts: '2026-01-01T00:00:00.000Z', actor: 'lease', action: 'lease.granted', subject: 'req_1', data: { provider: 'box' }, prev_hash: '0'.repeat(64), hash: '' };
  entry.hash = hashAuditEntry(entry.prev_hash, entry);
  const event = toAuditEvent(entry);
  assert.deepEqual(Object.keys(event), ['schema', 'seq', 'time', 'action', 'actor', 'request_id', 'subject', 'data', 'hash', 'prev_hash']);
  assert.equal(event.request_id, 'req_1');
  assert.equal(hashAuditEntry(event.prev_hash, entryOfEvent(event)), event.hash);
  assert.equal(toAuditEvent({ ...entry, action: 'sessions.revoked', subject: 'local:alice' }).request_id, null);
  assert.equal(toAuditEvent({ ...entry, action: 'login.succeeded', subject: null }).request_id, null);
});
