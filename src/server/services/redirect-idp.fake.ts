// Fake, for unit tests of the browser login services and routes (excluded from the build): an
// in-process OIDC-style identity provider. The real OpenID provider runs in test/e2e/.
import type { Identity } from '../../core/index.js';
import { RedirectLoginFailed, type RedirectIdentityProvider, type RedirectLoginChecks } from '../../identity/index.js';

/** Answers `code=ok` with `identity` (as provider `id`) when the state matches; `error=...` or anything else fails. */
export class FakeRedirectIdp implements RedirectIdentityProvider {
  readonly kind = 'redirect';
  readonly type = 'oidc';
  private n = 0;
  constructor(
    readonly id: string,
    private readonly identity: Identity,
  ) {}

  async beginLogin(redirectUri: string): Promise<{ url: string; checks: RedirectLoginChecks }> {
    const checks = { state: `state-${++this.n}`, nonce: `nonce-${this.n}`, codeVerifier: `verifier-${this.n}`, redirectUri };
    return { url: `https://idp.example/authorize?state=${checks.state}`, checks };
  }

  async finishLogin(answer: URLSearchParams, checks: RedirectLoginChecks): Promise<Identity> {
    if (answer.get('error')) throw new RedirectLoginFailed(answer.get('error') as string);
    if (answer.get('state') !== checks.state || answer.get('code') !== 'ok') throw new RedirectLoginFailed('invalid_grant');
    return { ...this.identity, provider: this.id };
  }
}
