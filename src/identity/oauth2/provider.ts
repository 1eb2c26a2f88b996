// The `oauth2` and `oauth2.google` identity providers: plain OAuth 2.0 authorization code flow
// with PKCE (S256) and state through openid-client, then a userinfo call with the access token.
// Nothing here is OpenID Connect: no nonce, and an ID token in the token response is ignored
// (neither verified nor read) — the identity comes from userinfo only. Endpoints missing from
// the config are discovered from `authority` on the first login (and again after a failure).
import * as client from 'openid-client';
import type { Identity } from '../../core/index.js';
import type { ProviderFactory } from '../../providers/index.js';
import { IdentityProviderUnavailable, RedirectLoginFailed, failureReason, isUnreachable } from '../oidc/index.js';
import type { IdentityProviderInstance, RedirectIdentityProvider, RedirectLoginChecks } from '../types.js';
import { conventionalUserinfo, googleOAuth2ConfigSchema, oauth2ConfigSchema, type OAuth2Settings } from './config.js';
import { identityFromUserinfo } from './userinfo.js';

/** Bounds every request to the IdP (discovery, token, userinfo). */
const IDP_TIMEOUT_SECONDS = 10;

export type OAuth2ProviderType = 'oauth2' | 'oauth2.google';

/** The client and endpoints of one provider, once known. */
interface Resolved {
  configuration: client.Configuration;
  userinfo: URL;
  /** Whether an `iss` in the authorization response can be checked (the issuer is known). */
  issuerKnown: boolean;
}

/**
 * Fetch for the token request that drops `id_token` from the response: this is plain OAuth 2.0,
 * and openid-client would otherwise check an ID token against an issuer we may not know.
 */
function ignoringIdToken(tokenEndpoint: string): client.CustomFetch {
  return async (url, options) => {
    const response = await fetch(url, options as RequestInit);
    if (new URL(url).href !== tokenEndpoint) return response;
    const text = await response.text();
    const init = { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) };
    init.headers.delete('content-length');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return new Response(text, init);
    }
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) delete (body as Record<string, unknown>).id_token;
    return new Response(JSON.stringify(body), init);
  };
}

export class OAuth2IdentityProvider implements RedirectIdentityProvider {
  readonly kind = 'redirect';
  private resolved: Promise<Resolved> | undefined;

  constructor(
    readonly id: string,
    readonly type: OAuth2ProviderType,
    private readonly settings: OAuth2Settings,
  ) {}

