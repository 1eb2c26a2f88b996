// SSO login for the web UI, on top of BrowserLoginService's attempts:
//   begin  — GET /api/v1/auth/{provider}/web-login?return_to=/path: opens an attempt whose browser
//            comes back to this server's web-finish page (not a CLI loopback), remembers it in
//            this browser's login cookie with the checked return_to, and sends it to the IdP.
//   (the IdP answers at the provider's usual callback, which redirects to web-finish with a
//    one-time code bound to the attempt — the same code a CLI would get)
//   finish — GET /api/v1/auth/{provider}/web-finish?code=…: redeems the code for the attempt named
//            by the login cookie, sets the session cookie and sends the browser to return_to.
// Login CSRF: a code from someone else's login is bound to their attempt, and this browser's
// cookie names its own (or none), so the exchange redeems nothing.
import type { Context } from 'hono';
import { LeaseError } from '../../core/index.js';
import type { BrowserLoginService, LoginSession } from '../services/browser-login.js';
import { checkReturnTo } from './return-to.js';
import type { WebSessions } from './web-sessions.js';

/** The IdP login failed; the provider's callback passed its error code on to web-finish (401). */
export class WebLoginFailed extends LeaseError {
  constructor(reason: string) {
    super('login_failed', `login failed at the identity provider (${/^[a-z_]{1,64}$/.test(reason) ? reason : 'unknown'}); start again`, { status: 401 });
  }
}

/** web-finish in a browser that did not start this login (or its 10 minutes passed) (400). */
export class WebLoginNotBound extends LeaseError {
  constructor() {
    super('login_not_started_here', 'this browser did not start this login, or it expired; start it again', { status: 400 });
  }
}

export class WebLogin {
  constructor(private readonly deps: { logins: BrowserLoginService; sessions: WebSessions }) {}

  /** Answers the IdP's login URL; the login cookie is set on `c`. */
  async begin(c: Context, providerId: string, returnTo: string | undefined): Promise<string> {
    const target = checkReturnTo(returnTo);
    this.deps.sessions.cookies.checkTransport();
    const finish = this.deps.sessions.location(`/api/v1/auth/${encodeURIComponent(providerId)}/web-finish`);
    const started = await this.deps.logins.startOnServer(providerId, finish, 'web');
    this.deps.sessions.bindLogin(c, { attempt: started.attempt, returnTo: target });
    return started.login_url;
  }

  /** Answers where to send the browser (return_to); the session cookie is set on `c`. */
  async finish(c: Context, providerId: string, answer: { code?: string | undefined; error?: string | undefined }): Promise<{ location: string; session: LoginSession }> {
    const binding = this.deps.sessions.takeLogin(c);
    if (answer.error !== undefined) throw new WebLoginFailed(answer.error);
    if (binding === undefined || answer.code === undefined) throw new WebLoginNotBound();
    const session = await this.deps.logins.exchange(providerId, binding.attempt, answer.code);
    this.deps.sessions.startSession(c, session);
    return { location: this.deps.sessions.location(binding.returnTo), session };
  }
}
