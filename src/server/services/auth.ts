// Login and sessions: a password login through a `local` identity provider yields a session
// token (JWE, readable only by this server); every API call presents it as a bearer token.
import { createHash } from 'node:crypto';
import { InvalidCredentials, NotFound, Unauthenticated, type Clock, type Identity, type Logger } from '../../core/index.js';
import { issueSessionToken, verifySessionToken, type SessionKeys } from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { Store } from '../../store/index.js';
import type { LoginThrottle } from './login-throttle.js';

export interface AuthServiceDeps {
  store: Store;
  providers: Map<string, ProviderInstance>;
  keys: SessionKeys;
  clock: Clock;
  logger: Logger;
  throttle: LoginThrottle;
  sessionTtlMs: number;
}

/** Verified sessions kept in memory, so each API call need not decrypt its token again. */
const SESSION_CACHE_SIZE = 10_000;

export class AuthService {
  /** sha256(token) → identity and expiry; never the token itself. Bounded; oldest dropped first. */
  private readonly verified = new Map<string, { identity: Identity; expiresAtMs: number }>();

  constructor(private readonly deps: AuthServiceDeps) {}

  async loginWithPassword(providerId: string, username: string, password: string): Promise<{ token: string; expires_at: string; identity: Identity }> {
    const { providers, store, throttle, logger } = this.deps;
    const provider = providers.get(providerId);
    if (provider?.identity?.kind !== 'password' || !provider.enabled) {
      throw new NotFound('identity_provider_not_found', `"${providerId}" is not a password login provider`, 'provider');
    }
    const passwords = provider.identity;
    const key = `${providerId}/${username}`;
    throttle.check(key);
    let identity: Identity;
    try {
      identity = await passwords.authenticate(username, password);
    } catch (err) {
      if (err instanceof InvalidCredentials) {
        throttle.fail(key);
        await store.audit.append({ actor: username, action: 'login.failed', subject: null, data: { provider: providerId } });
        logger.info({ provider: providerId, user: username }, 'login failed');
      }
      throw err;
    }
    throttle.succeed(key);
    const session = await issueSessionToken(this.deps.keys, identity, { ttlMs: this.deps.sessionTtlMs, now: this.deps.clock.now() });
    await store.audit.append({ actor: identity.id, action: 'login.succeeded', subject: null, data: { provider: providerId, expires_at: session.expires_at } });
    logger.info({ provider: providerId, user: identity.id }, 'login succeeded');
    return { token: session.token, expires_at: session.expires_at, identity };
  }

  /** The identity behind an `Authorization: Bearer <token>` header; a JSON 401 otherwise. */
  async authenticate(header: string | undefined): Promise<Identity> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) throw new Unauthenticated('missing bearer token');
    return this.authenticateToken(match[1] as string);
  }

  /** The identity behind a session token, from a bearer header or the web session cookie. */
  async authenticateToken(token: string): Promise<Identity> {
    const now = this.deps.clock.now();
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.verified.get(key);
    if (cached && cached.expiresAtMs > now) return cached.identity;
    this.verified.delete(key);
    const session = await verifySessionToken(this.deps.keys, token, { now });
    if (this.verified.size >= SESSION_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(key, { identity: session.identity, expiresAtMs: Date.parse(session.expires_at) });
    return session.identity;
  }
}
