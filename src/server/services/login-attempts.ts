// Browser login attempts between `start` and `exchange`, kept in this server's memory with a TTL.
//
// Why memory and not the store: an attempt lives minutes, holds secrets (PKCE verifier, nonce,
// the identity awaiting exchange) that have no business on disk, and each step must be single
// use — a Map delete in one process is atomic without a transaction. The cost: a restart forgets
// pending logins (the user runs `lease login` again), and several replicas need sticky routing
// for /api/v1/auth/* until a store-backed LoginAttempts exists (the interface is the seam).
import type { Identity } from '../../core/index.js';
import type { RedirectLoginChecks } from '../../identity/index.js';

export interface LoginAttempt {
  /** Random, unguessable; the CLI presents it with the exchange code. */
  id: string;
  provider: string;
  /** Where the browser goes with the code: the CLI's loopback, or one of the server's own pages. */
  redirect: string;
  checks: RedirectLoginChecks;
  expiresAtMs: number;
  /** What the login is for when not the CLI's loopback (`device`); tags audit entries. */
  method?: string;
  /** Set once the IdP's answer passed: who logged in, and the one exchange code (by its jti). */
  authenticated?: { identity: Identity; codeId: string };
}

export interface LoginAttempts {
  /** Adds an attempt; false when too many are pending (the caller refuses the login). */
  add(attempt: LoginAttempt, nowMs: number): boolean;
  /** The attempt whose IdP state this is, removing the state so a second callback finds nothing. */
  takeByState(state: string, nowMs: number): LoginAttempt | undefined;
  /** Records the IdP login on an attempt taken by state. */
  authenticate(id: string, result: { identity: Identity; codeId: string }, expiresAtMs: number): void;
  /** Removes and returns the authenticated attempt if `codeId` is its code: single use. */
  redeem(id: string, codeId: string, nowMs: number): LoginAttempt | undefined;
  delete(id: string): void;
}

export class MemoryLoginAttempts implements LoginAttempts {
  private readonly byId = new Map<string, LoginAttempt>();
  private readonly idByState = new Map<string, string>();

  /** `limit` bounds memory: /start needs no session, so anyone can add attempts. */
  constructor(private readonly limit = 10_000) {}

  add(attempt: LoginAttempt, nowMs: number): boolean {
    if (this.byId.size >= this.limit) this.prune(nowMs);
    if (this.byId.size >= this.limit) return false;
    this.byId.set(attempt.id, attempt);
    this.idByState.set(attempt.checks.state, attempt.id);
    return true;
  }

  takeByState(state: string, nowMs: number): LoginAttempt | undefined {
    const id = this.idByState.get(state);
    if (id === undefined) return undefined;
    this.idByState.delete(state);
    const attempt = this.live(id, nowMs);
    return attempt?.authenticated === undefined ? attempt : undefined;
  }

  authenticate(id: string, result: { identity: Identity; codeId: string }, expiresAtMs: number): void {
    const attempt = this.byId.get(id);
    if (attempt) this.byId.set(id, { ...attempt, authenticated: result, expiresAtMs });
  }

  redeem(id: string, codeId: string, nowMs: number): LoginAttempt | undefined {
    const attempt = this.live(id, nowMs);
    if (attempt?.authenticated?.codeId !== codeId) return undefined;
    this.delete(id);
    return attempt;
  }

  delete(id: string): void {
    const attempt = this.byId.get(id);
    if (attempt) this.idByState.delete(attempt.checks.state);
    this.byId.delete(id);
  }

  private live(id: string, nowMs: number): LoginAttempt | undefined {
    const attempt = this.byId.get(id);
    if (attempt && attempt.expiresAtMs <= nowMs) {
      this.delete(id);
      return undefined;
    }
    return attempt;
  }

  private prune(nowMs: number): void {
    for (const [id, attempt] of this.byId) if (attempt.expiresAtMs <= nowMs) this.delete(id);
  }
}
