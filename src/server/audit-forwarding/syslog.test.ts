import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ChainVerifier, entryOfEvent, type AuditEvent } from '../../audit/index.js';
import { silentLogger, systemClock } from '../../core/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import type { Store } from '../../store/index.js';
import { requireComponent } from '../../../test/support/require-component.js';
import { RSYSLOG_HOW_TO_GET, rsyslogHasTls, rsyslogd, startRsyslog, type Rsyslog } from '../../../test/support/rsyslog.js';
import { startAuditForwarding } from './index.js';
import { octetCounted, syslogMessage } from './syslog-sink.js';

async function append(store: Store, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) await store.audit.append({ actor: 'local:alice', action: 'request.created', subject: `req_${i}`, data: { i, note: 'ünïcode and "quotes"' } });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The events rsyslog wrote, checked for header fields, order from seq 1 and the hash chain. */
async function receivedChain(rsyslog: Rsyslog, count: number): Promise<AuditEvent[]> {
  const messages = await waitFor(`${count} messages`, async () => {
    const all = await rsyslog.messages();
    return new Set(all.map((m) => (JSON.parse(m.msg) as AuditEvent).seq)).size >= count ? all : undefined;
  });
  const verifier = new ChainVerifier();
  const events: AuditEvent[] = [];
  for (const m of messages) {
    assert.equal(m.appName, 'lease');
    const event = JSON.parse(m.msg) as AuditEvent;
    assert.equal(m.msgId, event.action);
    if (events.some((e) => e.seq === event.seq)) continue; // a re-sent batch
    assert.equal(verifier.check(entryOfEvent(event)), undefined, `seq ${event.seq}`);
    events.push(event);
  }
  assert.deepEqual(events.map((e) => e.seq), Array.from({ length: count }, (_, i) => i + 1));
  return events;
}

async function forward(t: TestContext, store: Store, forwarder: Record<string, unknown>) {
  const dir = await mkdtemp(join(tmpdir(), 'lease-syslog-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const forwarding = await startAuditForwarding({
    config: { audit: { forwarders: [forwarder as never], poll_interval: '60s', configDir: dir } },
    store,
    logger: silentLogger,
    clock: systemClock,
    dataDir: dir,
    version: '0.0.0-test',
  });
  t.after(() => forwarding!.stop());
  return forwarding!;
}

test('an RFC 5424 message is framed by its length in octets', () => {
  const message = syslogMessage({ time: '2026-01-01T00:00:00.000Z', action: 'login.failed', actor: 'é' }, { facility: 13, appName: 'lease', host: 'h 1', procId: '42' });
  assert.equal(message, '<110>1 2026-01-01T00:00:00.000Z h_1 lease 42 login.failed - {"time":"2026-01-01T00:00:00.000Z","action":"login.failed","actor":"é"}');
  const framed = octetCounted(message);
  assert.equal(framed.toString('utf8'), `${Buffer.byteLength(message)} ${message}`);
});

test('rsyslogd receives every entry over TCP, in order, with verifiable hashes', async (t) => {
  if (!requireComponent(t, 'rsyslogd', rsyslogd() !== undefined, RSYSLOG_HOW_TO_GET)) return;
  const rsyslog = await startRsyslog();
  t.after(() => rsyslog.cleanup());
  const { store } = await openTempStore(t);
  await append(store, 40);
  await forward(t, store, { type: 'syslog', address: `tcp://127.0.0.1:${rsyslog.port}`, batch_size: 15 });
  await append(store, 10, 41);
  const events = await receivedChain(rsyslog, 50);
  assert.equal(events[3]!.data.note, 'ünïcode and "quotes"');
});

test('a syslog receiver that is down gets everything, in order, once it is up', async (t) => {
  if (!requireComponent(t, 'rsyslogd', rsyslogd() !== undefined, RSYSLOG_HOW_TO_GET)) return;
  const rsyslog = await startRsyslog({ stopped: true });
  t.after(() => rsyslog.cleanup());
  const { store } = await openTempStore(t);
  await append(store, 20);
  const forwarding = await forward(t, store, { type: 'syslog', name: 'siem', address: `tcp://127.0.0.1:${rsyslog.port}` });
  const failing = await waitFor('the forwarder to fail', async () => {
    const [s] = await forwarding.status();
    return s!.state === 'failing' ? s : undefined;
  });
  assert.match(failing.last_error!, /unreachable: ECONNREFUSED/);
  assert.equal(failing.lag, 20);
  await rsyslog.start();
  await append(store, 5, 21);
  await receivedChain(rsyslog, 25);
  await waitFor('position 25', async () => ((await store.auditCursors.get('siem')) === 25 ? true : undefined));
});

test('syslog over TLS checks the receiver against the configured CA', async (t) => {
  if (!requireComponent(t, 'rsyslogd', rsyslogd() !== undefined, RSYSLOG_HOW_TO_GET)) return;
  if (!requireComponent(t, 'rsyslog TLS (rsyslog-gnutls)', rsyslogHasTls(), RSYSLOG_HOW_TO_GET)) return;
  const dir = await mkdtemp(join(tmpdir(), 'lease-syslog-tls-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=siem.test', '-keyout', 'server.key', '-out', 'server.csr');
  await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'ext.cnf'), 'subjectAltName=DNS:siem.test\n'));
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'server.pem');
  const rsyslog = await startRsyslog({ tls: { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'ca.pem') } });
  t.after(() => rsyslog.cleanup());
  const { store } = await openTempStore(t);
  await append(store, 12);
  await forward(t, store, { type: 'syslog', address: `tcp://127.0.0.1:${rsyslog.port}`, tls: { ca_file: join(dir, 'ca.pem'), server_name: 'siem.test' } });
  await receivedChain(rsyslog, 12);

  // A receiver whose certificate the configured CA did not sign is refused; nothing is sent.
  const { store: other } = await openTempStore(t);
  await append(other, 3);
  const untrusted = await forward(t, other, { name: 'untrusted', type: 'syslog', address: `tcp://127.0.0.1:${rsyslog.port}`, tls: true });
  const failing = await waitFor('a refused certificate', async () => {
    const [s] = await untrusted.status();
    return s!.state === 'failing' ? s : undefined;
  });
  assert.match(failing.last_error!, /SELF_SIGNED|UNABLE_TO_VERIFY|unable to (get|verify)/i);
});
