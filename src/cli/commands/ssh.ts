// `lease ssh <id>`: an SSH certificate for your own active lease on an ssh provider, written as
// `<key>-cert.pub` next to your key, where ssh finds it by itself. `lease ssh ca <provider>`
// prints the CA public key hosts trust (TrustedUserCAKeys).
import { constants } from 'node:fs';
import { access, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { isSuccess, sendHttp } from '../../core/http-request.js';
import type { z } from 'zod';
import type { sshCertificateViewSchema } from '../../server/api/schemas.js';
import { authenticatedClient, currentSession } from '../context.js';
import { CliError } from '../errors.js';
import { printJson, printLine, terminalSafe } from '../output.js';
import { checkServerUrl } from '../server-url.js';

type SshCertificateView = z.infer<typeof sshCertificateViewSchema>;

/** ssh's own default identities, in the order `lease ssh` looks for one without --key. */
const DEFAULT_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function registerSsh(program: Command): void {
  const ssh = program
    .command('ssh')
    .description('get an SSH certificate for your active lease on an ssh provider: signs your public key, writes <key>-cert.pub next to it')
    .argument('<id>', 'the request id of your active lease')
    .option('--key <file>', 'your public key (or its private key file: <file>.pub is read); default ~/.ssh/id_ed25519.pub, id_ecdsa.pub, id_rsa.pub')
    .option('--json', 'print the certificate and its details as JSON instead of writing the file')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .action(async (id: string, opts: { key?: string; json?: boolean; server?: string }) => {
      const key = await publicKeyFile(opts.key);
      const publicKey = await readFile(key.publicFile, 'utf8');
      const { client } = await authenticatedClient(opts.server);
      const signed = await client.post<SshCertificateView>(`/api/v1/requests/${encodeURIComponent(id)}/ssh-certificate`, { public_key: publicKey.trim() });
      if (opts.json) {
        printJson(signed);
        return;
      }
      await writeCertificate(key.certificateFile, `${signed.certificate}\n`);
      printLine(`wrote ${terminalSafe(key.certificateFile)}`);
      printLine(`principals ${terminalSafe(signed.principals.join(', '))}; valid until ${signed.valid_before}; serial ${signed.serial}`);
      printLine(`connect: ssh -i ${terminalSafe(key.identityFile)} <principal>@<host>`);
    });
  ssh
    .command('ca <provider>')
    .description('print the CA public key of an ssh provider, for the hosts\' TrustedUserCAKeys file')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .action(async (provider: string, opts: { server?: string }) => {
      const server = opts.server !== undefined ? (checkServerUrl(opts.server, '--server'), opts.server) : (await currentSession()).server;
      const answer = await sendHttp(new URL(`/api/v1/providers/${encodeURIComponent(provider)}/ca`, server), { method: 'GET', headers: { accept: 'text/plain, application/json' } }).catch((err: Error) => {
        throw new CliError(`cannot reach ${server}: ${err.message}`);
      });
      if (!isSuccess(answer.status)) {
        let message = `HTTP ${answer.status}`;
        try {
          const error = (JSON.parse(answer.text) as { error?: { code?: string; message?: string } }).error;
          if (error?.message) message = `${error.message} [${error.code ?? answer.status}]`;
        } catch {
          // not JSON: keep the status
        }
        throw new CliError(message);
      }
      printLine(terminalSafe(answer.text.trim()));
    });
}

/** Which public key to send, and where its certificate goes: `<identity>-cert.pub`, as ssh looks for it. */
async function publicKeyFile(option: string | undefined): Promise<{ publicFile: string; identityFile: string; certificateFile: string }> {
  const candidates = option !== undefined ? [option] : DEFAULT_KEYS.map((name) => join(homedir(), '.ssh', `${name}.pub`));
  for (const candidate of candidates) {
    const publicFile = candidate.endsWith('.pub') ? candidate : `${candidate}.pub`;
    if (await exists(publicFile)) {
      const identityFile = publicFile.slice(0, -'.pub'.length);
      return { publicFile, identityFile, certificateFile: `${identityFile}-cert.pub` };
    }
  }
  throw new CliError(option !== undefined ? `no public key at ${option.endsWith('.pub') ? option : `${option}.pub`}` : 'no public key in ~/.ssh (id_ed25519.pub, id_ecdsa.pub, id_rsa.pub): make one with ssh-keygen -t ed25519, or pass --key');
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Replaces the certificate file atomically (an ssh starting meanwhile reads the old one or the new). */
async function writeCertificate(file: string, content: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}
