import type { Command } from 'commander';
import { findAgent } from '../../agent/agent-client.js';
import { ApiClient } from '../client.js';
import { sessionStore } from '../context.js';
import { CliError } from '../errors.js';
import { printError, printJson, printLine } from '../output.js';
import { leaseHome, normaliseServer, type StoredSession } from '../session-store.js';
import { readStdin } from '../stdin.js';
import { agentLogin } from './login-agent.js';
import { browserLogin } from './login-browser.js';
import { deviceLogin } from './login-device.js';

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
    .option('--device', 'log in from a host without a browser: print a URL and a code to confirm in any browser')
    .option('--json', 'print the session facts (never the token) as JSON')
    .action(async (opts: { server: string; provider: string; username?: string; passwordStdin?: boolean; browser: boolean; device?: boolean; json?: boolean }) => {
      const server = normaliseServer(opts.server); // a URL: main.ts checked --server
      const done = (facts: Pick<StoredSession, 'identity' | 'expires_at'>) => {
        if (opts.json) printJson({ server, provider: opts.provider, identity: facts.identity, expires_at: facts.expires_at });
        else printLine(`Logged in to ${server} as ${facts.identity.email ?? facts.identity.id} (until ${facts.expires_at})`);
      };
      // URLs and codes on lines of their own, for a person to open or a script to read; under
      // --json stdout is reserved for the one JSON document.
      const say = (line: string) => (opts.json ? printError(line) : printLine(line));
      const showLoginUrl = (url: string) => {
        printError('Open this URL in a browser to log in (waiting up to 5 minutes):');
        say(url);
      };
      // The session is stored only after the server accepted the login: a failure changes nothing.
      let session: LoginResponse;
      if (opts.device) {
        if (opts.username !== undefined || opts.passwordStdin) throw new CliError('--device is a browser login; it takes no --username or --password-stdin', 2);
        session = await deviceLogin({
          server,
          provider: opts.provider,
          show: (authorization) => {
            const minutes = Math.round(authorization.expires_in / 60);
            printError(`On any device, open this URL in a browser, check that it shows the code below, and log in (waiting up to ${minutes} minutes):`);
            say(authorization.verification_uri_complete);
            say(`Code: ${authorization.user_code}`);
            printError(`(or open ${authorization.verification_uri} and enter the code)`);
          },
        });
      } else if (opts.username === undefined && !opts.passwordStdin) {
        // A running agent hosts the callback and stores the session itself; the CLI never holds the token.
        const agent = await findAgent(leaseHome());
        const viaAgent = agent && (await agentLogin({ agent, server, provider: opts.provider, browser: opts.browser, show: showLoginUrl }));
        if (viaAgent) {
          done(viaAgent);
          return;
        }
        session = await browserLogin({ server, provider: opts.provider, browser: opts.browser, show: showLoginUrl });
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
      done(session);
    });
}
