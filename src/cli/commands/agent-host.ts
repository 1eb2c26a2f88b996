// `lease agent --host <id> ...`: the host agent, which runs the providers bound to this host
// (sudo) for the server: over the server channel (--server), or as a Temporal worker on the
// host's own task queue (--temporal-address; agent_transport: temporal). See src/agent/README.md,
// "Host agent", and src/providers/remote/README.md.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHostCredential, HOST_CREDENTIAL_FILE, HostCredentialRefused, readHostCredential, startHostAgent, startTemporalHostWorker, type RunningHostAgent } from '../../agent/host/index.js';
import { readPrivateFile } from '../../crypto/index.js';
import { DEFAULT_SUDOERS_DIR, HOST_ID_PATTERN } from '../../providers/index.js';
import { CliError } from '../errors.js';
import { printError, printLine } from '../output.js';
import { leaseHome } from '../session-store.js';

export interface HostAgentFlags {
  host: string;
  server?: string;
  credentialFile?: string;
  sudoersDir?: string;
  visudo?: string;
  newCredential?: boolean;
}

export interface TemporalHostFlags {
  temporalAddress?: string;
  temporalNamespace?: string;
  temporalApiKeyFile?: string;
  temporalTls?: boolean;
  temporalCaFile?: string;
  temporalCertFile?: string;
  temporalKeyFile?: string;
  payloadKeyFile?: string;
}

export async function runHostAgent(opts: HostAgentFlags & TemporalHostFlags): Promise<void> {
  if (!HOST_ID_PATTERN.test(opts.host)) throw new CliError(`--host must be a host id like laptop-42 (letters, digits, ".", "_", "-"), got "${opts.host}"`, 2);
  const credentialFile = opts.credentialFile ?? join(leaseHome(), HOST_CREDENTIAL_FILE);
  if (opts.newCredential) {
    const sha256 = await createHostCredential(credentialFile);
    printLine(`host credential written to ${credentialFile} (keep it there: only its hash goes to the server)`);
    printLine('server config, on each sudo provider of this host:');
    printLine(`  agent: ${opts.host}`);
    printLine(`  agent_credential_sha256: ${sha256}`);
    return;
  }
  const log = (line: string) => printError(`lease agent: ${line}`);
  const local = {
    sudoersDir: opts.sudoersDir ?? DEFAULT_SUDOERS_DIR,
    ...(opts.visudo !== undefined ? { visudo: opts.visudo === 'false' ? (false as const) : opts.visudo } : {}),
  };
  let agent: RunningHostAgent;
  if (opts.temporalAddress !== undefined) {
    if (opts.server !== undefined) throw new CliError('--server and --temporal-address are two transports: pass one (the provider config says which: agent_transport)', 2);
    agent = await startOnTemporal(opts, opts.temporalAddress, local, log);
    printLine(`lease agent running for host ${opts.host} (Temporal ${opts.temporalAddress}, sudoers in ${local.sudoersDir})`);
  } else {
    if (!opts.server) throw new CliError('--server URL (or --temporal-address) is required with --host (or --new-credential to make the credential)', 2);
    const credential = await readHostCredential(credentialFile);
    agent = startHostAgent({ host: opts.host, serverUrl: opts.server, credential, ...local, log });
    printLine(`lease agent running for host ${opts.host} (server ${new URL(opts.server).origin}, sudoers in ${local.sudoersDir})`);
  }
  const stop = () => void agent.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await agent.done;
  } catch (err) {
    if (err instanceof HostCredentialRefused) throw new CliError(err.message, 1);
    throw err;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  }
  printLine('lease agent stopped');
}

/** The host agent as a worker on Temporal task queue lease-host-<id>, with this host's payload key set only. */
async function startOnTemporal(
  opts: HostAgentFlags & TemporalHostFlags,
  address: string,
  local: { sudoersDir: string; visudo?: string | false },
  log: (line: string) => void,
): Promise<RunningHostAgent> {
  if (!opts.payloadKeyFile) throw new CliError("--payload-key-file is required with --temporal-address: this host's key set (the server's keys/host-<id>.jwk)", 2);
  if (!/^[^\s/]+:\d+$/.test(address)) throw new CliError(`--temporal-address must be HOST:PORT, got "${address}"`, 2);
  if (!opts.temporalCertFile !== !opts.temporalKeyFile) throw new CliError('--temporal-cert-file and --temporal-key-file go together (mTLS)', 2);
  const { PayloadKeys } = await import('../../workflow/runtime/temporal/index.js');
  const keys = await PayloadKeys.load(opts.payloadKeyFile, { create: false });
  let apiKey: string | undefined;
  if (opts.temporalApiKeyFile) {
    const file = opts.temporalApiKeyFile;
    apiKey = (await readPrivateFile(file, (mode) => new CliError(`${file} is readable by others (mode ${mode.toString(8)}); chmod 600 it`)))?.trim();
    if (!apiKey) throw new CliError(`no API key in ${file}`, 2);
  }
  const certificates = opts.temporalCaFile !== undefined || opts.temporalCertFile !== undefined;
  const tls = certificates
    ? {
        ...(opts.temporalCaFile ? { serverRootCACertificate: await readFile(opts.temporalCaFile) } : {}),
        ...(opts.temporalCertFile && opts.temporalKeyFile ? { clientCertPair: { crt: await readFile(opts.temporalCertFile), key: await readFile(opts.temporalKeyFile) } } : {}),
      }
    : opts.temporalTls === true || undefined;
  if (tls === undefined && !/^(127\.0\.0\.1|localhost|\[::1\]):/.test(address)) log(`warning: ${address} without TLS; use --temporal-tls or mTLS certificates`);
  const temporal = { address, namespace: opts.temporalNamespace ?? 'default', ...(tls !== undefined ? { tls } : {}), ...(apiKey !== undefined ? { apiKey } : {}) };
  return startTemporalHostWorker({ host: opts.host, temporal, keys, ...local, log });
}
