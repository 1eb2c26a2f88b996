import { realpathSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { printLine } from '../output.js';

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run the Lease server (API, workflows, revocation on time)')
    .option('--config <path>', 'config file or directory of *.yaml files (env LEASE_CONFIG)')
    .option('--data <dir>', 'data directory: SQLite store, keys (env LEASE_DATA)', undefined)
    .option('--port <n>', 'port to listen on; 0 picks a free one (env LEASE_PORT; default server.port, else 8080)')
    .option('--host <host>', 'address to listen on (env LEASE_HOST; default server.host, else 127.0.0.1)')
    .option('--url <url>', 'external base URL, for login callbacks (env LEASE_URL; default server.url, else http://127.0.0.1:<port>)')
    .action(async (opts: { config?: string; data?: string; port?: string; host?: string; url?: string }) => {
      const configPath = opts.config ?? process.env.LEASE_CONFIG;
      if (!configPath) throw new CliError('no configuration: pass --config PATH or set LEASE_CONFIG', 2);
      // Unset, the config's server.port and server.host apply (then 8080 on 127.0.0.1).
      const portText = opts.port ?? process.env.LEASE_PORT;
      const port = portText === undefined ? undefined : Number(portText);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new CliError(`--port must be a port number, got "${portText}"`, 2);
      const host = opts.host ?? process.env.LEASE_HOST;
      const url = opts.url ?? process.env.LEASE_URL;
      if (url !== undefined && url !== '' && !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(url)) throw new CliError(`--url must be an http(s) base URL, got "${url}"`, 2);
      // Loaded on demand: the server's dependencies would slow every other command's start.
      const { startLeaseServer } = await import('../../server/index.js');
      const running = await startLeaseServer({
        configPath,
        dataDir: opts.data ?? process.env.LEASE_DATA ?? '.lease',
        ...(port !== undefined ? { port } : {}),
        ...(host !== undefined ? { host } : {}),
        ...(url ? { url } : {}),
      });
      printLine(`Lease server listening on ${running.url}`);
      const motd = running.config.server?.motd;
      if (motd) for (const line of motd.trim().split('\n')) printLine(line.replaceAll('{url}', running.url).replaceAll('{lease}', leaseCommand()));
      const shutdown = (signal: NodeJS.Signals) => {
        if (shuttingDown) return;
        shuttingDown = true;
        running.logger.info({ signal }, 'shutting down');
        // A call or provider that never ends must not keep a stopped server from exiting.
        const force = setTimeout(() => {
          running.logger.warn({ limit_ms: STOP_LIMIT_MS }, `shutdown did not finish within ${STOP_LIMIT_MS / 1000} s: exiting now`);
          process.exit(1);
        }, STOP_LIMIT_MS);
        force.unref();
        void running.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            running.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      let shuttingDown = false;
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      // The outcome is logged and audited by the reload itself.
      process.on('SIGHUP', () => {
        if (shuttingDown) return;
        void running.reload().catch((err: unknown) => running.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload failed'));
      });
    });
}

/** How long a graceful shutdown may take before the process exits anyway (a supervisor's SIGKILL usually follows at 30 s). */
const STOP_LIMIT_MS = 10_000;

/**
 * How to run this same `lease` from the current directory, for the motd's `{lease}`: `lease` when
 * that is what the PATH finds first, else `node <this bin>`. Never `npx lease`: outside this
 * checkout that name is someone else's package.
 */
export function leaseCommand(bin = process.argv[1], path = process.env.PATH ?? '', cwd = process.cwd()): string {
  if (!bin) return 'lease';
  const first = path
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => realpath(join(dir, 'lease')))
    .find((found) => found !== undefined);
  if (first !== undefined && first === (realpath(bin) ?? bin)) return 'lease';
  const rel = relative(cwd, bin);
  const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? bin : rel;
  return `node ${/^[\w./@+-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`}`;
}

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
