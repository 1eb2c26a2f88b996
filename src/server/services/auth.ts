// Login and sessions: a password login through a `local` identity provider yields a session
// token (JWE, readable only by this server); every API call presents it as a bearer token (or
// the web session cookie). A session ends when it expires, when its user logs out, when an
// administrator ends all of that user's sessions (both kept in the store), or when the key that
// encrypted it is revoked (`lease keys revoke`); all are checked on every call, whatever the
// cache of verified tokens holds.
import { createHash } from 'node:crypto';
import { Forbidden, InvalidCredentials, NotFound, Unauthenticated, identityKey, toIso, type Clock, type Identity, type LeaseMetrics, type Logger } from '../../core/index.js';
import { issueSessionToken, verifySessionToken, type SessionKeys } from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { Store } from '../../store/index.js';
import type { AccessControl } from './access-control.js';
import type { LoginThrottle } from './login-throttle.js';

export interface AuthServiceDeps {
  /** Login successes and failures by identity provider. */
  metrics?: LeaseMetrics;
  store: Store;
  providers: Map<string, ProviderInstance>;
  keys: SessionKeys;
  clock: Clock;
  logger: Logger;
  throttle: LoginThrottle;
  access: AccessControl;
  sessionTtlMs: number;
}

/** A verified session that has not been ended: its identity and what revocation needs. */
export interface LiveSession {
  identity: Identity;
  jti: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

/** The session was ended by a logout or by an administrator (401). */
export class SessionRevoked extends Unauthenticated {
  constructor() {
    super('session ended (logged out, or ended by an administrator); log in again', 'session_revoked');
  }
}

/** Verified sessions kept in memory, so each API call need not decrypt its token again. */
const SESSION_CACHE_SIZE = 10_000;

export class AuthService {
  /** sha256(token) → the verified session and its key id; never the token itself. Bounded; oldest dropped first. */
  private readonly verified = new Map<string, LiveSession & { kid: string }>();

  constructor(private readonly deps: AuthServiceDeps) {}

  /** The enabled identity providers a person can sign in with, and how (the web sign-in page lists them). */
  loginProviders(): { id: string; name: string; type: string; login: 'password' | 'redirect' }[] {
    return [...this.deps.providers.values()]
      .filter((p) => p.enabled && p.identity !== undefined)
      .map((p) => ({ id: p.id, name: p.name, type: p.type, login: p.identity!.kind }));
  }

  /** Whether `identity` is an administrator (server.admins): the web app shows its admin screens. */
  isAdmin(identity: Identity): boolean {
    return this.deps.access.isAdmin(identity);
  }

  /** `clientAddress` is the caller's address (client-address.ts): the throttle counts failures per user and address. */
  async loginWithPassword(providerId: string, username: string, password: string, clientAddress: string): Promise<{ token: string; expires_at: string; identity: Identity }> {
    const { providers, store, throttle, logger } = this.deps;
    const provider = providers.get(providerId);
    if (provider?.identity?.kind !== 'password' || !provider.enabled) {
      throw new NotFound('identity_provider_not_found', `"${providerId}" is not a password login provider`, 'provider');
    }
    const passwords = provider.identity;
    const attempt = { provider: providerId, username, address: clientAddress };
    await throttle.admit(attempt);
    let identity: Identity;
    try {
      identity = await passwords.authenticate(username, password);
    } catch (err) {
      if (err instanceof InvalidCredentials) {
        await throttle.fail(attempt);
        await store.audit.append({ actor: identityKey({ provider: providerId, id: username }), action: 'login.failed', subject: null, data: { provider: providerId, address: clientAddress } });
        logger.info({ provider: providerId, user: username, address: clientAddress }, 'login failed');
        this.deps.metrics?.login(providerId, 'failure');
      }
      throw err;
    }
    await throttle.succeed(attempt);
    const session = await issueSessionToken(this.deps.keys, identity, { ttlMs: this.deps.sessionTtlMs, now: this.deps.clock.now() });
    await store.audit.append({ actor: identityKey(identity), action: 'login.succeeded', subject: null, data: { provider: providerId, expires_at: session.expires_at } });
    logger.info({ provider: providerId, user: identity.id }, 'login succeeded');
    this.deps.metrics?.login(providerId, 'success');
    return { token: session.token, expires_at: session.expires_at, identity };
  }

