import type { Command } from 'commander';
import { isExpired, sessionStore } from '../context.js';
import { printJson, printTable } from '../output.js';

export function registerSessions(program: Command): void {
  program
    .command('sessions')
    .description('list the stored sessions, one per server (never their tokens)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const sessions = (await (await sessionStore()).list()).map((s) => ({
        server: s.server,
        provider: s.provider,
        email: s.identity.email ?? null,
        id: s.identity.id,
        expires_at: s.expires_at,
        expired: isExpired(s),
      }));
      if (opts.json) printJson(sessions);
      else
        printTable(
          ['SERVER', 'PROVIDER', 'IDENTITY', 'EXPIRES'],
          sessions.map((s) => [s.server, s.provider, s.email ?? s.id, s.expired ? `${s.expires_at} (expired; log in again)` : s.expires_at]),
        );
    });
}
