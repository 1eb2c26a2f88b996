// Audit forwarding through the real server: receivers that are down get everything when they are
// back, in order, with hashes that verify; a server killed (-9) in the middle of a delivery loses
// nothing after its restart (a batch may arrive twice: at least once).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainVerifier, entryOfEvent, type AuditEvent } from '../../src/audit/index.js';
import { leaseJson, runLease, startServer, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { requireComponent } from '../support/require-component.js';
import { RSYSLOG_HOW_TO_GET, rsyslogd, startRsyslog } from '../support/rsyslog.js';
import { registerTestSecret } from '../support/secrets.js';
import { apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

const HOOK_SECRET = 'e2e-audit-hook-secret-7f3a9c';
registerTestSecret(HOOK_SECRET);

interface StoredEntry {
  seq: number;
  hash: string;
}

/** A webhook receiver checking the signature; it can refuse (503) or hold requests unanswered. */
async function webhookReceiver() {
  const events: AuditEvent[] = [];
  const held: ServerResponse[] = [];
  const state = { mode: 'accept' as 'accept' | 'refuse' | 'hold', badSignatures: 0, heldBatches: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', HOOK_SECRET).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-lease-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        state.badSignatures += 1;
        res.writeHead(401).end();
        return;
      }
      if (state.mode === 'refuse') return void res.writeHead(503).end();
      if (state.mode === 'hold') {
        state.heldBatches += 1;
        held.push(res);
        return;
      }
      events.push(...(JSON.parse(raw.toString()) as { events: AuditEvent[] }).events);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    events,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The log as the server holds it (administrator bob). */
async function storedLog(deployment: Deployment): Promise<StoredEntry[]> {
  return leaseJson<StoredEntry[]>(['audit', '--json', '--limit', '1000'], { LEASE_HOME: deployment.home('bob') });
}

/** Every stored entry arrived, first copies in seq order, each hash re-computed and linked. */
function assertDelivered(received: AuditEvent[], stored: StoredEntry[]): void {
  const firsts: AuditEvent[] = [];
  const seen = new Set<number>();
  for (const event of received) {
    if (seen.has(event.seq)) continue;
    seen.add(event.seq);
    firsts.push(event);
  }
  const storedSeqs = stored.map((e) => e.seq);
  assert.deepEqual(firsts.map((e) => e.seq).slice(0, storedSeqs.length), storedSeqs, 'every entry, in order, none missing');
  const verifier = new ChainVerifier();
  for (const event of firsts) {
    assert.equal(event.schema, 'lease.audit.v1');
    assert.equal(verifier.check(entryOfEvent(event)), undefined, `seq ${event.seq} verifies`);
    const match = stored.find((e) => e.seq === event.seq);
    if (match) assert.equal(event.hash, match.hash);
  }
}

async function lastSeq(deployment: Deployment): Promise<number> {
  return (await storedLog(deployment)).at(-1)!.seq;
}

describe('audit forwarding', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('receivers that are down get every entry, in order and verifiable, once they are up', async (t) => {
    if (!requireComponent(t, 'rsyslogd', rsyslogd() !== undefined, RSYSLOG_HOW_TO_GET)) return;
    const deployment = await createDeployment();
    cleanups.push(deployment.cleanup);
    const hook = await webhookReceiver();
    cleanups.push(hook.close);
    hook.state.mode = 'refuse';
    const rsyslog = await startRsyslog({ stopped: true });
    cleanups.push(rsyslog.cleanup);
    await writeFiles(deployment.config, {
      'audit.yaml': `audit:
  forwarders:
    - { type: webhook, name: siem-hook, url: "${hook.url}", secret: "\${AUDIT_HOOK_SECRET}", batch_size: 5 }
    - { type: syslog, name: siem-syslog, address: "tcp://127.0.0.1:${rsyslog.port}" }
    - { type: file, path: audit/audit.jsonl }
  poll_interval: 1s
`,
    });
    const server = await startServer({ config: deployment.config, data: deployment.data, env: { AUDIT_HOOK_SECRET: HOOK_SECRET } });
    cleanups.push(() => server.stop());
    await loginAs(deployment, server.url, 'bob');
    await loginAs(deployment, server.url, 'alice');
    const request = await leaseJson<{ id: string; status: string }>(['request', '--role', 'debug', '--provider', 'box', '--duration', '1h', '--reason', 'forwarding test', '--wait', '--json'], { LEASE_HOME: deployment.home('alice') });
    assert.equal(request.status, 'active');
    for (let i = 0; i < 5; i++) await apiLogin(server.url, 'carol');

    // Both receivers are down: the lag shows, the file forwarder is not held back.
    const head = await lastSeq(deployment);
    const statuses = await waitUntil('both remote forwarders failing', async () => {
      const list = await leaseJson<Array<{ name: string; state: string; lag: number; position: number }>>(['audit', 'forwarders', '--json'], { LEASE_HOME: deployment.home('bob') });
      const byName = new Map(list.map((s) => [s.name, s]));
      return byName.get('siem-hook')?.state === 'failing' && byName.get('siem-syslog')?.state === 'failing' && byName.get('file-3')!.position >= head ? byName : undefined;
    });
    assert.ok(statuses.get('siem-hook')!.lag >= head);
    assert.equal(hook.events.length, 0);
    assert.match(server.output, /audit forwarder: delivery failed; will retry/);

    hook.state.mode = 'accept';
    await rsyslog.start();
    await apiLogin(server.url, 'carol');
    const stored = await storedLog(deployment);
    const all = stored.at(-1)!.seq;
    await waitUntil('the webhook to catch up', async () => (new Set(hook.events.map((e) => e.seq)).size >= all ? true : undefined), 90_000);
    assertDelivered(hook.events, stored);
    const viaSyslog = await waitUntil('rsyslog to catch up', async () => {
      const events = (await rsyslog.messages()).map((m) => JSON.parse(m.msg) as AuditEvent);
      return new Set(events.map((e) => e.seq)).size >= all ? events : undefined;
    }, 90_000);
    assertDelivered(viaSyslog, stored);
    const file = (await readFile(join(deployment.data, 'audit/audit.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
    assertDelivered(file, stored);
    assert.equal(hook.state.badSignatures, 0);
    // Every event names its actor; request events name their request.
    assert.ok(hook.events.every((e) => typeof e.actor === 'string' && e.actor !== ''));
    assert.ok(hook.events.filter((e) => e.action === 'lease.granted').every((e) => e.request_id === request.id));
  });

  it('a server killed (-9) in the middle of a delivery sends it again after its restart: nothing is lost', async () => {
    const deployment = await createDeployment();
    cleanups.push(deployment.cleanup);
    const hook = await webhookReceiver();
    cleanups.push(hook.close);
    hook.state.mode = 'hold';
    await writeFiles(deployment.config, {
      'audit.yaml': `audit:
  forwarders:
    - { type: webhook, url: "${hook.url}", secret: "\${AUDIT_HOOK_SECRET}", batch_size: 3, timeout: 5m }
`,
    });
    const env = { AUDIT_HOOK_SECRET: HOOK_SECRET };
    let server: ServerProcess = await startServer({ config: deployment.config, data: deployment.data, env });
    cleanups.push(() => server.stop());
    await loginAs(deployment, server.url, 'bob');
    for (let i = 0; i < 4; i++) await apiLogin(server.url, 'alice');
    // The first batch is at the receiver, unanswered: the server dies before it is acknowledged.
    await waitUntil('a batch held at the receiver', async () => (hook.state.heldBatches > 0 ? true : undefined));
    await server.crash();
    assert.equal(hook.events.length, 0);

    hook.state.mode = 'accept';
    server = await startServer({ config: deployment.config, data: deployment.data, env, port: Number(new URL(server.url).port) });
    await apiLogin(server.url, 'carol');
    const stored = await storedLog(deployment);
    await waitUntil('every entry delivered', async () => (new Set(hook.events.map((e) => e.seq)).size >= stored.at(-1)!.seq ? true : undefined), 90_000);
    assertDelivered(hook.events, stored);
    assert.equal(hook.events[0]!.seq, 1, 'the batch cut off by the crash is sent again');
    const verify = await runLease(['audit', '--verify'], { env: { LEASE_HOME: deployment.home('bob') } });
    assert.equal(verify.code, 0, verify.stderr + verify.stdout);
  });

  it('retention: an exported archive verifies offline; a prune keeps the rest verifiable from its signed checkpoint', async () => {
    const deployment = await createDeployment();
    cleanups.push(deployment.cleanup);
    const hook = await webhookReceiver();
    cleanups.push(hook.close);
    hook.state.mode = 'refuse';
    await writeFiles(deployment.config, {
      'audit.yaml': `audit:
  forwarders:
    - { type: file, path: audit.jsonl }
    - { type: webhook, name: siem, url: "${hook.url}", secret: "\${AUDIT_HOOK_SECRET}" }
  retention: { days: 90 }
`,
    });
    const server = await startServer({ config: deployment.config, data: deployment.data, env: { AUDIT_HOOK_SECRET: HOOK_SECRET } });
    cleanups.push(() => server.stop());
    const bob = { LEASE_HOME: deployment.home('bob') };
    await loginAs(deployment, server.url, 'bob');
    for (let i = 0; i < 6; i++) await apiLogin(server.url, 'alice');

    const archiveFile = join(deployment.root, 'audit-archive.jsonl');
    const exported = await runLease(['audit', 'export', '--out', archiveFile], { env: bob });
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /wrote .*audit-archive\.jsonl: \d+ entries \(seq 1–\d+\), signed by key /);
    const verified = await runLease(['audit', 'verify-archive', archiveFile], { env: bob });
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /archive intact/);
    const text = await readFile(archiveFile, 'utf8');
    await writeFile(archiveFile, text.replace('"action":"login.succeeded","actor":"local:alice"', '"action":"login.succeeded","actor":"local:mallory"'));
    const tampered = await runLease(['audit', 'verify-archive', archiveFile], { env: bob });
    assert.notEqual(tampered.code, 0);
    assert.match(tampered.stderr, /archive broken: hash of seq \d+ does not match its content/);

    // The webhook forwarder has delivered nothing: the prune keeps everything it still owes.
    const before = new Date(Date.now() + 60_000).toISOString();
    const held = await leaseJson<{ through_seq: number | null; held_by?: string }>(['audit', 'prune', '--before', before, '--json'], bob);
    assert.deepEqual(held, { through_seq: null, deleted: 0, held_by: 'forwarder' });
    hook.state.mode = 'accept';
    const head = await lastSeq(deployment);
    await waitUntil('the webhook to deliver', async () => (new Set(hook.events.map((e) => e.seq)).size >= head ? true : undefined), 90_000);
    await waitUntil('both forwarders at the head', async () => {
      const list = await leaseJson<Array<{ position: number }>>(['audit', 'forwarders', '--json'], bob);
      return list.every((f) => f.position >= head) ? true : undefined;
    });
    const pruned = await leaseJson<{ through_seq: number; deleted: number }>(['audit', 'prune', '--before', before, '--json'], bob);
    assert.ok(pruned.through_seq >= head - 1 && pruned.deleted === pruned.through_seq, JSON.stringify(pruned));
    const remaining = await storedLog(deployment);
    assert.equal(remaining[0]!.seq, pruned.through_seq + 1);
    const verify = await leaseJson<{ ok: boolean; from_seq: number }>(['audit', '--verify', '--json'], bob);
    assert.equal(verify.ok, true);
    assert.equal(verify.from_seq, pruned.through_seq);
    // The prune is itself in the log, and forwarded.
    await waitUntil('audit.pruned forwarded', async () => (hook.events.some((e) => e.action === 'audit.pruned') ? true : undefined), 90_000);
  });
});
