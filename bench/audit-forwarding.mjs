// Audit forwarding throughput: a backlog of N audit entries (default 50,000) in a real SQLite
// store, delivered by one forwarder from position 0 until its stored position reaches the last
// entry — events/s including the store reads and position updates. File (fsync per batch) and
// syslog (a real rsyslogd on 127.0.0.1, TCP, octet counting), at two batch sizes.
//   npm run build && node bench/audit-forwarding.mjs [--events=50000]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const { openSqliteStore } = await import(join(ROOT, 'dist/store/index.js'));
const { startAuditForwarding } = await import(join(ROOT, 'dist/server/audit-forwarding/index.js'));
const { silentLogger, systemClock } = await import(join(ROOT, 'dist/core/index.js'));

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const EVENTS = arg('events', 50_000);
const RSYSLOGD = process.env.LEASE_RSYSLOGD ?? '/usr/sbin/rsyslogd';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A store holding EVENTS entries shaped like real ones (a grant: provider, role, identity, expiry). */
async function backlog(dir) {
  const store = await openSqliteStore({ file: join(dir, 'lease.db') });
  for (let done = 0; done < EVENTS; done += 500) {
    await store.transaction(async (tx) => {
      for (let i = done; i < Math.min(EVENTS, done + 500); i++) {
        await tx.audit.append({ actor: 'lease', action: 'lease.granted', subject: `req_${i}`, data: { provider: 'aws-prod', role: 'admin', identity: 'okta:alice@example.com', expires_at: '2026-03-01T10:00:00.000Z' } });
      }
    });
  }
  return store;
}

async function deliver(label, forwarder, dir) {
  const store = await backlog(dir);
  const start = performance.now();
  const forwarding = await startAuditForwarding({ config: { audit: { forwarders: [forwarder], configDir: dir } }, store, logger: silentLogger, clock: systemClock, dataDir: dir, version: 'bench' });
  const name = forwarder.name;
  for (;;) {
    const position = (await store.auditCursors.get(name)) ?? 0;
    if (position >= EVENTS) break;
    await sleep(5);
  }
  const seconds = (performance.now() - start) / 1000;
  await forwarding.stop();
  await store.close();
  console.log(`${label.padEnd(34)} ${String(EVENTS).padStart(7)} events in ${seconds.toFixed(2).padStart(6)} s  ${Math.round(EVENTS / seconds).toLocaleString('en-US').padStart(8)} events/s`);
}

async function startRsyslog(dir) {
  const port = await freePort();
  const out = join(dir, 'received.log');
  await writeFile(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imtcp")
template(name="raw" type="string" string="%msg%\\n")
input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="lease")
ruleset(name="lease") { action(type="omfile" file="${out}" template="raw") }
`,
  );
  const child = spawn(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'pid')], { stdio: 'ignore' });
  for (let i = 0; i < 600; i++) {
    const open = await new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) break;
    await sleep(50);
  }
  return { port, out, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))) };
}

console.log(`audit forwarding: a backlog of ${EVENTS} entries delivered from position 0 (node ${process.version})`);
for (const batch of [100, 1000]) {
  const dir = await mkdtemp(join(tmpdir(), 'lease-bench-fwd-'));
  await deliver(`file, batch ${batch} (fsync per batch)`, { type: 'file', name: 'file', path: 'audit.jsonl', batch_size: batch }, dir);
  await rm(dir, { recursive: true, force: true });
}
if (existsSync(RSYSLOGD)) {
  for (const batch of [100, 1000]) {
    const dir = await mkdtemp(join(tmpdir(), 'lease-bench-fwd-'));
    const rsyslog = await startRsyslog(dir);
    await deliver(`syslog to rsyslogd, batch ${batch}`, { type: 'syslog', name: 'syslog', address: `tcp://127.0.0.1:${rsyslog.port}`, batch_size: batch }, dir);
    // Sent is not yet written: wait until rsyslogd has written them all, and report that too.
    const start = performance.now();
    for (;;) {
      const text = await readFile(rsyslog.out, 'utf8').catch(() => '');
      if (text.split('\n').length - 1 >= EVENTS) break;
      await sleep(20);
    }
    console.log(`${''.padEnd(34)} rsyslogd had written them all ${((performance.now() - start) / 1000).toFixed(2)} s later`);
    await rsyslog.stop();
    await rm(dir, { recursive: true, force: true });
  }
} else {
  console.log(`syslog: skipped, ${RSYSLOGD} not found (Debian package rsyslog)`);
}
