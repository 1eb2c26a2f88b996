// The `saml` identity provider: SAML 2.0 Web Browser SSO as a service provider, through
// @node-saml/node-saml. AuthnRequest by HTTP-Redirect, the IdP's Response by HTTP-POST to our ACS
// (`/api/v1/auth/<id>/callback`). Beyond node-saml's checks (assertion signature against the
// IdP's certificates, audience, time window with bounded skew, InResponseTo) we check here what
// it leaves to the caller: the Recipient and Destination are our ACS, the assertion answers this
// login attempt's own AuthnRequest, and its id was not used before.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SAML, SamlStatusError, ValidateInResponseTo, type CacheProvider, type Profile, type SamlConfig as NodeSamlConfig } from '@node-saml/node-saml';
import { InvalidInput, systemClock, type Clock, type Identity } from '../../core/index.js';
import type { ProviderFactory, SeenKeys } from '../../providers/index.js';
import { IdentityProviderUnavailable, RedirectLoginFailed } from '../oidc/index.js';
import type { IdentityProviderInstance, RedirectIdentityProvider, RedirectLoginChecks } from '../types.js';
import { identityFromProfile } from './attributes.js';
import { samlConfigSchema, samlConfigWarnings, type SamlConfig } from './config.js';
import { certificateBody, parseIdpMetadata, type IdpMetadata } from './idp-metadata.js';
import { SeenAssertions, StoredSeenAssertions, type AssertionReplayGuard } from './replay.js';

/** Assertions issued longer ago than this are refused whatever their NotOnOrAfter says. */
export const MAX_ASSERTION_AGE_MS = 10 * 60_000;
/** Bounds fetching the IdP's metadata. */
const IDP_TIMEOUT_MS = 10_000;

/** A short word for a node-saml refusal, safe to log and audit (its messages may quote the response). */
export function samlFailureReason(err: unknown): string {
  if (err instanceof RedirectLoginFailed) return err.reason;
  if (err instanceof SamlStatusError) return 'idp_refused';
  const message = err instanceof Error ? err.message : '';
  if (/signature/i.test(message)) return 'invalid_signature';
  if (/audience/i.test(message)) return 'wrong_audience';
  if (/not yet valid/i.test(message)) return 'not_yet_valid';
  if (/expired|too old|no valid subject confirmation/i.test(message)) return 'expired';
  if (/InResponseTo/.test(message)) return 'wrong_in_response_to';
  if (/issuer/i.test(message)) return 'wrong_issuer';
  return 'invalid_response';
}

/** The cache node-saml asks about InResponseTo: it knows exactly one request, this attempt's own. */
function attemptRequest(requestId: string, clock: Clock): CacheProvider {
  // The attempt (and so the request) is already bounded by the login attempt's TTL.
  const issued = () => new Date(clock.now()).toISOString();
  return {
    saveAsync: async (key, value) => ({ value, createdAt: clock.now(), key }) as never,
    getAsync: async (key) => (key === requestId ? issued() : null),
    removeAsync: async () => null,
  };
}

type XmlNode = { $?: Record<string, string | undefined> } & Record<string, unknown>;

function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  return Array.isArray(value) ? (value as XmlNode[]) : [];
}

function timeMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export class SamlIdentityProvider implements RedirectIdentityProvider {
  readonly kind = 'redirect';
  readonly type = 'saml';
  private metadata: Promise<IdpMetadata> | undefined;
  private readonly spCredentials: { cert: string; key: string } | undefined;
  private readonly clock: Clock;
  private readonly seen: AssertionReplayGuard;

  constructor(
    readonly id: string,
    private readonly config: SamlConfig,
    options: { clock?: Clock; configDir?: string; seen?: AssertionReplayGuard } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.seen = options.seen ?? new SeenAssertions(this.clock);
    const cert = config.cert ?? (config.cert_file === undefined ? undefined : readConfigFile(id, 'cert_file', config.cert_file, options.configDir));
    const key = config.key ?? (config.key_file === undefined ? undefined : readConfigFile(id, 'key_file', config.key_file, options.configDir));
    if (cert !== undefined && key !== undefined) this.spCredentials = { cert, key };
    // Inline metadata is checked now, so a broken config stops the server rather than a login.
    if (config.idp_metadata !== undefined) this.metadata = Promise.resolve(inlineMetadata(id, config.idp_metadata));
    if (config.idp_cert !== undefined && config.idp_sso_url !== undefined) {
      this.metadata = Promise.resolve({ signingCerts: [certificateBody(config.idp_cert)], ssoUrl: config.idp_sso_url, ...(config.idp_entity_id ? { entityId: config.idp_entity_id } : {}) });
    }
  }

  /** Our ACS: `root_url` when configured, else the server's own callback URL for this provider. */
  acsUrl(serverCallbackUrl: string): string {
    if (this.config.root_url === undefined) return serverCallbackUrl;
    return `${this.config.root_url.replace(/\/+$/, '')}/api/v1/auth/${encodeURIComponent(this.id)}/callback`;
  }

  /** Our entity id: configured, else the URL our metadata is served at. */
  entityId(acsUrl: string): string {
    return this.config.entity_id ?? acsUrl.replace(/\/callback$/, '/metadata');
  }

  /** The SP metadata to give the IdP: entity id, ACS (HTTP-POST), WantAssertionsSigned, our certificate. */
  async serviceProviderMetadata(serverCallbackUrl: string): Promise<string> {
    const acs = this.acsUrl(serverCallbackUrl);
    // Metadata does not depend on the IdP: a placeholder certificate avoids fetching its metadata.
    const saml = new SAML({ ...this.options(acs, { signingCerts: ['unused'], ssoUrl: 'https://unused.invalid/' }), cacheProvider: attemptRequest('', this.clock) });
    return saml.generateServiceProviderMetadata(null, this.spCredentials?.cert ?? null);
  }

  async beginLogin(redirectUri: string): Promise<{ url: string; checks: RedirectLoginChecks }> {
    const acs = this.acsUrl(redirectUri);
    const idp = await this.idpMetadata();
    const requestId = `_${randomBytes(20).toString('hex')}`;
    const relayState = randomBytes(32).toString('base64url');
    const saml = new SAML({ ...this.options(acs, idp), generateUniqueId: () => requestId, cacheProvider: attemptRequest(requestId, this.clock) });
    const url = await saml.getAuthorizeUrlAsync(relayState, undefined, {});
    // state = RelayState (finds the attempt); nonce = the AuthnRequest id (InResponseTo); no PKCE in SAML.
    return { url, checks: { state: relayState, nonce: requestId, codeVerifier: '', redirectUri: acs } };
  }

  async finishLogin(answer: URLSearchParams, checks: RedirectLoginChecks): Promise<Identity> {
    const samlResponse = answer.get('SAMLResponse');
    if (samlResponse === null || samlResponse === '') throw new RedirectLoginFailed('no_saml_response');
    const idp = await this.idpMetadata();
    const saml = new SAML({ ...this.options(checks.redirectUri, idp), cacheProvider: attemptRequest(checks.nonce, this.clock) });
    let profile: Profile | null;
    try {
      ({ profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse }));
    } catch (err) {
      throw new RedirectLoginFailed(samlFailureReason(err));
    }
    if (profile === null) throw new RedirectLoginFailed('no_assertion');
    // node-saml accepts a response without InResponseTo (IdP-initiated); we only answer our own requests.
    if (profile.inResponseTo !== checks.nonce) throw new RedirectLoginFailed('wrong_in_response_to');
    this.checkAddressedToUs(profile, checks.redirectUri);
    await this.checkNotReplayed(profile);
    const identity = identityFromProfile(profile, { providerId: this.id, names: this.config.attributes, trustEmail: this.config.trust_email });
    if (identity === undefined) throw new RedirectLoginFailed('no_name_id');
    return identity;
  }

  /** Recipient (in the signed assertion) must be our ACS; Destination (on the Response), when present, too. */
  private checkAddressedToUs(profile: Profile, acs: string): void {
    const assertion = (profile.getAssertion?.() as { Assertion?: XmlNode } | undefined)?.Assertion;
    const confirmations = children(children(assertion, 'Subject')[0], 'SubjectConfirmation');
    const recipients = confirmations.flatMap((c) => children(c, 'SubjectConfirmationData')).map((d) => d.$?.Recipient);
    if (!recipients.includes(acs)) throw new RedirectLoginFailed('wrong_recipient');
    const root = /^\s*(?:<\?xml[^>]*\?>)?\s*(?:<!--[\s\S]*?-->\s*)*<(?:[\w.-]+:)?Response\b([^>]*)>/.exec(profile.getSamlResponseXml?.() ?? '');
    const destination = root ? /\sDestination\s*=\s*"([^"]*)"/.exec(root[1] as string)?.[1] : undefined;
    if (destination !== undefined && destination !== acs) throw new RedirectLoginFailed('wrong_destination');
  }

  /** The assertion id is used once; kept until the assertion could no longer pass the time checks. */
  private async checkNotReplayed(profile: Profile): Promise<void> {
    const assertion = (profile.getAssertion?.() as { Assertion?: XmlNode } | undefined)?.Assertion;
    const assertionId = assertion?.$?.ID;
    if (assertionId === undefined || assertionId === '') throw new RedirectLoginFailed('no_assertion_id');
    const issued = timeMs(assertion?.$?.IssueInstant) ?? this.clock.now();
    const confirmationEnds = children(children(assertion, 'Subject')[0], 'SubjectConfirmation')
      .flatMap((c) => children(c, 'SubjectConfirmationData'))
      .map((d) => timeMs(d.$?.NotOnOrAfter));
    const conditionEnds = children(assertion, 'Conditions').map((c) => timeMs(c.$?.NotOnOrAfter));
    const ends = [...confirmationEnds, ...conditionEnds, issued + MAX_ASSERTION_AGE_MS].filter((t): t is number => t !== undefined);
    const until = Math.max(...ends) + this.config.clock_skew_seconds * 1000;
    const seen = await this.seen.remember(`${profile.issuer}\n${assertionId}`, until);
    if (seen === 'replayed') throw new RedirectLoginFailed('replayed_assertion');
    if (seen === 'full') throw new IdentityProviderUnavailable(this.id, 'too many recent logins to track; try again shortly');
  }

  private options(acs: string, idp: IdpMetadata): NodeSamlConfig {
    const entityId = this.entityId(acs);
    const idpIssuer = this.config.idp_entity_id ?? idp.entityId;
    return {
      callbackUrl: acs,
      issuer: entityId,
      audience: entityId,
      entryPoint: idp.ssoUrl,
      idpCert: idp.signingCerts,
      ...(idpIssuer !== undefined ? { idpIssuer } : {}),
      wantAssertionsSigned: true,
      // The assertion's signature is what we rely on; many IdPs sign only the assertion.
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: this.config.clock_skew_seconds * 1000,
      maxAssertionAgeMs: MAX_ASSERTION_AGE_MS,
      validateInResponseTo: ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: MAX_ASSERTION_AGE_MS,
      // Let the IdP choose the NameID format and the authentication method (MFA included).
      identifierFormat: null,
      disableRequestedAuthnContext: true,
      signatureAlgorithm: 'sha256',
      digestAlgorithm: 'sha256',
      ...(this.config.sign_requests && this.spCredentials ? { privateKey: this.spCredentials.key, publicCert: this.spCredentials.cert } : {}),
    };
  }

  /** Metadata from the URL once, shared by concurrent logins; a failure is forgotten so the next login retries. */
  private idpMetadata(): Promise<IdpMetadata> {
    this.metadata ??= this.fetchMetadata().catch((err: unknown) => {
      this.metadata = undefined;
      throw err;
    });
    return this.metadata;
  }

  private async fetchMetadata(): Promise<IdpMetadata> {
    const url = this.config.idp_metadata_url as string;
    let xml: string;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(IDP_TIMEOUT_MS), redirect: 'error' });
      if (!response.ok) throw new Error(`status ${response.status}`);
      xml = await response.text();
    } catch {
      throw new IdentityProviderUnavailable(this.id, `metadata at ${new URL(url).origin} could not be fetched`);
    }
    try {
      return parseIdpMetadata(xml);
    } catch (err) {
      throw new IdentityProviderUnavailable(this.id, `metadata at ${new URL(url).origin} is unusable: ${err instanceof Error ? err.message : 'unreadable'}`);
    }
  }
}

