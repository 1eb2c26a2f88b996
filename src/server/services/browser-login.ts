// Browser login through an OIDC or SAML provider, for the CLI:
//   start    — the CLI names its loopback callback; we open a login attempt bound to it and
//              answer the IdP's login URL (OIDC: state, nonce, PKCE S256; SAML: an AuthnRequest
//              with a RelayState).
//   callback — the IdP sends the browser back (OIDC: GET with the code; SAML: POST of the signed
//              Response to the ACS); the state / RelayState finds the attempt (single use), the
//              provider checks the answer; we send the browser on to the CLI's
//              loopback with a one-time code: random, 60 s, bound to that attempt. Never the
//              session token: a URL ends up in browser history and other local processes.
//   exchange — the CLI trades {attempt, code} for a session token, once.
// `startOnServer` opens an attempt whose code comes back to one of this server's own pages instead
// (device login, web UI), which trade the code themselves (`redeem`: the identity; `exchange`: a session).
// Attempts live in the store (login-attempts.ts), so each step may reach any replica.
// Audited as login.succeeded / login.failed with the provider; codes and tokens are never logged.
import { LeaseError, NotFound, identityKey, type Clock, type Identity, type LeaseMetrics, type Logger } from '../../core/index.js';
import {
  IdentityProviderUnavailable,
  RedirectLoginFailed,
  isLoopbackIpLiteral,
  issueSessionToken,
  type RedirectIdentityProvider,
  type SessionKeys,
} from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { Store } from '../../store/index.js';
import { LoginAttempts, type LoginAttempt } from './login-attempts.js';
import { lookupHash, newBearerValue } from './login-secrets.js';

export const LOGIN_ATTEMPT_TTL_MS = 10 * 60_000;
export const LOGIN_CODE_TTL_MS = 60_000;
/** Far above a real code (43 characters); bounds work on garbage input. */
const MAX_CODE_LENGTH = 512;
const MAX_REDIRECT_LENGTH = 2048;

/** `redirect` is not the CLI's loopback listener: refused so login cannot be sent elsewhere (400). */
export class RedirectNotLoopback extends LeaseError {
  constructor(reason: string) {
    super('invalid_redirect', `redirect must be http://127.0.0.1:<port>/<path> or http://[::1]:<port>/<path>: ${reason}`, { status: 400, field: 'redirect' });
  }
}

/** The callback's state is unknown, expired, already used or for another provider (400). */
export class LoginStateInvalid extends LeaseError {
  constructor() {
    super('invalid_state', 'unknown, expired or already used login state; start the login again', { status: 400, field: 'state' });
  }
}

/** The exchange code is forged, used, for another attempt, or the attempt is gone (400). */
export class LoginCodeInvalid extends LeaseError {
  constructor() {
    super('invalid_login_code', 'invalid or already used login code; start the login again', { status: 400, field: 'code' });
  }
}

/** The exchange code is genuine but older than its 60 s (400). */
export class LoginCodeExpired extends LeaseError {
  constructor() {
    super('login_code_expired', 'the login code expired; start the login again', { status: 400, field: 'code' });
  }
}

/** Too many logins pending at once (503); they expire within minutes. */
export class TooManyPendingLogins extends LeaseError {
  constructor() {
    super('too_many_pending_logins', 'too many logins in progress; try again shortly', { status: 503 });
  }
}

/**
 * The CLI's loopback callback (RFC 8252 §7.3): http, an IP loopback literal (not `localhost`,
 * which a hosts file may point elsewhere), an explicit port, no credentials, query or fragment.
 */
export function checkLoopbackRedirect(value: string): string {
  if (value.length > MAX_REDIRECT_LENGTH) throw new RedirectNotLoopback('too long');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RedirectNotLoopback('not a URL');
  }
  if (url.protocol !== 'http:') throw new RedirectNotLoopback('only http to a loopback address');
  if (!isLoopbackIpLiteral(url.hostname)) throw new RedirectNotLoopback('not a loopback address');
  if (url.port === '') throw new RedirectNotLoopback('no port');
  if (url.username !== '' || url.password !== '') throw new RedirectNotLoopback('credentials in the URL');
  if (url.search !== '' || url.hash !== '') throw new RedirectNotLoopback('a query or fragment');
  return url.href;
}

