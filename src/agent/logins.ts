// Browser logins hosted by the agent: `lease login` asks the agent to start one
// (POST /v1/logins {server, provider}); the agent asks the server for a login whose browser comes
// back to the agent's own `GET /callback/<ref>`; the server sends the browser there with a one-time
// code (signed, 60 s, bound to that login attempt); the agent trades it for the session token and
// seals it in its vault. The CLI waits on GET /v1/logins/<id>?wait=N and never sees the token.
//
// /callback is the agent's one unauthenticated route, since a browser reaches it: it accepts
// only a `<ref>` of a login this agent started, once (consumed before anything else happens), and
// the code is useless without that login's attempt id, which only the agent holds. Pages are
// HTML with no script, not cacheable, not framable.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { isSuccess, parseJsonOrUndefined, sendHttp, type HttpAnswer } from '../core/http-request.js';
import { LeaseError } from '../core/errors.js';
import { normaliseServer, storedSessionSchema, summarise, type SessionStore, type SessionSummary } from './session.js';

/** As long as the server keeps a login attempt. */
export const AGENT_LOGIN_TTL_MS = 10 * 60_000;
/** The longest a GET /v1/logins/<id>?wait=N holds the request. */
export const MAX_LOGIN_WAIT_MS = 60_000;
const MAX_PENDING = 64;
export const CALLBACK_PREFIX = '/callback/';

export const agentLoginStartSchema = z
  .object({
    server: z.string().max(2048).refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), 'an http(s) URL'),
    provider: z.string().min(1).max(200),
  })
  .strict();

export interface AgentLoginView {
  login_id: string;
  server: string;
  provider: string;
  status: 'pending' | 'succeeded' | 'failed';
  /** On success: what was stored (never the token). */
  session?: SessionSummary;
  error?: { code: string; message: string };
}

interface AgentLogin extends AgentLoginView {
  ref: string;
  attempt: string;
  expiresAtMs: number;
  waiters: Array<() => void>;
}

/** The server refused or could not be reached while starting or finishing a login. */
export class AgentLoginError extends LeaseError {
  constructor(code: string, message: string, status = 502) {
    super(code, message, { status });
  }
}

const sessionAnswerSchema = storedSessionSchema.pick({ token: true, expires_at: true, identity: true });