  /** The identity behind an `Authorization: Bearer <token>` header; a JSON 401 otherwise. */
  async authenticate(header: string | undefined): Promise<Identity> {
    const token = bearerToken(header);
    if (token === undefined) throw new Unauthenticated('missing bearer token');
    return (await this.verify(token)).identity;
  }

  /** The identity behind a session token, from a bearer header or the web session cookie. */
  async authenticateToken(token: string): Promise<Identity> {
    return (await this.verify(token)).identity;
  }

  /**
   * The live session behind a token, or Unauthenticated: `session_expired`, `session_revoked`
   * (logged out, or ended by an administrator), `unauthenticated` for anything else.
   */
  async verify(token: string): Promise<LiveSession> {
    const now = this.deps.clock.now();
    const key = createHash('sha256').update(token).digest('base64url');
    let session = this.verified.get(key);
    // A cached session whose key was revoked since (here, or in the shared key file by
    // `lease keys revoke` or another replica) is verified again, and refused.
    if (session === undefined || session.expiresAtMs <= now || !(await this.deps.keys.accepts(session.kid))) {
      this.verified.delete(key);
      const verified = await verifySessionToken(this.deps.keys, token, { now });
      session = { identity: verified.identity, jti: verified.jti, issuedAtMs: verified.issued_at_ms, expiresAtMs: Date.parse(verified.expires_at), kid: verified.kid };
      if (this.verified.size >= SESSION_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(key, session);
    }
    // Every call, cached or not: a logout or an administrator may have ended it since.
    const { jti, identity, issuedAtMs } = session;
    if (await this.deps.store.sessions.isRevoked({ jti, provider: identity.provider, user_id: identity.id, issued_at_ms: issuedAtMs })) {
      this.verified.delete(key);
      throw new SessionRevoked();
    }
    return session;
  }

  /** The live session behind a token, or undefined when it is expired, ended or not a token. */
  async liveSession(token: string): Promise<LiveSession | undefined> {
    try {
      return await this.verify(token);
    } catch (err) {
      if (err instanceof Unauthenticated) return undefined;
      throw err;
    }
  }

  /** Logout: the session ends now, for every copy of its token (kept in the store until it would have expired). */
  async endSession(session: LiveSession): Promise<void> {
    const { identity } = session;
    await this.deps.store.transaction(async (tx) => {
      await tx.sessions.revoke(session.jti, session.expiresAtMs);
      await tx.audit.append({ actor: identityKey(identity), action: 'session.revoked', subject: null, data: { provider: identity.provider, reason: 'logout' } });
    });
    this.deps.logger.info({ provider: identity.provider, user: identity.id }, 'logged out');
  }

  /**
   * An administrator ends every session of one identity (`provider`, `userId`) issued until
   * now; sessions issued afterwards work. Answers the cut-off.
   */
  async endSessionsOf(admin: Identity, provider: string, userId: string): Promise<{ provider: string; user: string; ended_before: string }> {
    if (!this.deps.access.isAdmin(admin)) throw new Forbidden('admin_required', 'ending sessions of a user is for administrators (server.admins)');
    if (this.deps.providers.get(provider)?.identity === undefined) {
      throw new NotFound('identity_provider_not_found', `"${provider}" is not an identity provider of this server`, 'provider');
    }
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      await tx.sessions.revokeIdentity(provider, userId, now);
      await tx.audit.append({
        actor: identityKey(admin),
        action: 'sessions.revoked',
        subject: identityKey({ provider, id: userId }),
        data: { provider, user: userId, ended_before: toIso(now) },
      });
    });
    this.deps.logger.info({ provider, user: userId, by: identityKey(admin) }, 'sessions ended by an administrator');
    return { provider, user: userId, ended_before: toIso(now) };
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}
