// The `oidc` identity provider: OpenID Connect authorization code flow with PKCE (S256), state
// and nonce, through openid-client. The IdP's metadata comes from discovery on first use (and
// again after a failure), so the server starts even while the IdP is down.
import * as client from 'openid-client';
import type { Identity } from '../../core/index.js';
import type { ProviderFactory } from '../../providers/index.js';
import type { IdentityProviderInstance, RedirectIdentityProvider, RedirectLoginChecks } from '../types.js';
import { identityFromClaims } from './claims.js';
import { oidcConfigSchema, type OidcConfig } from './config.js';
import { IdentityProviderUnavailable, RedirectLoginFailed } from './errors.js';
import { failureReason, isUnreachable } from './failure.js';

/** Bounds every request to the IdP (discovery, keys, token, userinfo). */
const IDP_TIMEOUT_SECONDS = 10;

export class OidcIdentityProvider implements RedirectIdentityProvider {
  readonly kind = 'redirect';
  readonly type = 'oidc';
  private discovered: Promise<client.Configuration> | undefined;

  constructor(
    readonly id: string,
    private readonly config: OidcConfig,
  ) {}

  async beginLogin(redirectUri: string): Promise<{ url: string; checks: RedirectLoginChecks }> {
    const configuration = await this.configuration();
    const checks: RedirectLoginChecks = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
      redirectUri,
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: this.config.scopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, checks };
  }

  async finishLogin(answer: URLSearchParams, checks: RedirectLoginChecks): Promise<Identity> {
    const configuration = await this.configuration();
    // openid-client reads the parameters from the URL and sends its origin + path as redirect_uri.
    const current = new URL(checks.redirectUri);
    current.search = answer.toString();
    let claims: Record<string, unknown>;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (idToken === undefined) throw new RedirectLoginFailed('no_id_token');
      claims = { ...idToken };
      // Code flow IdPs often keep profile claims (email, groups) for userinfo; the ID token wins
      // where both say something, and userinfo must be about the same subject.
      if (configuration.serverMetadata().userinfo_endpoint) {
        const userinfo = await client.fetchUserInfo(configuration, tokens.access_token, idToken.sub);
        claims = { ...userinfo, ...idToken };
      }
    } catch (err) {
      if (err instanceof RedirectLoginFailed) throw err;
      if (isUnreachable(err)) throw new IdentityProviderUnavailable(this.id, 'no answer from the token or userinfo endpoint');
      throw new RedirectLoginFailed(failureReason(err));
    }
    const identity = identityFromClaims(claims, { providerId: this.id, groupsClaim: this.config.groups_claim, trustEmail: this.config.trust_email });
    if (identity === undefined) throw new RedirectLoginFailed('no_subject');
    return identity;
  }

  /** Discovery once, shared by concurrent logins; a failure is forgotten so the next login retries. */
  private configuration(): Promise<client.Configuration> {
    this.discovered ??= this.discover().catch((err: unknown) => {
      this.discovered = undefined;
      throw err;
    });
    return this.discovered;
  }

  private async discover(): Promise<client.Configuration> {
    const issuer = new URL(this.config.issuer);
    // The config schema allows plain http only on loopback addresses.
    const insecure = issuer.protocol === 'http:';
    const auth = this.config.client_secret === undefined ? client.None() : client.ClientSecretBasic(this.config.client_secret);
    try {
      return await client.discovery(issuer, this.config.client_id, undefined, auth, {
        timeout: IDP_TIMEOUT_SECONDS,
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      });
    } catch (err) {
      throw new IdentityProviderUnavailable(this.id, `discovery at ${issuer.origin} failed (${failureReason(err)})`);
    }
  }
}

/** A configured `oidc` provider instance; its `identity` is what browser login uses. */
export function createOidcIdentity(args: { id: string; name: string; enabled: boolean; config: OidcConfig }): IdentityProviderInstance {
  return {
    id: args.id,
    type: 'oidc',
    name: args.name,
    enabled: args.enabled,
    capabilities: ['identity'],
    identity: new OidcIdentityProvider(args.id, args.config),
  };
}

export const oidcIdentityFactory: ProviderFactory<OidcConfig> = {
  type: 'oidc',
  capabilities: ['identity'],
  configSchema: oidcConfigSchema,
  create: (args) => createOidcIdentity(args),
};
