import type { Command } from 'commander';
import { DEFAULT_AGENT_PORT, startAgent } from '../../agent/index.js';
import { CliError } from '../errors.js';
import { printLine } from '../output.js';
import { leaseHome } from '../session-store.js';

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('run the local agent in the foreground: it holds the session vault for the CLI on 127.0.0.1 (SIGTERM stops it)')
    .option('--port <n>', `port on 127.0.0.1 (0 picks a free one)`, String(DEFAULT_AGENT_PORT))
    .action(async (opts: { port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be a port number, got "${opts.port}"`, 2);
      const home = leaseHome();
      const agent = await startAgent({ home, port, log: (line) => process.stderr.write(`lease agent: ${line}\n`) }).catch((err: unknown) => {
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
