// Browser login attempts between `start` and `exchange`, in the store so that every replica
// behind a load balancer can take the next step: the IdP may send the browser back to one
// replica and the CLI exchange its code at another. Each step is single use across replicas
// (one UPDATE/DELETE … RETURNING in the store). The attempt id, state and exchange code are kept
// only as their SHA-256; the checks (PKCE verifier, nonce) are sealed (login-secrets.ts).
import type { Identity } from '../../core/index.js';
import type { RedirectLoginChecks, SessionKeys } from '../../identity/index.js';
import type { Store } from '../../store/index.js';
import { lookupHash, openForRow, sealForRow } from './login-secrets.js';

/** Pending logins at most: /start needs no session, so anyone can add attempts. */
export const DEFAULT_PENDING_LOGINS_LIMIT = 10_000;

export interface LoginAttempt {
  /** SHA-256 of the attempt id (the id itself only the client that started the login holds). */
  idHash: string;
  provider: string;
  /** Where the browser goes with the code: the CLI's loopback, or one of the server's own pages. */
  redirect: string;
  checks: RedirectLoginChecks;
  expiresAtMs: number;
  /** What the login is for when not the CLI's loopback (`device`); tags audit entries. */
  method?: string;
}

/** An attempt whose exchange code was presented: who logged in, and until when the code was good. */
export interface RedeemedAttempt {
  provider: string;
  identity: Identity;
  codeExpiresAtMs: number;
}

export class LoginAttempts {
  private readonly limit: number;

  constructor(private readonly deps: { store: Store; keys: SessionKeys; limit?: number }) {
    this.limit = deps.limit ?? DEFAULT_PENDING_LOGINS_LIMIT;
  }

  /** Adds an attempt named by `id`; false when too many are pending (the caller refuses the login). */
  async add(id: string, attempt: Omit<LoginAttempt, 'idHash'>, nowMs: number): Promise<boolean> {
    const idHash = lookupHash(id);
    return this.deps.store.loginAttempts.add(
      {
        id_hash: idHash,
        state_hash: lookupHash(attempt.checks.state),
        provider: attempt.provider,
        redirect: attempt.redirect,
        method: attempt.method ?? null,
        sealed_checks: await sealForRow(this.deps.keys, attempt.checks, idHash),
        expires_at: attempt.expiresAtMs,
      },
      nowMs,
      this.limit,
    );
  }

  /** The attempt whose IdP state this is, taking the state so a second callback (here or on another replica) finds nothing. */
  async takeByState(state: string, nowMs: number): Promise<LoginAttempt | undefined> {
    const row = await this.deps.store.loginAttempts.takeByState(lookupHash(state), nowMs);
    if (row === undefined) return undefined;
    const checks = await openForRow<RedirectLoginChecks>(this.deps.keys, row.sealed_checks, row.id_hash);
    // Sealed under a session key revoked since: the login cannot be checked, so it is over.
    if (checks === undefined || checks.state !== state) {
      await this.remove(row.id_hash);
      return undefined;
    }
    return { idHash: row.id_hash, provider: row.provider, redirect: row.redirect, checks, expiresAtMs: row.expires_at, ...(row.method === null ? {} : { method: row.method }) };
  }

  /** Records the IdP login on an attempt taken by state, with its one exchange code. */
  async authenticate(idHash: string, identity: Identity, code: string, codeExpiresAtMs: number, expiresAtMs: number): Promise<void> {
    await this.deps.store.loginAttempts.authenticate(idHash, identity, lookupHash(code), codeExpiresAtMs, expiresAtMs);
  }

  /** Removes and returns the authenticated attempt if `code` is its exchange code: single use, on every replica. */
  async redeem(idHash: string, code: string): Promise<RedeemedAttempt | undefined> {
    const row = await this.deps.store.loginAttempts.redeem(idHash, lookupHash(code));
    if (row?.identity === null || row?.identity === undefined || row.code_expires_at === null) return undefined;
    return { provider: row.provider, identity: row.identity, codeExpiresAtMs: row.code_expires_at };
  }

  async remove(idHash: string): Promise<void> {
    await this.deps.store.loginAttempts.remove(idHash);
  }
}