  async beginLogin(redirectUri: string): Promise<{ url: string; checks: RedirectLoginChecks }> {
    const { configuration } = await this.resolve();
    // No nonce: nothing here reads an ID token.
    const checks: RedirectLoginChecks = { state: client.randomState(), nonce: '', codeVerifier: client.randomPKCECodeVerifier(), redirectUri };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: this.settings.scopes.join(' '),
      state: checks.state,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, checks };
  }

  async finishLogin(answer: URLSearchParams, checks: RedirectLoginChecks): Promise<Identity> {
    const { configuration, userinfo, issuerKnown } = await this.resolve();
    // openid-client reads the parameters from the URL and sends its origin + path as redirect_uri.
    const current = new URL(checks.redirectUri);
    const params = new URLSearchParams(answer);
    // RFC 9207's `iss` can only be compared with an issuer we know; the per-provider callback URL
    // already keeps one provider's answers away from another's.
    if (!issuerKnown) params.delete('iss');
    current.search = params.toString();
    let accessToken: string;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, current, { pkceCodeVerifier: checks.codeVerifier, expectedState: checks.state });
      accessToken = tokens.access_token;
    } catch (err) {
      if (isUnreachable(err)) throw new IdentityProviderUnavailable(this.id, 'no answer from the token endpoint');
      throw new RedirectLoginFailed(failureReason(err));
    }
    const info = await this.fetchUserinfo(configuration, accessToken, userinfo);
    const identity = identityFromUserinfo(info, { providerId: this.id, providerType: this.type, groupsClaim: this.settings.groupsClaim, trustEmail: this.settings.trustEmail });
    if (identity === undefined) throw new RedirectLoginFailed('no_subject');
    return identity;
  }

  /** GET userinfo with the access token; a JSON object, or a failure that names no token. */
  private async fetchUserinfo(configuration: client.Configuration, accessToken: string, url: URL): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await client.fetchProtectedResource(configuration, accessToken, url, 'GET', undefined, new Headers({ accept: 'application/json' }));
    } catch (err) {
      if (isUnreachable(err)) throw new IdentityProviderUnavailable(this.id, 'no answer from the userinfo endpoint');
      throw new RedirectLoginFailed('userinfo_refused');
    }
    if (response.status >= 500) throw new IdentityProviderUnavailable(this.id, `the userinfo endpoint answered ${response.status}`);
    if (response.status !== 200) throw new RedirectLoginFailed(`userinfo_status_${response.status}`);
    let info: unknown;
    try {
      info = await response.json();
    } catch {
      throw new RedirectLoginFailed('invalid_userinfo');
    }
    if (info === null || typeof info !== 'object' || Array.isArray(info)) throw new RedirectLoginFailed('invalid_userinfo');
    return info as Record<string, unknown>;
  }

  /** Endpoints once, shared by concurrent logins; a failed discovery is forgotten so the next login retries. */
  private resolve(): Promise<Resolved> {
    this.resolved ??= this.build().catch((err: unknown) => {
      this.resolved = undefined;
      throw err;
    });
    return this.resolved;
  }

  private async build(): Promise<Resolved> {
    const { client: credentials, endpoints, authority } = this.settings;
    if (credentials === undefined) throw new IdentityProviderUnavailable(this.id, 'no client_id is configured');
    let server: client.ServerMetadata;
    let issuerKnown = this.settings.issuer !== undefined;
    if (endpoints.auth !== undefined && endpoints.token !== undefined) {
      // Without a known issuer the token endpoint stands in for it: it names this AS and nothing is compared with it.
      server = { issuer: this.settings.issuer ?? endpoints.token, authorization_endpoint: endpoints.auth, token_endpoint: endpoints.token };
    } else {
      const discovered = await this.discover(authority as string, credentials.id);
      server = { ...discovered, ...(endpoints.auth ? { authorization_endpoint: endpoints.auth } : {}), ...(endpoints.token ? { token_endpoint: endpoints.token } : {}) };
      issuerKnown = true;
    }
    const token = server.token_endpoint;
    if (server.authorization_endpoint === undefined || token === undefined) {
      throw new IdentityProviderUnavailable(this.id, 'the discovered metadata names no authorization or token endpoint');
    }
    const userinfo = endpoints.userinfo ?? server.userinfo_endpoint ?? conventionalUserinfo(token);
    if (userinfo === undefined) throw new IdentityProviderUnavailable(this.id, 'no userinfo endpoint is configured or discovered');
    const auth =
      credentials.secret === undefined ? client.None() : credentials.authentication === 'client_secret_post' ? client.ClientSecretPost(credentials.secret) : client.ClientSecretBasic(credentials.secret);
    const configuration = new client.Configuration(server, credentials.id, undefined, auth);
    configuration.timeout = IDP_TIMEOUT_SECONDS;
    configuration[client.customFetch] = ignoringIdToken(new URL(token).href);
    // The config schema allows plain http only on loopback addresses.
    if ([server.authorization_endpoint, token, userinfo].some((u) => new URL(u).protocol === 'http:')) client.allowInsecureRequests(configuration);
    return { configuration, userinfo: new URL(userinfo), issuerKnown };
  }

  private async discover(authority: string, clientId: string): Promise<client.ServerMetadata> {
    const url = new URL(authority);
    try {
      const discovered = await client.discovery(url, clientId, undefined, client.None(), {
        timeout: IDP_TIMEOUT_SECONDS,
        ...(url.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      });
      return discovered.serverMetadata();
    } catch (err) {
      throw new IdentityProviderUnavailable(this.id, `discovery at ${url.origin} failed (${failureReason(err)})`);
    }
  }
}

function createOAuth2Identity(type: OAuth2ProviderType, args: { id: string; name: string; enabled: boolean; config: OAuth2Settings }): IdentityProviderInstance {
  return {
    id: args.id,
    type,
    name: args.name,
    enabled: args.enabled,
    capabilities: ['identity'],
    identity: new OAuth2IdentityProvider(args.id, type, args.config),
  };
}

export const oauth2IdentityFactory: ProviderFactory<OAuth2Settings> = {
  type: 'oauth2',
  capabilities: ['identity'],
  configSchema: oauth2ConfigSchema,
  create: (args) => createOAuth2Identity('oauth2', args),
  configWarnings: (config) => config.warnings,
};

export const googleOAuth2IdentityFactory: ProviderFactory<OAuth2Settings> = {
  type: 'oauth2.google',
  capabilities: ['identity'],
  configSchema: googleOAuth2ConfigSchema,
  create: (args) => createOAuth2Identity('oauth2.google', args),
  configWarnings: (config) => config.warnings,
};
