import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { printLine } from '../output.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a Temporal worker for Lease workflows (server.engine: temporal)')
    .option('--config <path>', 'config file or directory (env LEASE_CONFIG)')
    .option('--data <dir>', 'data directory shared with the server (env LEASE_DATA)')
    .action(async (opts: { config?: string; data?: string }) => {
      const configPath = opts.config ?? process.env.LEASE_CONFIG;
      if (!configPath) throw new CliError('no configuration: pass --config PATH or set LEASE_CONFIG', 2);
      const { openLeaseCore, startTemporalWorker, connectTemporalClient } = await import('../../server/index.js');
      const core = await openLeaseCore({ configPath, dataDir: opts.data ?? process.env.LEASE_DATA ?? '.lease', role: 'worker' });
      if (core.config.server?.engine !== 'temporal') {
        await core.store.close();
        throw new CliError('lease worker needs server.engine: temporal in the configuration', 2);
      }
      // A client too: an applied extension tells the extended lease's workflow.
      const client = await connectTemporalClient(core);
      core.requests.attach(client);
      const worker = await startTemporalWorker(core);
      printLine('Lease worker running');
      const shutdown = () => {
        void worker
          .stop()
          .then(() => client.stop())
          .then(() => core.temporalHosts?.close())
          .then(() => core.store.close())
          .then(() => core.tracing.shutdown())
          .then(() => process.exit(0));
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
}
