import type { Command } from 'commander';
import { authenticatedClient, isExpired, sessionStore } from '../context.js';
import { CliError } from '../errors.js';
import { printJson, printLine, printTable } from '../output.js';

interface SessionsEnded {
  provider: string;
  user: string;
  ended_before: string;
}

export function registerSessions(program: Command): void {
  const sessions = program
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

  sessions
    .command('revoke')
    .description("end every session of a user on the server (administrators); the user's next login works")
    .requiredOption('--user <provider:user>', 'the identity: <identity provider>:<user id>, or the user id with --provider')
    .option('--provider <id>', 'the identity provider of --user')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the answer as JSON')
    .action(async (_opts: unknown, command: Command) => {
      // `--json` after `revoke` is read by `sessions` itself (it has one too): take either.
      const opts = command.optsWithGlobals<{ user: string; provider?: string; server?: string; json?: boolean }>();
      const identity = identityOf(opts.user, opts.provider);
      const { client } = await authenticatedClient(opts.server);
      const ended = await client.post<SessionsEnded>('/api/v1/sessions/revoke', identity);
      if (opts.json) printJson(ended);
      else printLine(`Ended every session of ${ended.provider}:${ended.user} issued until ${ended.ended_before}; they must log in again.`);
    });
}

/** `--user corp:u-123`, or `--user u-123 --provider corp` (then the id may itself hold a colon). */
function identityOf(user: string, provider: string | undefined): { provider: string; user: string } {
  if (provider !== undefined) return { provider, user };
  const colon = user.indexOf(':');
  if (colon <= 0 || colon === user.length - 1) {
    throw new CliError(`--user ${JSON.stringify(user)}: name the identity provider, as --user <provider>:<user> or with --provider <id>`, 2);
  }
  return { provider: user.slice(0, colon), user: user.slice(colon + 1) };
}