function inlineMetadata(id: string, xml: string): IdpMetadata {
  try {
    return parseIdpMetadata(xml);
  } catch (err) {
    throw new InvalidInput(`provider "${id}": idp_metadata is unusable: ${err instanceof Error ? err.message : 'unreadable'}`, `providers.${id}.config.idp_metadata`);
  }
}

function readConfigFile(id: string, key: string, path: string, configDir = '.'): string {
  try {
    return readFileSync(resolve(configDir, path), 'utf8');
  } catch {
    throw new InvalidInput(`provider "${id}": ${key} ${JSON.stringify(path)} cannot be read`, `providers.${id}.config.${key}`);
  }
}

/** A configured `saml` provider instance; its `identity` is what browser login uses. */
export function createSamlIdentity(args: { id: string; name: string; enabled: boolean; config: SamlConfig; configDir?: string; clock?: Clock; seenKeys?: SeenKeys | undefined }): IdentityProviderInstance {
  return {
    id: args.id,
    type: 'saml',
    name: args.name,
    enabled: args.enabled,
    capabilities: ['identity'],
    identity: new SamlIdentityProvider(args.id, args.config, {
      ...(args.configDir ? { configDir: args.configDir } : {}),
      ...(args.clock ? { clock: args.clock } : {}),
      // With the server's store, an assertion is used once across every replica.
      ...(args.seenKeys ? { seen: new StoredSeenAssertions(args.seenKeys) } : {}),
    }),
  };
}

export const samlIdentityFactory: ProviderFactory<SamlConfig> = {
  type: 'saml',
  capabilities: ['identity'],
  configSchema: samlConfigSchema,
  configWarnings: samlConfigWarnings,
  create: (args) => createSamlIdentity({ ...args, configDir: args.deps.configDir, seenKeys: args.deps.seenKeys }),
};
