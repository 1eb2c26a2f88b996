import type { Command } from 'commander';
import { DEFAULT_AGENT_PORT } from '../../agent/files.js';
import { CliError } from '../errors.js';
import { printError, printLine } from '../output.js';
import type { TemporalHostFlags } from './agent-host.js';
import { leaseHome } from '../session-store.js';

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run the local agent in the foreground: it holds the session vault for the CLI on 127.0.0.1 (SIGTERM stops it)')
    .option('--port <n>', `port on 127.0.0.1 (0 picks a free one)`, String(DEFAULT_AGENT_PORT))
    .option('--host <id>', 'run as the host agent of this host id instead: grants/revokes sudo here for the server (see src/agent/README.md)')
    .option('--server <url>', 'host agent: the Lease server (HTTPS)')
    .option('--credential-file <path>', 'host agent: the host credential (default $LEASE_HOME/host.credential, mode 0600)')
    .option('--new-credential', 'host agent: create the credential file and print the hash for the server config, then exit')
    .option('--sudoers-dir <dir>', 'host agent: the sudoers drop-in directory (default /etc/sudoers.d)')
    .option('--visudo <path>', 'host agent: visudo to check rules with ("false" skips the check)')
    .option('--temporal-address <host:port>', 'host agent: take tasks from Temporal (task queue lease-host-<id>) instead of the server (agent_transport: temporal)')
    .option('--temporal-namespace <ns>', 'host agent on Temporal: the namespace', 'default')
    .option('--temporal-api-key-file <path>', 'host agent on Temporal: a file holding the namespace API key (mode 0600)')
    .option('--temporal-tls', 'host agent on Temporal: connect with TLS (implied by the --temporal-*-file certificate flags)')
    .option('--temporal-ca-file <path>', 'host agent on Temporal: CA certificate of the frontend')
    .option('--temporal-cert-file <path>', 'host agent on Temporal: client certificate (mTLS), with --temporal-key-file')
    .option('--temporal-key-file <path>', 'host agent on Temporal: client key (mTLS)')
    .option('--payload-key-file <path>', "host agent on Temporal: this host's payload key set (the server's keys/host-<id>.jwk, mode 0600)")
    .action(async (opts: { port: string; host?: string; server?: string; credentialFile?: string; newCredential?: boolean; sudoersDir?: string; visudo?: string } & TemporalHostFlags) => {
      if (opts.host !== undefined) {
        // Loaded on demand: the host agent's providers and Temporal client would slow every other command's start.
        const { runHostAgent } = await import('./agent-host.js');
        return runHostAgent({ ...opts, host: opts.host });
      }
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number, got "${opts.port}"`, 2);
      const home = leaseHome();
      const { startAgent } = await import('../../agent/daemon.js');
      const agent = await startAgent({ home, port, log: (line) => printError(`lease agent: ${line}`) }).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new CliError(`port ${port} on 127.0.0.1 is in use (another lease agent?); pick one with --port`);
        throw err;
      });
      printLine(`lease agent listening on ${agent.url} (sessions in ${home})`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          void agent.close().then(resolve, resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      printLine('lease agent stopped');
    });
}
