// `lease agent`: a small HTTP daemon on 127.0.0.1 that holds the session vault for the CLI.
// Every request must carry the per-user secret from `$LEASE_HOME/agent.token` (0600) as a
// bearer token, compared in constant time: another local user can reach the port but not
// read the file, so cannot use the agent. Requests from a browser (an Origin header) or to
// another Host name (DNS rebinding) are refused too. Tokens leave only through GET /v1/session.
// The one exception is GET /callback/<ref>, where a browser lands after a login the agent
// started (logins.ts).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LeaseError } from '../core/errors.js';
import { AgentLogins, CALLBACK_PREFIX } from './logins.js';
import { AGENT_TOKEN_FILE, AGENT_URL_FILE, DEFAULT_AGENT_PORT } from './files.js';
import { queueWrites } from './queued-store.js';
import { isErrno, writeSecretFile } from './secret-file.js';
import { storedSessionSchema, summarise } from './session.js';
import { VaultSessionStore } from './vault.js';

export { AGENT_TOKEN_FILE, AGENT_URL_FILE, DEFAULT_AGENT_PORT };
const MAX_BODY = 64 * 1024;

export interface RunningAgent {
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first makes both sides the same length, so the comparison leaks nothing.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'body_too_large', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not JSON');
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

export async function startAgent(options: { home: string; port?: number; log?: (line: string) => void }): Promise<RunningAgent> {
  const log = options.log ?? (() => undefined);
  const vaultFile = new VaultSessionStore(options.home);
  await vaultFile.check();
  const vault = queueWrites(vaultFile);
  const secret = randomBytes(32).toString('base64url');
  const tokenFile = join(options.home, AGENT_TOKEN_FILE);
  const urlFile = join(options.home, AGENT_URL_FILE);
  let port = 0;
  // Browser logins whose callback this agent hosts (logins.ts).
  const logins = new AgentLogins({ store: vault, agentUrl: () => `http://127.0.0.1:${port}`, log });

  async function route(req: IncomingMessage, url: URL): Promise<[number, unknown?]> {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (!sameSecret(given, secret)) throw new HttpError(401, 'unauthorized', `missing or wrong agent token (see $LEASE_HOME/${AGENT_TOKEN_FILE})`);
    if (req.headers.origin !== undefined) throw new HttpError(403, 'forbidden', 'the agent does not answer browsers');
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) throw new HttpError(403, 'forbidden', 'unexpected Host header');
    const server = url.searchParams.get('server') ?? undefined;
    if (url.pathname === '/v1/logins' && req.method === 'POST') return [200, await logins.start(await readBody(req))];
    const loginId = /^\/v1\/logins\/([\w-]{1,64})$/.exec(url.pathname)?.[1];
    if (loginId !== undefined && req.method === 'GET') {
      const login = await logins.wait(loginId, (Number(url.searchParams.get('wait')) || 0) * 1000);
      if (!login) throw new HttpError(404, 'login_not_found', 'no such login');
      return [200, login];
    }
    if (url.pathname === '/v1/sessions' && req.method === 'GET') return [200, { sessions: await vault.list() }];
    if (url.pathname === '/v1/session' && req.method === 'GET') {
      const session = await vault.get(server);
      if (!session) throw new HttpError(404, 'session_not_found', 'no stored session for that server');
      return [200, session];
    }
    if (url.pathname === '/v1/session' && req.method === 'PUT') {
      const parsed = storedSessionSchema.safeParse(await readBody(req));
      if (!parsed.success) throw new HttpError(400, 'invalid_session', 'the body is not a session');
      await vault.put(parsed.data);
      return [200, summarise(parsed.data)];
    }
    if (url.pathname === '/v1/session' && req.method === 'DELETE') {
      if (!server) throw new HttpError(400, 'server_required', 'pass ?server=URL');
      await vault.remove(server);
      return [204];
    }
    throw new HttpError(404, 'not_found', 'no such agent endpoint');
  }

  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The one route a browser reaches, without the agent token: see logins.ts.
    if (url.pathname.startsWith(CALLBACK_PREFIX)) {
      logins.serveCallback(req, res, url, port).catch(() => send(res, 500, { error: { code: 'internal', message: 'internal error' } }));
      return;
    }
    route(req, url).then(
      ([status, body]) => {
        log(`${req.method} ${url.pathname} ${status}`);
        send(res, status, body);
      },
      (err: unknown) => {
        const [status, code, message] =
          err instanceof HttpError ? [err.status, err.code, err.message] : err instanceof LeaseError ? [err.status, err.code, err.message] : [500, 'internal', 'internal error'];
        log(`${req.method} ${url.pathname} ${status} ${code}`);
        send(res, status, { error: { code, message } });
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    // 127.0.0.1 only: the agent is never reachable from another machine.
    http.listen(options.port ?? DEFAULT_AGENT_PORT, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  await writeSecretFile(tokenFile, `${secret}\n`);
  await writeSecretFile(urlFile, `${url}\n`);

  return {
    url,
    async close() {
      logins.close();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      // Remove the files only while they are still ours (a newer agent may have replaced them).
      const current = await readFile(tokenFile, 'utf8').catch(() => '');
      if (current.trim() === secret) {
        for (const file of [tokenFile, urlFile]) {
          await unlink(file).catch((err: unknown) => {
            if (!isErrno(err, 'ENOENT')) throw err;
          });
        }
      }
    },
  };
}
