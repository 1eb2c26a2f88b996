import type { Command } from 'commander';
import { sessionStore } from '../context.js';
import { printLine } from '../output.js';

export function registerLogout(program: Command): void {
  program
    .command('logout')
    .description('forget the stored session for a server (default: the current one)')
    .option('--server <url>', 'the Lease server URL')
    .action(async (opts: { server?: string }) => {
      const store = await sessionStore();
      const session = await store.get(opts.server);
      if (!session) {
        printLine(`not logged in${opts.server ? ` to ${opts.server}` : ''}`);
        return;
      }
      await store.remove(session.server);
      printLine(`Logged out of ${session.server}`);
    });
}
