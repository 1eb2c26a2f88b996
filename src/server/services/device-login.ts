// Device login (RFC 8628) for hosts without a browser, e.g. `lease login --device` over ssh:
//   authorize — the CLI gets a device code (256 bits; only its SHA-256 is kept) and a user code
//               (8 letters, `XXXX-XXXX`) that the person checks at `<public url>/device`.
//   confirm   — on that page (form token bound to a cookie and the code) the person sees what
//               is being authorised and continues: a browser login (BrowserLoginService) bound to
//               this device login, whose one-time code comes back to `/device/complete/<ref>`, a
//               page of this server, instead of a loopback. `deny` refuses the device instead.
//   complete  — the server redeems that code itself; the identity waits here for the device.
//   token     — the device polls: authorization_pending, slow_down, expired_token,
//               access_denied, or the session, exactly once.
// Guessing user codes is throttled per client address and overall. Device logins live in the
// store, so every step may reach any replica; the device, user and ref codes are kept only as
// their SHA-256, and each single-use step is one store statement. Codes and tokens are never
// logged or audited.
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { LeaseError, NotFound, identityKey, type Clock, type Identity, type LeaseMetrics, type Logger } from '../../core/index.js';
import { issueSessionToken, type SessionKeys } from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { DeviceLoginRow, Store } from '../../store/index.js';
import type { DeviceAuthorization } from '../api/schemas.js';
import { TooManyPendingLogins, type BrowserLoginService, type LoginSession } from './browser-login.js';
import { FailureLog } from './failure-log.js';
import { lookupHash } from './login-secrets.js';

export const DEVICE_CODE_TTL_MS = 10 * 60_000;
export const DEVICE_POLL_INTERVAL_MS = 5_000;
/** RFC 8628 §3.5: each slow_down adds 5 seconds to the interval the device must keep. */
export const SLOW_DOWN_STEP_MS = 5_000;
/** Timers and networks jitter: a poll this much early still counts as on time. */
const POLL_SLACK_MS = 500;
/** How long an expired device login is remembered, so its device hears `expired_token`. */
const EXPIRED_GRACE_MS = 10 * 60_000;
/** RFC 8628 §6.1: consonants only (no words, no 0/O or 1/I confusion); 20^8 ≈ 2^34.6 codes. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
export const DEVICE_METHOD = 'device';

/** The device is polling for a login nobody has completed yet (400, RFC 8628 §3.5). */
export class AuthorizationPending extends LeaseError {
  constructor() {
    super('authorization_pending', 'the login has not been completed in the browser yet; keep polling', { status: 400 });
  }
}

/** The device polled faster than its interval; the interval grows by 5 s (400). */
export class SlowDown extends LeaseError {
  constructor(readonly intervalSeconds: number) {
    super('slow_down', `polling too fast; poll at most every ${intervalSeconds} seconds`, { status: 400 });
  }
}

/** The device code expired before the login was completed (400). */
export class ExpiredToken extends LeaseError {
  constructor() {
    super('expired_token', 'the device code expired; start the login again', { status: 400 });
  }
}

/** The person refused the device login, or the IdP login failed (400). */
export class AccessDenied extends LeaseError {
  constructor() {
    super('access_denied', 'the login was denied in the browser', { status: 400 });
  }
}

/** The device code is unknown or its session was already handed out (400). */
export class InvalidDeviceCode extends LeaseError {
  constructor() {
    super('invalid_grant', 'unknown or already used device code; start the login again', { status: 400, field: 'device_code' });
  }
}

/** No pending device login has this user code (404): wrong, expired or already used. */
export class UserCodeUnknown extends LeaseError {
  constructor() {
    super('invalid_user_code', 'no pending login has this code; check it, or start the login again on the device', { status: 404, field: 'user_code' });
  }
}

