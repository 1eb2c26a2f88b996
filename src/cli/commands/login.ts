import type { Command } from 'commander';
import { ApiClient } from '../client.js';
import { sessionStore } from '../context.js';
import { CliError } from '../errors.js';
import { printJson, printLine } from '../output.js';
import { normaliseServer, type StoredSession } from '../session-store.js';
import { readStdin } from '../stdin.js';
import { browserLogin } from './login-browser.js';

interface LoginResponse {
  token: string;
  expires_at: string;
  identity: StoredSession['identity'];
}

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('log in to a Lease server and store the session under $LEASE_HOME (a browser login unless --username is given)')
    .requiredOption('--server <url>', 'the Lease server URL')
    .requiredOption('--provider <id>', 'identity provider id (e.g. local, corp)')
    .option('--username <name>', 'username for a local provider')
    .option('--password-stdin', 'read the password from stdin')
    .option('--no-browser', 'browser login: only print the login URL, do not open a browser')
    .option('--json', 'print the session facts (never the token) as JSON')
    .action(async (opts: { server: string; provider: string; username?: string; passwordStdin?: boolean; browser: boolean; json?: boolean }) => {
      let server: string;
      try {
        server = normaliseServer(opts.server);
      } catch {
        throw new CliError(`--server must be a URL, got "${opts.server}"`, 2);
      }
      // The session is stored only after the server accepted the login: a failure changes nothing.
      let session: LoginResponse;
      if (opts.username === undefined && !opts.passwordStdin) {
        session = await browserLogin({
          server,
          provider: opts.provider,
          browser: opts.browser,
          // The URL on a line of its own, for a person to open or a script to read; under --json
          // stdout is reserved for the one JSON document.
          show: (url) => {
            process.stderr.write('Open this URL in a browser to log in (waiting up to 5 minutes):\n');
            if (opts.json) process.stderr.write(`${url}\n`);
            else printLine(url);
          },
        });
      } else {
        if (!opts.username) throw new CliError('--username is required for password login', 2);
        if (!opts.passwordStdin) throw new CliError('pass the password on stdin with --password-stdin (it is never taken as an argument)', 2);
        const password = (await readStdin()).replace(/\r?\n$/, '');
        if (password === '') throw new CliError('no password on stdin', 2);
        session = await new ApiClient(server).post<LoginResponse>(`/api/v1/auth/${encodeURIComponent(opts.provider)}/login`, {
          username: opts.username,
          password,
        });
      }
      await (await sessionStore()).put({ server, provider: opts.provider, token: session.token, expires_at: session.expires_at, identity: session.identity });
      if (opts.json) printJson({ server, provider: opts.provider, identity: session.identity, expires_at: session.expires_at });
      else printLine(`Logged in to ${server} as ${session.identity.email ?? session.identity.id} (until ${session.expires_at})`);
    });
}
