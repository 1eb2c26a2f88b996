// `lease login` through a browser (OIDC): a one-shot listener on 127.0.0.1 receives the server's
// redirect with a one-time code, which the CLI trades for the session. The listener accepts
// one GET /callback and nothing else; the code is useless without this login's attempt id.
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../client.js';
import { CliError } from '../errors.js';
import type { StoredSession } from '../session-store.js';

/** How long the CLI waits for the browser to come back. */
export const BROWSER_LOGIN_TIMEOUT_MS = 5 * 60_000;
const CALLBACK_PATH = '/callback';

export interface BrowserLoginResult {
  token: string;
  expires_at: string;
  identity: StoredSession['identity'];
}

/** What the callback received: the code, or the server's error word. */
type CallbackOutcome = { code: string } | { error: string };

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>`;

/** Listens on 127.0.0.1 (random port) for one callback; `outcome` settles when it arrives. */
async function listenForCallback(): Promise<{ redirect: string; outcome: Promise<CallbackOutcome>; close: () => void }> {
  let settle!: (outcome: CallbackOutcome) => void;
  const outcome = new Promise<CallbackOutcome>((resolve) => (settle = resolve));
  let done = false;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH || done) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (code === null && error === null) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('missing code\n');
      return;
    }
    done = true;
    const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', connection: 'close' };
    if (code !== null) {
      res.writeHead(200, headers).end(PAGE('Logged in', 'You can close this window and return to the terminal.'));
      settle({ code });
    } else {
      res.writeHead(200, headers).end(PAGE('Login failed', 'Lease could not log you in; see the terminal.'));
      settle({ error: (error as string).replace(/[^a-z_]/g, '').slice(0, 64) || 'login_failed' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirect: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
    outcome,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

/** Best effort: the URL is printed anyway, so a missing opener changes nothing. */
export function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no opener on this machine: the printed URL is the way
  }
}

export async function browserLogin(options: {
  server: string;
  provider: string;
  browser: boolean;
  /** Shows the login URL (stdout by default; stderr under --json). */
  show: (loginUrl: string) => void;
  timeoutMs?: number;
}): Promise<BrowserLoginResult> {
  const client = new ApiClient(options.server);
  const path = `/api/v1/auth/${encodeURIComponent(options.provider)}`;
  const listener = await listenForCallback();
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = await client.post<{ login_url: string; attempt: string }>(`${path}/start`, { redirect: listener.redirect }).catch((err: unknown) => {
      if (err instanceof CliError && err.code === 'identity_provider_not_found') {
        throw new CliError(`${err.message}; for a password login pass --username U --password-stdin`, err.exitCode, err.code);
      }
      throw err;
    });
    options.show(started.login_url);
    if (options.browser) openBrowser(started.login_url);
    const timeoutMs = options.timeoutMs ?? BROWSER_LOGIN_TIMEOUT_MS;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new CliError(`no login within ${Math.round(timeoutMs / 60_000)} minutes; run lease login again`, 1, 'login_timeout')), timeoutMs);
    });
    const outcome = await Promise.race([listener.outcome, timedOut]);
    if ('error' in outcome) throw new CliError(`login failed at the identity provider [${outcome.error}]`, 1, outcome.error);
    return await client.post<BrowserLoginResult>(`${path}/exchange`, { attempt: started.attempt, code: outcome.code });
  } finally {
    clearTimeout(timer);
    listener.close();
  }
}