export interface BrowserLoginDeps {
  /** Login successes and failures by identity provider. */
  metrics?: LeaseMetrics;
  providers: Map<string, ProviderInstance>;
  keys: SessionKeys;
  store: Store;
  clock: Clock;
  logger: Logger;
  sessionTtlMs: number;
  /** The server's external base URL; the IdP redirects to `<url>/api/v1/auth/<id>/callback`. */
  publicUrl: () => string;
  /** Pending logins at most (default 10 000). */
  pendingLimit?: number;
}

export interface StartedLogin {
  login_url: string;
  attempt: string;
}

export interface LoginSession {
  token: string;
  expires_at: string;
  identity: Identity;
}

export class BrowserLoginService {
  private readonly attempts: LoginAttempts;

  constructor(private readonly deps: BrowserLoginDeps) {
    this.attempts = new LoginAttempts({ store: deps.store, keys: deps.keys, ...(deps.pendingLimit === undefined ? {} : { limit: deps.pendingLimit }) });
  }

  /** The redirect URI to register at the IdP for this provider. */
  callbackUrl(providerId: string): string {
    return `${this.deps.publicUrl().replace(/\/+$/, '')}/api/v1/auth/${encodeURIComponent(providerId)}/callback`;
  }

  async start(providerId: string, redirect: string): Promise<StartedLogin> {
    return this.open(providerId, checkLoopbackRedirect(redirect));
  }

  /**
   * A login whose browser comes back to one of this server's own pages (the device login page)
   * rather than a client's loopback: `page` is built by the server, never taken from a request.
   * `method` tags its audit entries (`device`).
   */
  async startOnServer(providerId: string, page: string, method: string): Promise<StartedLogin> {
    return this.open(providerId, page, method);
  }

  private async open(providerId: string, target: string, method?: string): Promise<StartedLogin> {
    const provider = this.provider(providerId);
    const now = this.deps.clock.now();
    const { url, checks } = await provider.beginLogin(this.callbackUrl(providerId));
    const id = newBearerValue();
    const attempt: Omit<LoginAttempt, 'idHash'> = { provider: providerId, redirect: target, checks, expiresAtMs: now + LOGIN_ATTEMPT_TTL_MS, ...(method ? { method } : {}) };
    if (!(await this.attempts.add(id, attempt, now))) throw new TooManyPendingLogins();
    return { login_url: url, attempt: id };
  }

  /** SAML: our service provider metadata for this provider (entity id, ACS, certificate). */
  async serviceProviderMetadata(providerId: string): Promise<string> {
    const provider = this.provider(providerId, 'saml');
    if (provider.serviceProviderMetadata === undefined) throw notABrowserProvider(providerId, 'saml');
    return provider.serviceProviderMetadata(this.callbackUrl(providerId));
  }

  /**
   * Handles the IdP's answer; answers where to send the browser next: the CLI's loopback with
   * `code`, or with `error` when the login failed after the state was recognised. `protocol`
   * (from the route) refuses a provider of the other kind; OIDC's state is `state`, SAML's is
   * `RelayState`.
   */
  async callback(providerId: string, answer: URLSearchParams, protocol?: 'oidc' | 'saml'): Promise<string> {
    const provider = this.provider(providerId, protocol);
    const state = answer.get(provider.type === 'saml' ? 'RelayState' : 'state') ?? '';
    const attempt = state === '' ? undefined : await this.attempts.takeByState(state, this.deps.clock.now());
    if (attempt === undefined || attempt.provider !== providerId) {
      if (attempt) await this.attempts.remove(attempt.idHash);
      await this.failed(providerId, 'invalid_state');
      throw new LoginStateInvalid();
    }
    let identity: Identity;
    try {
      identity = await provider.finishLogin(answer, attempt.checks);
    } catch (err) {
      await this.attempts.remove(attempt.idHash);
      if (!(err instanceof RedirectLoginFailed || err instanceof IdentityProviderUnavailable)) throw err;
      await this.failed(providerId, err instanceof RedirectLoginFailed ? err.reason : err.code, attempt.method);
      return withParams(attempt.redirect, { error: err.code });
    }
    const now = this.deps.clock.now();
    // Random, 256 bits; the store keeps its SHA-256, on the attempt it redeems.
    const code = newBearerValue();
    await this.attempts.authenticate(attempt.idHash, identity, code, now + LOGIN_CODE_TTL_MS, Math.max(attempt.expiresAtMs, now + LOGIN_CODE_TTL_MS));
    return withParams(attempt.redirect, { code });
  }