/** The device page's form token does not match this browser and code (403): a cross-site post. */
export class DeviceFormRefused extends LeaseError {
  constructor() {
    super('invalid_form_token', 'this form is out of date or was not sent from the Lease device page; open the page again', { status: 403 });
  }
}

/** The browser came back for a device login that is unknown, expired or already finished (400). */
export class DeviceLoginNotPending extends LeaseError {
  constructor() {
    super('device_login_not_pending', 'this device login is unknown, expired or already finished; start it again on the device', { status: 400 });
  }
}

/** The IdP login behind a device login failed (400); the device hears access_denied. */
export class DeviceLoginFailed extends LeaseError {
  constructor() {
    super('login_failed', 'the identity provider did not log you in; the device was not logged in', { status: 400 });
  }
}

/** What the device page shows before the person continues: what they are authorising. */
export interface DevicePrompt {
  user_code: string;
  provider: string;
  provider_name: string;
  server: string;
  expires_at: string;
}

/** The HMAC label of the device page's form token; its key is derived from the session key set, shared by replicas. */
const FORM_TOKEN_LABEL = 'lease/device-form/v1';
/** User codes drawn before giving up on finding one not in use (20^8 codes: a clash is rare). */
const USER_CODE_DRAWS = 5;

export interface DeviceLoginDeps {
  /** Login successes and failures by identity provider. */
  metrics?: LeaseMetrics;
  logins: BrowserLoginService;
  providers: Map<string, ProviderInstance>;
  keys: SessionKeys;
  store: Store;
  clock: Clock;
  logger: Logger;
  sessionTtlMs: number;
  publicUrl: () => string;
  /** Pending device logins at most (authorize needs no session); default 10 000. */
  limit?: number;
  /** Wrong user codes allowed per client address / overall per 5 minutes; default 10 / 200. */
  guesses?: { perClient: number; overall: number };
  ttlMs?: number;
  intervalMs?: number;
}

/** `bcdf ghjk`, `BCDF-GHJK` → `BCDFGHJK`; anything else outside the alphabet → undefined. */
export function normaliseUserCode(value: string): string | undefined {
  const code = value.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== USER_CODE_LENGTH) return undefined;
  for (const ch of code) if (!USER_CODE_ALPHABET.includes(ch)) return undefined;
  return code;
}

