// The browser's way to hold a session: the same JWE session token the CLI sends as a bearer,
// kept in an HttpOnly cookie (cookies.ts). A cookie rides along on requests other sites make,
// so a cookie-authenticated request that changes anything (any method but GET/HEAD/OPTIONS)
// must come from this server's origin (same-origin.ts) and carry the session's CSRF token
// (csrf.ts). A bearer header needs neither: a page on another site cannot attach one.
import type { Context } from 'hono';
import { LeaseError, Unauthenticated, type Clock, type Identity } from '../../core/index.js';
import { bearerToken, type AuthService } from '../services/auth.js';
import { LOGIN_ATTEMPT_TTL_MS } from '../services/browser-login.js';
import { WebCookies } from './cookies.js';
import { CSRF_HEADER, checkCsrfToken, csrfTokenFor } from './csrf.js';
import { checkReturnTo } from './return-to.js';
import { checkSameOrigin } from './same-origin.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A cookie login was not sent as JSON: HTML forms cannot send JSON, so this refuses them (415). */
export class JsonRequired extends LeaseError {
  constructor() {
    super('json_required', 'send this request as application/json', { status: 415 });
  }
}

export interface WebSessionsDeps {
  auth: AuthService;
  clock: Clock;
  /** The server's external base URL; https turns on `__Host-` cookies and Secure. */
  publicUrl: () => string;
}

export interface WebLoginBinding {
  attempt: string;
  returnTo: string;
}

export class WebSessions {
  readonly cookies: WebCookies;

  constructor(private readonly deps: WebSessionsDeps) {
    this.cookies = new WebCookies(deps.publicUrl);
  }

  /**
   * Who is calling a route with `auth: true`: the bearer header if there is one (the CLI),
   * else the session cookie, with the same-origin and CSRF checks on unsafe methods.
   */
  async authenticate(c: Context): Promise<Identity> {
    const header = c.req.header('authorization');
    if (header !== undefined) return this.deps.auth.authenticate(header);
    const token = this.cookies.readSession(c);
    if (token === undefined) throw new Unauthenticated('missing bearer token or session cookie');
    const unsafe = !SAFE_METHODS.has(c.req.method);
    if (unsafe) this.checkSameOrigin(c);
    const identity = await this.deps.auth.authenticateToken(token);
    if (unsafe) checkCsrfToken(c.req.header(CSRF_HEADER), token);
    // What a session cookie fetches is that user's: no cache may keep it.
    c.header('cache-control', 'no-store');
    return identity;
  }

  /** The cookie session's identity and CSRF token (GET /api/v1/auth/csrf); 401 without one. */
  async csrf(c: Context): Promise<{ csrf_token: string; identity: Identity }> {
    const token = this.cookies.readSession(c);
    if (token === undefined) throw new Unauthenticated('no web session: log in with mode "cookie" or through /api/v1/auth/{provider}/web-login');
    const identity = await this.deps.auth.authenticateToken(token);
    c.header('cache-control', 'no-store');
    return { csrf_token: csrfTokenFor(token), identity };
  }

  /**
   * Before a password login answers with a cookie: from this origin, as JSON (a cross-site HTML
   * form can send neither), over a transport fit for cookies. Otherwise another site could log
   * the user's browser in as the attacker (login CSRF).
   */
  checkCookieLogin(c: Context): void {
    this.cookies.checkTransport();
    this.checkSameOrigin(c);
    if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) throw new JsonRequired();
  }

  /** Sets the session cookie for a freshly issued session; answers its CSRF token. */
  startSession(c: Context, session: { token: string; expires_at: string }): string {
    this.cookies.setSession(c, session.token, (Date.parse(session.expires_at) - this.deps.clock.now()) / 1000);
    c.header('cache-control', 'no-store');
    return csrfTokenFor(session.token);
  }

  /**
   * Logout: ends the session on the server (every copy of its token stops working) and clears
   * the cookie. With a bearer header (the CLI), that token's session. With the cookie, a live
   * session must prove the request is its own (same origin, CSRF token), so another site cannot
   * log the user out; a dead one is just cleared. A token already expired, ended or garbled
   * gets the same answer: nothing to end, nothing learnt.
   */
  async logout(c: Context): Promise<void> {
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const token = bearerToken(header);
      const session = token === undefined ? undefined : await this.deps.auth.liveSession(token);
      if (session !== undefined) await this.deps.auth.endSession(session);
      return;
    }
    const token = this.cookies.readSession(c);
    if (token !== undefined) {
      this.checkSameOrigin(c);
      const session = await this.deps.auth.liveSession(token);
      if (session !== undefined) {
        checkCsrfToken(c.req.header(CSRF_HEADER), token);
        await this.deps.auth.endSession(session);
      }
    }
    this.cookies.clearSession(c);
  }

  /** Web login, step 1: remembers in this browser which attempt it started and where to return. */
  bindLogin(c: Context, binding: WebLoginBinding): void {
    const returnTo = Buffer.from(binding.returnTo).toString('base64url');
    this.cookies.setLogin(c, `${binding.attempt}.${returnTo}`, LOGIN_ATTEMPT_TTL_MS / 1000);
  }

  /** Web login, last step: the attempt this browser started (if any), the cookie cleared. */
  takeLogin(c: Context): WebLoginBinding | undefined {
    const value = this.cookies.readLogin(c);
    if (value !== undefined) this.cookies.clearLogin(c);
    const dot = value?.indexOf('.') ?? -1;
    if (value === undefined || dot <= 0) return undefined;
    let returnTo = '/';
    try {
      returnTo = checkReturnTo(Buffer.from(value.slice(dot + 1), 'base64url').toString());
    } catch {
      // A mangled return path is not worth failing the login over: go to the start page.
    }
    return { attempt: value.slice(0, dot), returnTo };
  }

  /** The absolute URL of a path checked by checkReturnTo, under the public URL. */
  location(returnTo: string): string {
    return `${this.deps.publicUrl().replace(/\/+$/, '')}${returnTo}`;
  }

  private checkSameOrigin(c: Context): void {
    checkSameOrigin(c.req.raw.headers, [new URL(this.deps.publicUrl()).origin, new URL(c.req.url).origin]);
  }
}
