// A real rsyslogd (Debian package `rsyslog`; `rsyslog-gnutls` for TLS) receiving syslog over TCP
// on 127.0.0.1 — imtcp input, octet-counted framing recognised by rsyslog itself — and writing
// each message's APP-NAME, MSGID and MSG to a file the test reads. It runs in the foreground
// (-n) with its own config, work directory and pid file in a temp directory: no system paths.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { stopProcess } from './stop-process.js';

export const RSYSLOG_HOW_TO_GET = 'install the Debian package `rsyslog` (and `rsyslog-gnutls` for TLS): `node scripts/provision.mjs` as root does it, or set LEASE_RSYSLOGD';

/** The rsyslogd binary, or undefined. */
export function rsyslogd(): string | undefined {
  const candidate = process.env.LEASE_RSYSLOGD ?? '/usr/sbin/rsyslogd';
  return existsSync(candidate) ? candidate : undefined;
}

/** Whether rsyslog's TLS driver is installed (Debian `rsyslog-gnutls`). */
export function rsyslogHasTls(): boolean {
  return ['/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so', '/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so', '/usr/lib/rsyslog/lmnsd_gtls.so'].some((p) => existsSync(p));
}

export interface ReceivedSyslog {
  appName: string;
  msgId: string;
  msg: string;
}

export interface Rsyslog {
  port: number;
  /** Every message written so far, in arrival order. */
  messages(): Promise<ReceivedSyslog[]>;
  /** Stops rsyslogd (the port is refused until start()). */
  stop(): Promise<void>;
  /** Starts it again on the same port, appending to the same output. */
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

export interface RsyslogOptions {
  /** TLS with this server certificate and key (PEM files); anonymous clients. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Start stopped (a receiver that is down at first). */
  stopped?: boolean;
}

export async function startRsyslog(options: RsyslogOptions = {}): Promise<Rsyslog> {
  const binary = rsyslogd();
  if (!binary) throw new Error(`rsyslogd not found: ${RSYSLOG_HOW_TO_GET}`);
  const dir = await mkdtemp(join(tmpdir(), 'lease-rsyslog-'));
  const port = await freePort();
  const output = join(dir, 'received.log');
  const config = join(dir, 'rsyslog.conf');
  const tls = options.tls;
  await writeFile(
    config,
    [
      `global(workDirectory="${dir}" maxMessageSize="256k"${tls ? ` DefaultNetstreamDriverCAFile="${tls.caFile}" DefaultNetstreamDriverCertFile="${tls.certFile}" DefaultNetstreamDriverKeyFile="${tls.keyFile}"` : ''})`,
      tls ? 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")' : 'module(load="imtcp")',
      // One line per message: APP-NAME, MSGID, then MSG as received (JSON has no raw newlines).
      'template(name="leaseReceived" type="string" string="%app-name% %msgid% %msg%\\n")',
      `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="lease")`,
      `ruleset(name="lease") { action(type="omfile" file="${output}" template="leaseReceived") }`,
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  let log = '';
  const start = async () => {
    child = spawn(binary, ['-n', '-f', config, '-i', join(dir, 'rsyslogd.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const running = child;
    exited = new Promise((resolve) => running.once('exit', resolve));
    await waitListening(port, running, () => log);
  };
  const stop = async () => {
    if (child) await stopProcess(child, exited);
    child = undefined;
  };
  if (!options.stopped) await start();
  return {
    port,
    start,
    stop,
    async messages() {
      const text = await readFile(output, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [appName = '', msgId = '', ...rest] = line.split(' ');
          // rsyslog keeps the space that separates the structured data from MSG.
          return { appName, msgId, msg: rest.join(' ').trimStart() };
        });
    },
    async cleanup() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the port accepts connections; rejects with rsyslogd's output if it exits first. */
async function waitListening(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`rsyslogd exited with ${child.exitCode}:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`rsyslogd did not listen on ${port}:\n${output()}`);
}