/** POSTs JSON to the server; its error body becomes an AgentLoginError with its code. */
async function postJson(server: string, path: string, body: unknown): Promise<unknown> {
  let r: HttpAnswer;
  try {
    r = await sendHttp(new URL(path, server), { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  } catch (err) {
    throw new AgentLoginError('server_unreachable', `cannot reach ${server}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const json = parseJsonOrUndefined(r.text) as { error?: { code?: string; message?: string } } | undefined;
  if (!isSuccess(r.status)) throw new AgentLoginError(json?.error?.code ?? `http_${r.status}`, `${server}: ${json?.error?.message ?? `HTTP ${r.status}`}`, r.status >= 400 && r.status < 500 ? r.status : 502);
  return json;
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${escape(title)}</title><body style="font-family:sans-serif;margin:3em"><h1>${escape(title)}</h1><p>${escape(text)}</p></body>`;

export class AgentLogins {
  private readonly byId = new Map<string, AgentLogin>();
  private readonly idByRef = new Map<string, string>();

  constructor(
    private readonly deps: {
      store: SessionStore;
      /** The agent's own URL (`http://127.0.0.1:PORT`), known once it listens. */
      agentUrl: () => string;
      log: (line: string) => void;
      now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** POST /v1/logins: asks `server` for a login that comes back to this agent. */
  async start(input: unknown): Promise<{ login_id: string; url: string }> {
    const parsed = agentLoginStartSchema.safeParse(input);
    if (!parsed.success) throw new LeaseError('invalid_login', 'body: {server: URL, provider: id}', { status: 400 });
    this.prune();
    if (this.byId.size >= MAX_PENDING) throw new LeaseError('too_many_logins', 'too many logins in progress; finish or wait for one', { status: 503 });
    const server = normaliseServer(parsed.data.server);
    const { provider } = parsed.data;
    const ref = randomBytes(24).toString('base64url');
    const started = z
      .object({ login_url: z.string(), attempt: z.string() })
      .parse(await postJson(server, `/api/v1/auth/${encodeURIComponent(provider)}/start`, { redirect: `${this.deps.agentUrl()}${CALLBACK_PREFIX}${ref}` }));
    const login: AgentLogin = { login_id: randomBytes(16).toString('base64url'), server, provider, status: 'pending', ref, attempt: started.attempt, expiresAtMs: this.now() + AGENT_LOGIN_TTL_MS, waiters: [] };
    this.byId.set(login.login_id, login);
    this.idByRef.set(ref, login.login_id);
    this.deps.log(`login to ${server} started`);
    return { login_id: login.login_id, url: started.login_url };
  }

  /** GET /v1/logins/<id>?wait=N: the login's state, once it is no longer pending or after `waitMs`. */
  async wait(id: string, waitMs: number): Promise<AgentLoginView | undefined> {
    const login = this.byId.get(id);
    if (login === undefined) return undefined;
    if (login.status === 'pending' && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(waitMs, MAX_LOGIN_WAIT_MS, Math.max(0, login.expiresAtMs - this.now())));
        login.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (login.status === 'pending' && login.expiresAtMs <= this.now()) this.settle(login, { status: 'failed', error: { code: 'login_timeout', message: 'the browser did not come back in time' } });
    const { login_id, server, provider, status, session, error } = login;
    return { login_id, server, provider, status, ...(session ? { session } : {}), ...(error ? { error } : {}) };
  }

  /** GET /callback/<ref>?code=… (or ?error=…): the browser, back from the server. */
  async serveCallback(req: IncomingMessage, res: ServerResponse, url: URL, port: number): Promise<void> {
    const answer = (status: number, title: string, text: string) => {
      this.deps.log(`${req.method} /callback ${status}`);
      res
        .writeHead(status, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
          'x-frame-options': 'DENY',
        })
        .end(page(title, text));
    };
    // The browser was sent to 127.0.0.1:PORT: any other Host is DNS rebinding.
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return answer(403, 'Refused', 'unexpected Host header');
    if (req.method !== 'GET') return answer(405, 'Refused', 'only GET');
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (code === null && error === null) return answer(400, 'Refused', 'missing code');
    const ref = url.pathname.slice(CALLBACK_PREFIX.length);
    const id = this.idByRef.get(ref);
    // Single use: consumed before anything is awaited, so a replay (even a concurrent one) finds nothing.
    this.idByRef.delete(ref);
    const login = id === undefined ? undefined : this.byId.get(id);
    if (login === undefined || login.status !== 'pending' || login.expiresAtMs <= this.now()) {
      return answer(400, 'Login link not valid', 'This login link is unknown, expired or already used. Run lease login again.');
    }
    if (code === null) {
      const reason = (error as string).replace(/[^a-z_]/g, '').slice(0, 64) || 'login_failed';
      this.settle(login, { status: 'failed', error: { code: reason, message: 'login failed at the identity provider' } });
      return answer(200, 'Login failed', 'Lease could not log you in; see the terminal.');
    }
    try {
      const session = sessionAnswerSchema.parse(await postJson(login.server, `/api/v1/auth/${encodeURIComponent(login.provider)}/exchange`, { attempt: login.attempt, code }));
      const stored = { server: login.server, provider: login.provider, ...session };
      await this.deps.store.put(stored);
      this.settle(login, { status: 'succeeded', session: summarise(stored) });
      return answer(200, 'Logged in', `Logged in to ${login.server} as ${session.identity.email ?? session.identity.id}. You can close this window.`);
    } catch (err) {
      const failure = err instanceof LeaseError ? { code: err.code, message: err.message } : { code: 'login_failed', message: 'the session could not be obtained or stored' };
      this.settle(login, { status: 'failed', error: failure });
      return answer(502, 'Login failed', 'Lease could not finish the login; see the terminal.');
    }
  }

  /** Wakes every waiter (the agent is stopping). */
  close(): void {
    for (const login of this.byId.values()) for (const wake of login.waiters.splice(0)) wake();
  }

  private settle(login: AgentLogin, outcome: Pick<AgentLoginView, 'status' | 'session' | 'error'>): void {
    Object.assign(login, outcome);
    this.idByRef.delete(login.ref);
    this.deps.log(`login to ${login.server} ${outcome.status}${outcome.error ? ` [${outcome.error.code}]` : ''}`);
    for (const wake of login.waiters.splice(0)) wake();
  }

  /** Finished or expired logins are forgotten after their TTL (the CLI has read them by then). */
  private prune(): void {
    const now = this.now();
    for (const login of this.byId.values()) {
      if (login.expiresAtMs <= now) {
        this.byId.delete(login.login_id);
        this.idByRef.delete(login.ref);
      }
    }
  }
}
