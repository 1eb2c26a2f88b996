// `lease agent --host <id> ...`: the host agent, which runs the providers bound to this host
// (sudo) for the server. See src/agent/README.md, "Host agent".
import { join } from 'node:path';
import { createHostCredential, HOST_CREDENTIAL_FILE, HostCredentialRefused, readHostCredential, startHostAgent } from '../../agent/host/index.js';
import { DEFAULT_SUDOERS_DIR, HOST_ID_PATTERN } from '../../providers/index.js';
import { CliError } from '../errors.js';
import { printLine } from '../output.js';
import { leaseHome } from '../session-store.js';

export interface HostAgentFlags {
  host: string;
  server?: string;
  credentialFile?: string;
  sudoersDir?: string;
  visudo?: string;
  newCredential?: boolean;
}

export async function runHostAgent(opts: HostAgentFlags): Promise<void> {
  if (!HOST_ID_PATTERN.test(opts.host)) throw new CliError(`--host must be a host id like laptop-42 (letters, digits, ".", "_", "-"), got "${opts.host}"`, 2);
  const credentialFile = opts.credentialFile ?? join(leaseHome(), HOST_CREDENTIAL_FILE);
  if (opts.newCredential) {
    const sha256 = await createHostCredential(credentialFile);
    printLine(`host credential written to ${credentialFile} (keep it there: only its hash goes to the server)`);
    printLine(`server config, on each sudo provider of this host:\n  agent: ${opts.host}\n  agent_credential_sha256: ${sha256}`);
    return;
  }
  if (!opts.server) throw new CliError('--server URL is required with --host (or --new-credential to make the credential)', 2);
  const credential = await readHostCredential(credentialFile);
  const log = (line: string) => process.stderr.write(`lease agent: ${line}\n`);
  const agent = startHostAgent({
    host: opts.host,
    serverUrl: opts.server,
    credential,
    sudoersDir: opts.sudoersDir ?? DEFAULT_SUDOERS_DIR,
    ...(opts.visudo !== undefined ? { visudo: opts.visudo === 'false' ? false : opts.visudo } : {}),
    log,
  });
  printLine(`lease agent running for host ${opts.host} (server ${new URL(opts.server).origin}, sudoers in ${opts.sudoersDir ?? DEFAULT_SUDOERS_DIR})`);
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