export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** HMAC of the form, under a key derived from a session key (so it is never a session key's own MAC). */
function formMac(sessionKey: Uint8Array, browser: string, userCode: string): string {
  const key = createHmac('sha256', sessionKey).update(FORM_TOKEN_LABEL).digest();
  return createHmac('sha256', key).update(`device-form\n${browser}\n${normaliseUserCode(userCode) ?? ''}`).digest('base64url');
}

export class DeviceLoginService {
  private readonly perClient: FailureLog;
  private readonly overall: FailureLog;
  private readonly limit: number;

  constructor(private readonly deps: DeviceLoginDeps) {
    this.limit = deps.limit ?? 10_000;
    this.perClient = new FailureLog(deps.store, deps.clock, { scope: 'device:client', limit: deps.guesses?.perClient ?? 10 });
    this.overall = new FailureLog(deps.store, deps.clock, { scope: 'device:overall', limit: deps.guesses?.overall ?? 200 });
  }

  /** The server's external origin (the device page sets a Secure cookie when it is https). */
  publicUrl(): string {
    return this.deps.publicUrl().replace(/\/+$/, '');
  }

  async authorize(providerId: string): Promise<DeviceAuthorization> {
    this.provider(providerId);
    const now = this.deps.clock.now();
    const deviceCode = randomBytes(32).toString('base64url');
    const ttlMs = this.deps.ttlMs ?? DEVICE_CODE_TTL_MS;
    const intervalMs = this.deps.intervalMs ?? DEVICE_POLL_INTERVAL_MS;
    let userCode: string | undefined;
    for (let draw = 0; draw < USER_CODE_DRAWS && userCode === undefined; draw++) {
      const candidate = Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
      const added = await this.deps.store.deviceLogins.add(
        {
          device_code_hash: lookupHash(deviceCode),
          user_code_hash: lookupHash(candidate),
          provider: providerId,
          status: 'pending',
          expires_at: now + ttlMs,
          interval_ms: intervalMs,
        },
        now,
        this.limit,
        // An expired login is kept a while, so its device hears expired_token.
        now - EXPIRED_GRACE_MS,
      );
      if (added === 'full') throw new TooManyPendingLogins();
      if (added === 'added') userCode = candidate;
    }
    if (userCode === undefined) throw new TooManyPendingLogins();
    this.deps.logger.info({ provider: providerId, method: DEVICE_METHOD }, 'device login started');
    const page = `${this.publicUrl()}/device`;
    return {
      device_code: deviceCode,
      user_code: formatUserCode(userCode),
      verification_uri: page,
      verification_uri_complete: `${page}?user_code=${formatUserCode(userCode)}`,
      expires_in: Math.round(ttlMs / 1000),
      interval: Math.round(intervalMs / 1000),
    };
  }

  /** What the page shows for a user code; a wrong code counts against `client` and everyone. */
  async prompt(userCode: string, client: string): Promise<DevicePrompt> {
    const { login, code } = await this.pendingByUserCode(userCode, client);
    return {
      user_code: formatUserCode(code),
      provider: login.provider,
      provider_name: this.deps.providers.get(login.provider)?.name ?? login.provider,
      server: this.publicUrl(),
      expires_at: new Date(login.expires_at).toISOString(),
    };
  }

  /**
   * The device page's form token, bound to the browser's cookie value and the user code:
   * `<kid>.<hmac>`, keyed by the session key `kid`, so any replica can check it.
   */
  async formToken(browser: string, userCode: string): Promise<string> {
    const { kid, key } = await this.deps.keys.fresh();
    return `${kid}.${formMac(key, browser, userCode)}`;
  }

  /** The person confirmed the code: starts the IdP login; answers where to send the browser. */
  async confirm(form: { userCode: string; browser: string; token: string; client: string }): Promise<string> {
    await this.checkForm(form);
    const { login } = await this.pendingByUserCode(form.userCode, form.client);
    // A fresh ref per confirmation: the page the IdP login returns to, bound to this attempt.
    const ref = randomBytes(16).toString('base64url');
    const started = await this.deps.logins.startOnServer(login.provider, `${this.publicUrl()}/device/complete/${ref}`, DEVICE_METHOD);
    await this.deps.store.deviceLogins.bindAttempt(login.device_code_hash, lookupHash(ref), lookupHash(started.attempt));
    return started.login_url;
  }

  /** The person refused: the device hears access_denied. */
  async deny(form: { userCode: string; browser: string; token: string; client: string }): Promise<void> {
    await this.checkForm(form);
    const { login } = await this.pendingByUserCode(form.userCode, form.client);
    if (await this.deps.store.deviceLogins.finish(login.device_code_hash, { status: 'denied' })) await this.failed(login.provider, 'access_denied');
  }

  /**
   * The browser is back from the IdP login with the one-time code (or `error`): the server
   * redeems it itself, and the identity waits for the device's next poll.
   */
  async complete(ref: string, answer: { code?: string | undefined; error?: string | undefined }): Promise<Identity> {
    const now = this.deps.clock.now();
    const login = await this.deps.store.deviceLogins.byRef(lookupHash(ref));
    if (login === undefined || login.status !== 'pending' || login.attempt_hash === null || login.expires_at <= now) throw new DeviceLoginNotPending();
    if (answer.code === undefined) {
      // BrowserLoginService already audited why the IdP login failed.
      await this.deps.store.deviceLogins.finish(login.device_code_hash, { status: 'denied' });
      throw new DeviceLoginFailed();
    }
    const identity = await this.deps.logins.redeemAttempt(login.provider, login.attempt_hash, answer.code);
    if (!(await this.deps.store.deviceLogins.finish(login.device_code_hash, { status: 'authenticated', identity }))) throw new DeviceLoginNotPending();
    this.deps.logger.info({ provider: login.provider, method: DEVICE_METHOD, user: identity.id }, 'device login confirmed in the browser');
    return identity;
  }

  /** The device's poll: one of the RFC 8628 errors, or the session once. */
  async token(deviceCode: string): Promise<LoginSession> {
    const now = this.deps.clock.now();
    const hashed = lookupHash(deviceCode);
    const login = await this.deps.store.deviceLogins.poll(hashed, now, POLL_SLACK_MS, SLOW_DOWN_STEP_MS);
    if (login === undefined) throw new InvalidDeviceCode();
    if (login.expires_at <= now) throw new ExpiredToken();
    if (login.slowed_at === now) throw new SlowDown(Math.round(login.interval_ms / 1000));
    if (login.status === 'denied') throw new AccessDenied();
    if (login.status === 'pending') throw new AuthorizationPending();
    // Single use: gone before the session exists, so a second poll (on any replica) finds nothing.
    const identity = await this.deps.store.deviceLogins.claim(hashed);
    if (identity === undefined) throw new InvalidDeviceCode();
    const session = await issueSessionToken(this.deps.keys, identity, { ttlMs: this.deps.sessionTtlMs, now });
    await this.deps.store.audit.append({
      actor: identityKey(identity),
      action: 'login.succeeded',
      subject: null,
      data: { provider: login.provider, method: DEVICE_METHOD, expires_at: session.expires_at },
    });
    this.deps.logger.info({ provider: login.provider, method: DEVICE_METHOD, user: identity.id }, 'login succeeded');
    this.deps.metrics?.login(login.provider, 'success');
    return { token: session.token, expires_at: session.expires_at, identity };
  }

  private async pendingByUserCode(userCode: string, client: string): Promise<{ login: DeviceLoginRow; code: string }> {
    await this.perClient.check(client);
    await this.overall.check('*');
    const now = this.deps.clock.now();
    const code = normaliseUserCode(userCode);
    const login = code === undefined ? undefined : await this.deps.store.deviceLogins.pendingByUserCode(lookupHash(code), now);
    if (login === undefined || code === undefined) {
      await this.perClient.fail(client);
      await this.overall.fail('*');
      await this.failed(null, 'invalid_user_code');
      throw new UserCodeUnknown();
    }
    return { login, code };
  }

  private async checkForm(form: { userCode: string; browser: string; token: string }): Promise<void> {
    if (form.browser.length < 32) throw new DeviceFormRefused();
    const dot = form.token.indexOf('.');
    const key = dot <= 0 ? undefined : await this.deps.keys.resolve(form.token.slice(0, dot));
    if (key === undefined) throw new DeviceFormRefused();
    const expected = Buffer.from(formMac(key, form.browser, form.userCode));
    const given = Buffer.from(form.token.slice(dot + 1));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new DeviceFormRefused();
  }

  private provider(providerId: string): void {
    const provider = this.deps.providers.get(providerId);
    if (provider?.identity?.kind !== 'redirect' || !provider.enabled) {
      throw new NotFound('identity_provider_not_found', `"${providerId}" is not a browser (OIDC or SAML) login provider`, 'provider');
    }
  }

  private async failed(providerId: string | null, reason: string): Promise<void> {
    await this.deps.store.audit.append({ actor: 'anonymous', action: 'login.failed', subject: null, data: { ...(providerId ? { provider: providerId } : {}), method: DEVICE_METHOD, reason } });
    this.deps.logger.info({ ...(providerId ? { provider: providerId } : {}), method: DEVICE_METHOD, reason }, 'login failed');
    this.deps.metrics?.login(providerId ?? 'unknown', 'failure');
  }
}
