import type { Command } from 'commander';
import { currentSession } from '../context.js';
import { printJson, printLine } from '../output.js';

export function registerWhoami(program: Command): void {
  program
    .command('whoami')
    .description('show who you are logged in as (an expired session says so: log in again)')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (opts: { server?: string; json?: boolean }) => {
      const session = await currentSession(opts.server);
      const facts = { ...session.identity, provider: session.provider, server: session.server, expires_at: session.expires_at };
      if (opts.json) printJson(facts);
      else printLine(`${facts.email ?? facts.id} via ${facts.provider} on ${facts.server} (until ${facts.expires_at})`);
    });
}
