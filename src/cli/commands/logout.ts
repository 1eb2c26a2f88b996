import type { Command } from 'commander';
import { ApiClient } from '../client.js';
import { isExpired, sessionStore } from '../context.js';
import { CliError } from '../errors.js';
import { printLine } from '../output.js';

export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('end the session on the server and forget it here (default: the current server)')
    .option('--server <url>', 'the Lease server URL')
    .action(async (opts: { server?: string }) => {
      const store = await sessionStore();
      const session = await store.get(opts.server);
      if (!session) {
        printLine(`not logged in${opts.server ? ` to ${opts.server}` : ''}`);
        return;
      }
      // Ended on the server first, so the token stops working wherever a copy of it is; an
      // expired session needs nothing there. Forgotten here either way.
      let unended: string | undefined;
      if (!isExpired(session)) {
        await new ApiClient(session.server, session.token).post('/api/v1/auth/logout', {}).catch((err: unknown) => {
          unended = err instanceof Error ? err.message : String(err);
        });
      }
      await store.remove(session.server);
      if (unended !== undefined) {
        throw new CliError(`forgot the session for ${session.server} here, but could not end it on the server (${unended}); it stays valid there until ${session.expires_at}`);
      }
      printLine(`Logged out of ${session.server}`);
    });
}
