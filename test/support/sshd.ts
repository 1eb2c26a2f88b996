// A real OpenSSH server for one test: `sshd -f <own config> -D -e` on a free loopback port with
// a temporary host key, trusting one user CA (TrustedUserCAKeys) and loading one KRL
// (RevokedKeys, read again for every connection), with no authorized_keys, no passwords and no
// PAM. Stopped when the test ends. Needs root and the Debian package openssh-server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { requireComponent } from './require-component.js';
import { hasCommand, isRoot, run } from './system.js';

export const SSHD = '/usr/sbin/sshd';
export const HOW_TO_GET_SSHD = 'run the tests as root with the Debian packages openssh-server and openssh-client (apt-get install openssh-server openssh-client; `npm test` as root provisions them)';
/** A broken start fails within this; a healthy sshd listens in well under a second. */
const READY_TIMEOUT_MS = 60_000;

export const SSHD_COMPONENT = 'root with sshd, ssh, ssh-keygen and useradd';

/** Whether this machine can run the real-sshd tests. */
export function sshdAvailable(): boolean {
  return isRoot() && hasCommand('sshd') && hasCommand('ssh') && hasCommand('ssh-keygen') && hasCommand('useradd') && hasCommand('usermod');
}

/** True when the test may use a real sshd (and the ssh client); otherwise skipped, or failed under CI=true. */
export function requireSshd(t: TestContext): boolean {
  return requireComponent(t, SSHD_COMPONENT, sshdAvailable(), HOW_TO_GET_SSHD);
}

export interface Sshd {
  port: number;
  /** What sshd wrote (with -e, its log): which certificate it accepted or refused, and why. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts sshd; `onStop` registers its stop (a test's t.after, or a suite's cleanup list). */
export async function startSshd(onStop: (stop: () => Promise<void>) => void, args: { dir: string; trustedCaFile: string; revokedKeysFile: string }): Promise<Sshd> {
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
  const hostKey = join(args.dir, 'ssh_host_ed25519_key');
  const keygen = run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  if (keygen.status !== 0) throw new Error(`ssh-keygen (host key) failed: ${keygen.stderr}`);
  const port = await freePort();
  const config = join(args.dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(args.dir, 'sshd.pid')}`,
      `TrustedUserCAKeys ${args.trustedCaFile}`,
      `RevokedKeys ${args.revokedKeysFile}`,
      'AuthorizedKeysFile none',
      'AuthenticationMethods publickey',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  const child = spawn(SSHD, ['-f', config, '-D', '-e'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const sshd: Sshd = { port, output: () => output, stop: () => stop(child, exited) };
  onStop(() => sshd.stop());
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not listen within ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    const check = () => {
      if (/Server listening on 127\.0\.0\.1 port/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code} before listening:\n${output}`));
    });
  });
  return sshd;
}

/** A local account for one test that sshd lets in with a certificate: a shell, and `*` (no password, not locked). */
export function allowCertificateLogin(account: string): void {
  const res = run('usermod', ['-s', '/bin/sh', '-p', '*', account]);
  if (res.status !== 0) throw new Error(`usermod ${account} failed: ${res.stderr}`);
}

/** `ssh ... user@127.0.0.1 true` with the system client, the key and its certificate only. */
export function sshRun(args: { port: number; user: string; identityFile: string; certificateFile: string; command?: string }): { status: number | null; stdout: string; stderr: string } {
  return run('ssh', [
    '-F', '/dev/null',
    '-i', args.identityFile,
    '-o', `CertificateFile=${args.certificateFile}`,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'IdentityAgent=none',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'ConnectTimeout=30',
    '-o', 'LogLevel=ERROR',
    '-p', String(args.port),
    `${args.user}@127.0.0.1`,
    args.command ?? 'true',
  ]);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await exited;
}
