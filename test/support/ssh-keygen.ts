// Keys and checks for the ssh provider's tests, with OpenSSH's own ssh-keygen: it makes the
// keys, and it is the judge of what Lease signs (`-L`) and revokes (`-Q`).
import type { TestContext } from 'node:test';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireComponent } from './require-component.js';
import { hasCommand, run } from './system.js';

export const HOW_TO_GET_SSH_KEYGEN = 'install the Debian package `openssh-client` (apt-get install openssh-client; `npm test` as root provisions openssh-server, which brings it)';

export function requireSshKeygen(t: TestContext): boolean {
  return requireComponent(t, 'ssh-keygen', hasCommand('ssh-keygen'), HOW_TO_GET_SSH_KEYGEN);
}

export async function tempDirFor(t: TestContext, prefix = 'lease-ssh-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A new key pair `<dir>/<name>` and `<dir>/<name>.pub`; returns the private key's path. */
export function makeKey(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519', passphrase = ''): string {
  const file = join(dir, name);
  const res = run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', passphrase, '-C', name, '-f', file]);
  if (res.status !== 0) throw new Error(`ssh-keygen -t ${type} failed: ${res.stderr}`);
  return file;
}

export interface CertificateFacts {
  type: string;
  keyId: string;
  serial: string;
  validFrom: string;
  validTo: string;
  principals: string[];
  criticalOptions: string[];
  extensions: string[];
  signingCa: string;
}

/** What `ssh-keygen -L` says of a certificate line. */
export async function describeCertificate(dir: string, certificate: string): Promise<CertificateFacts> {
  const file = join(dir, `cert-${Math.random().toString(36).slice(2)}-cert.pub`);
  await writeFile(file, `${certificate}\n`);
  const res = run('ssh-keygen', ['-L', '-f', file]);
  if (res.status !== 0) throw new Error(`ssh-keygen -L refused the certificate: ${res.stderr}`);
  const out = res.stdout;
  const field = (name: string) => new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(out)?.[1]?.trim() ?? '';
  const list = (name: string) => {
    const block = new RegExp(`^\\s*${name}: ?\\n((?:\\s{16}.*\\n?)*)`, 'm').exec(out)?.[1] ?? '';
    return block.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  };
  const valid = /^\s*Valid: from (\S+) to (\S+)$/m.exec(out);
  return {
    type: field('Type'),
    keyId: JSON.parse(field('Key ID') || '""') as string,
    serial: field('Serial'),
    validFrom: valid?.[1] ?? '',
    validTo: valid?.[2] ?? '',
    principals: list('Principals'),
    criticalOptions: list('Critical Options'),
    extensions: list('Extensions'),
    signingCa: field('Signing CA'),
  };
}

/** `ssh-keygen -Q -f krl cert`: true when the KRL revokes the certificate. */
export async function krlRevokes(dir: string, krlFile: string, certificate: string): Promise<boolean> {
  const file = join(dir, `q-${Math.random().toString(36).slice(2)}-cert.pub`);
  await writeFile(file, `${certificate}\n`);
  const res = run('ssh-keygen', ['-Q', '-f', krlFile, file]);
  if (res.status === 0) return false;
  if (/REVOKED/.test(res.stdout)) return true;
  throw new Error(`ssh-keygen -Q failed (${res.status}): ${res.stdout}${res.stderr}`);
}

/** `ssh-keygen -Q -l -f krl`: the KRL as OpenSSH reads it. */
export function listKrl(krlFile: string): string {
  const res = run('ssh-keygen', ['-Q', '-l', '-f', krlFile]);
  if (res.status !== 0) throw new Error(`ssh-keygen -Q -l refused the KRL: ${res.stderr}`);
  return res.stdout;
}

export function publicKeyOf(privateKeyFile: string): Promise<string> {
  return readFile(`${privateKeyFile}.pub`, 'utf8');
}
