import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ChainVerifier, entryOfEvent, hashAuditEntry, type AuditEvent } from '../../audit/index.js';
import { silentLogger, systemClock } from '../../core/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import type { Store } from '../../store/index.js';
import { startAuditForwarding, type AuditForwarding } from './index.js';

const SECRET = 'audit-hook-secret-0123456789';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-fwd-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function append(store: Store, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) await store.audit.append({ actor: 'local:alice', action: 'request.created', subject: `req_${i}`, data: { i } });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every event in order from seq 1, each re-hashed and linked to the one before. */
function assertVerifiableChain(events: AuditEvent[], count: number): void {
  const seqs = [...new Set(events.map((e) => e.seq))];
  assert.deepEqual(seqs, Array.from({ length: count }, (_, i) => i + 1));
  const verifier = new ChainVerifier();
  const seen = new Set<number>();
  for (const event of events) {
    if (seen.has(event.seq)) continue; // at least once: a re-sent batch repeats entries
    seen.add(event.seq);
    assert.equal(event.schema, 'lease.audit.v1');
    assert.equal(hashAuditEntry(event.prev_hash, entryOfEvent(event)), event.hash);
    assert.equal(verifier.check(entryOfEvent(event)), undefined);
  }
}

/** A real HTTP receiver that checks the signature and can be told to fail. */
async function webhookReceiver(t: TestContext) {
  const received: AuditEvent[] = [];
  const state = { failWith: 0, badSignatures: 0, batches: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-lease-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        state.badSignatures += 1;
        res.writeHead(401).end();
        return;
      }
      if (state.failWith) {
        res.writeHead(state.failWith).end();
        return;
      }
      const body = JSON.parse(raw.toString()) as { schema: string; sent_at: string; events: AuditEvent[] };
      assert.equal(body.schema, 'lease.audit.batch.v1');
      assert.ok(Math.abs(Date.parse(body.sent_at) / 1000 - Number(req.headers['x-lease-timestamp'])) < 1);
      state.batches += 1;
      received.push(...body.events);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/hook`, received, state, server };
}

async function start(t: TestContext, store: Store, dataDir: string, forwarders: NonNullable<Parameters<typeof startAuditForwarding>[0]['config']['audit']['forwarders']>): Promise<AuditForwarding> {
  const forwarding = await startAuditForwarding({
    config: { audit: { forwarders, poll_interval: '60s', configDir: dataDir } },
    store,
    logger: silentLogger,
    clock: systemClock,
    dataDir,
    version: '0.0.0-test',
  });
  assert.ok(forwarding);
  t.after(() => forwarding.stop());
  return forwarding;
}

test('the file forwarder writes every entry as a JSON line, in order, with verifiable hashes', async (t) => {
  const { store } = await openTempStore(t);
  const dir = await tempDir(t);
  await append(store, 30);
  const forwarding = await start(t, store, dir, [{ type: 'file', path: 'audit/audit.jsonl', batch_size: 7 }]);
  // Entries appended after start arrive through the append notification (the poll is 60 s).
  await append(store, 20, 31);
  const lines = await waitFor('50 lines', async () => {
    const text = await readFile(join(dir, 'audit/audit.jsonl'), 'utf8').catch(() => '');
    const events = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
    return events.length >= 50 ? events : undefined;
  });
  assertVerifiableChain(lines, 50);
  assert.equal(lines[0]!.request_id, 'req_1');
  assert.equal(lines[0]!.actor, 'local:alice');
  const [status] = await waitFor('position 50', async () => {
    const s = await forwarding.status();
    return s[0]!.position === 50 ? s : undefined;
  });
  assert.deepEqual({ ...status, last_delivered_at: undefined }, { name: 'file-1', type: 'file', position: 50, head: 50, lag: 0, state: 'ok', delivered: 50, last_delivered_at: undefined });
});

test('the file forwarder rotates by size and keeps the configured number of files', async (t) => {
  const { store } = await openTempStore(t);
  const dir = await tempDir(t);
  await append(store, 60);
  await start(t, store, dir, [{ type: 'file', path: 'audit.jsonl', batch_size: 5, max_bytes: 2048, keep: 2 }]);
  await waitFor('all delivered', async () => ((await store.auditCursors.get('file-1')) === 60 ? true : undefined));
  const files = (await readdir(dir)).filter((f) => f.startsWith('audit.jsonl')).sort();
  assert.deepEqual(files, ['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
  const seqsOf = async (f: string) => (await readFile(join(dir, f), 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as AuditEvent).seq);
  const [oldest, older, current] = [await seqsOf('audit.jsonl.2'), await seqsOf('audit.jsonl.1'), await seqsOf('audit.jsonl')];
  for (const f of files) assert.ok((await readFile(join(dir, f))).length <= 2048);
  // The newest files continue each other: .2 then .1 then the current file, ending at 60.
  assert.equal(older[0], oldest.at(-1)! + 1);
  assert.equal(current[0], older.at(-1)! + 1);
  assert.equal(current.at(-1), 60);
});

test('a line cut short by a crash is replaced by the whole batch when delivery resumes', async (t) => {
  const { store } = await openTempStore(t);
  const dir = await tempDir(t);
  await append(store, 3);
  await writeFile(join(dir, 'audit.jsonl'), '{"schema":"lease.audit.v1","seq":1,"ti');
  await start(t, store, dir, [{ type: 'file', path: 'audit.jsonl' }]);
  await waitFor('delivered', async () => ((await store.auditCursors.get('file-1')) === 3 ? true : undefined));
  const events = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
  assertVerifiableChain(events, 3);
});

test('the webhook forwarder signs each batch; a receiver that fails gets everything, in order, once it recovers', async (t) => {
  const { store } = await openTempStore(t);
  const dir = await tempDir(t);
  const receiver = await webhookReceiver(t);
  receiver.state.failWith = 503;
  await append(store, 25);
  const forwarding = await start(t, store, dir, [{ type: 'webhook', name: 'siem', url: receiver.url, secret: SECRET, batch_size: 10 }]);
  const failing = await waitFor('a failing status', async () => {
    const [s] = await forwarding.status();
    return s!.state === 'failing' ? s : undefined;
  });
  assert.equal(failing.lag, 25);
  assert.match(failing.last_error!, /answered 503/);
  assert.ok(!failing.last_error!.includes(SECRET));
  assert.equal(receiver.received.length, 0);
  receiver.state.failWith = 0;
  await append(store, 5, 26);
  await waitFor('30 events', () => (receiver.received.length >= 30 ? true : undefined));
  assertVerifiableChain(receiver.received, 30);
  assert.equal(receiver.state.badSignatures, 0);
  // The position moves once the receiver's answer is in.
  await waitFor('position 30', async () => ((await store.auditCursors.get('siem')) === 30 ? true : undefined));
});

test('a failing forwarder does not hold back another one', async (t) => {
  const { store } = await openTempStore(t);
  const dir = await tempDir(t);
  await append(store, 10);
  await start(t, store, dir, [
    { type: 'webhook', url: 'http://127.0.0.1:1/unreachable', secret: SECRET },
    { type: 'file', path: 'audit.jsonl' },
  ]);
  await waitFor('the file forwarder to deliver', async () => ((await store.auditCursors.get('file-2')) === 10 ? true : undefined));
  assert.equal(await store.auditCursors.get('webhook-1'), null);
});

test('the webhook forwarder resumes from its stored position after a restart', async (t) => {
  const { store } = await openTempStore(t);
  const dir = await tempDir(t);
  const receiver = await webhookReceiver(t);
  await append(store, 10);
  const first = await start(t, store, dir, [{ type: 'webhook', name: 'siem', url: receiver.url, secret: SECRET }]);
  await waitFor('10 events', () => (receiver.received.length >= 10 ? true : undefined));
  await first.stop();
  await append(store, 10, 11);
  await start(t, store, dir, [{ type: 'webhook', name: 'siem', url: receiver.url, secret: SECRET }]);
  await waitFor('20 events', () => (receiver.received.length >= 20 ? true : undefined));
  assert.deepEqual(receiver.received.map((e) => e.seq), Array.from({ length: 20 }, (_, i) => i + 1));
});