  /** Trades the one-time code for a session token; a second exchange finds nothing. */
  async exchange(providerId: string, attemptId: string, code: string): Promise<LoginSession> {
    const identity = await this.redeem(providerId, attemptId, code);
    const now = this.deps.clock.now();
    const session = await issueSessionToken(this.deps.keys, identity, { ttlMs: this.deps.sessionTtlMs, now });
    await this.deps.store.audit.append({ actor: identityKey(identity), action: 'login.succeeded', subject: null, data: { provider: providerId, expires_at: session.expires_at } });
    this.deps.logger.info({ provider: providerId, user: identity.id }, 'login succeeded');
    this.deps.metrics?.login(providerId, 'success');
    return { token: session.token, expires_at: session.expires_at, identity };
  }

  /**
   * Checks the one-time code and consumes its attempt: who logged in, once. `exchange` issues the
   * session from it; the device login keeps the identity until its device polls.
   */
  async redeem(providerId: string, attemptId: string, code: string): Promise<Identity> {
    return this.redeemAttempt(providerId, lookupHash(attemptId), code);
  }

  /** `redeem` for a caller that keeps only the attempt id's hash (the device login). */
  async redeemAttempt(providerId: string, attemptHash: string, code: string): Promise<Identity> {
    this.provider(providerId);
    // Bound to its attempt: a code carried to another attempt (login CSRF) redeems nothing.
    const redeemed = code.length === 0 || code.length > MAX_CODE_LENGTH ? undefined : await this.attempts.redeem(attemptHash, code);
    if (redeemed === undefined || redeemed.provider !== providerId) {
      await this.failed(providerId, 'invalid_login_code');
      throw new LoginCodeInvalid();
    }
    if (redeemed.codeExpiresAtMs <= this.deps.clock.now()) {
      await this.failed(providerId, 'login_code_expired');
      throw new LoginCodeExpired();
    }
    return redeemed.identity;
  }

  private provider(providerId: string, protocol?: 'oidc' | 'saml'): RedirectIdentityProvider {
    const provider = this.deps.providers.get(providerId);
    // OIDC's callback (a GET with code and state) serves plain OAuth 2.0 providers too.
    const answers = provider?.identity?.type === 'saml' ? 'saml' : 'oidc';
    if (provider?.identity?.kind !== 'redirect' || !provider.enabled || (protocol !== undefined && answers !== protocol)) {
      throw notABrowserProvider(providerId, protocol);
    }
    return provider.identity;
  }

  private async failed(providerId: string, reason: string, method?: string): Promise<void> {
    await this.deps.store.audit.append({ actor: 'anonymous', action: 'login.failed', subject: null, data: { provider: providerId, reason, ...(method ? { method } : {}) } });
    this.deps.logger.info({ provider: providerId, reason, ...(method ? { method } : {}) }, 'login failed');
    this.deps.metrics?.login(providerId, 'failure');
  }
}

function notABrowserProvider(providerId: string, protocol?: 'oidc' | 'saml'): NotFound {
  const what = protocol === undefined ? 'browser (OIDC or SAML)' : `browser (${protocol.toUpperCase()})`;
  return new NotFound('identity_provider_not_found', `"${providerId}" is not a ${what} login provider`, 'provider');
}

function withParams(base: string, params: Record<string, string>): string {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}
