// The web session's cookies, their names and attributes in one place.
//
//   session  `__Host-lease_session` when the public URL is https (Secure, Path=/, no Domain: the
//            prefix makes the browser refuse it otherwise, so a sibling subdomain or a plain-http
//            response cannot plant or overwrite it); `lease_session` over plain http, which is
//            allowed on loopback only. HttpOnly: page scripts never see the token.
//            SameSite=Lax: sent on top-level GET navigations from other sites (a link in a chat
//            or a notification e-mail opens the UI logged in, and the first page after an SSO
//            login — reached through the IdP's cross-site redirect — has it), never on their
//            POSTs, fetches or frames. Strict would drop it on both of those GETs; unsafe
//            requests need the CSRF token and a same-origin check anyway, and GETs change nothing.
//   login    `__Host-lease_login` / `lease_login`: binds a web login to the browser that started
//            it (the attempt id and the return_to path), 10 minutes. Same attributes: Lax is
//            what lets it ride the IdP's redirect back.
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { LeaseError } from '../../core/index.js';
import { isLoopbackHost } from '../../identity/index.js';

const SESSION = 'lease_session';
const LOGIN = 'lease_login';
/** Browsers drop a cookie whose name and value exceed 4096 bytes: refuse rather than fail silently. */
const MAX_COOKIE_BYTES = 4096;

/** The public URL is plain http on a non-loopback host: a cookie would cross the network in clear (400). */
export class WebSessionNeedsHttps extends LeaseError {
  constructor() {
    super('https_required', 'web sessions need an https server URL (server.url); plain http only on loopback', { status: 400 });
  }
}

/** The session token is too large for a cookie (an identity with very many groups) (400). */
export class SessionTooLargeForCookie extends LeaseError {
  constructor() {
    super('session_too_large_for_cookie', 'this session is too large for a browser cookie (too many groups?); use the CLI, or narrow the groups claim', { status: 400 });
  }
}

export class WebCookies {
  constructor(private readonly publicUrl: () => string) {}

  /** https public URL → `__Host-` names and Secure. */
  get secure(): boolean {
    return new URL(this.publicUrl()).protocol === 'https:';
  }

  get sessionName(): string {
    return this.secure ? `__Host-${SESSION}` : SESSION;
  }

  /** Refuses to hand out cookies that would travel over plain http beyond this machine. */
  checkTransport(): void {
    const url = new URL(this.publicUrl());
    if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) throw new WebSessionNeedsHttps();
  }

  readSession(c: Context): string | undefined {
    return this.read(c, SESSION);
  }

  setSession(c: Context, token: string, maxAgeSeconds: number): void {
    this.set(c, SESSION, token, maxAgeSeconds);
  }

  clearSession(c: Context): void {
    this.set(c, SESSION, '', 0);
  }

  readLogin(c: Context): string | undefined {
    return this.read(c, LOGIN);
  }

  setLogin(c: Context, value: string, maxAgeSeconds: number): void {
    this.set(c, LOGIN, value, maxAgeSeconds);
  }

  clearLogin(c: Context): void {
    this.set(c, LOGIN, '', 0);
  }

  private read(c: Context, name: string): string | undefined {
    const value = getCookie(c, name, this.secure ? 'host' : undefined);
    return value === undefined || value === '' ? undefined : value;
  }

  private set(c: Context, name: string, value: string, maxAgeSeconds: number): void {
    this.checkTransport();
    if (name.length + value.length + 10 > MAX_COOKIE_BYTES) throw new SessionTooLargeForCookie();
    setCookie(c, name, value, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
      ...(this.secure ? { prefix: 'host' as const, secure: true } : {}),
    });
  }
}
