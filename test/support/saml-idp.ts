// A real SAML 2.0 IdP for tests: samlify as the identity provider (with samlify-node-xmllint as
// its schema validator), in process, signing with a throwaway RSA key and a self-signed
// certificate made by the `openssl` CLI. It reads Lease's AuthnRequest from the login URL (the
// HTTP-Redirect binding, as its SSO endpoint would) and builds the signed Response a browser
// would POST to Lease's ACS. Tweaks make the wrong answers the refusal tests need.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as validator from '@authenio/samlify-node-xmllint';
import { Constants, IdentityProvider, ServiceProvider, setSchemaValidator } from 'samlify';

setSchemaValidator(validator);

export interface SamlTestUser {
  nameId: string;
  email?: string;
  name?: string;
  groups?: string[];
}

/** Ways to get the Response wrong, one per refusal test. */
export interface ResponseTweaks {
  audience?: string;
  recipient?: string;
  /** When the assertion was issued (default now) and until when it is valid (default +5 min). */
  issuedAt?: Date;
  notOnOrAfter?: Date;
  /** Remove every signature: an unsigned Response. */
  unsigned?: boolean;
}

export interface SamlResponseForm {
  /** Where a browser would POST it: the ACS from Lease's metadata. */
  acsUrl: string;
  SAMLResponse: string;
  RelayState: string;
}

export interface TestSamlIdp {
  entityId: string;
  ssoUrl: string;
  /** The IdP's metadata XML (what Lease's `idp_metadata` takes). */
  metadata: string;
  certificate: string;
  /** Answers the AuthnRequest in `loginUrl` (from Lease's /start) as `user` would be logged in. */
  respond(loginUrl: string, spMetadata: string, user: SamlTestUser, tweaks?: ResponseTweaks): Promise<SamlResponseForm>;
}

/** A throwaway RSA key and self-signed certificate (PEM), via the openssl CLI. */
export function throwawayCertificate(commonName = 'lease-test-idp'): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lease-saml-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-subj', `/CN=${commonName}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const escapeXml = (value: string) => value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);

function attributeStatement(user: SamlTestUser): string {
  const attributes: [string, string[]][] = [];
  if (user.email !== undefined) attributes.push(['email', [user.email]]);
  if (user.name !== undefined) attributes.push(['name', [user.name]]);
  if (user.groups !== undefined) attributes.push(['groups', user.groups]);
  if (attributes.length === 0) return '';
  const body = attributes
    .map(([name, values]) => `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values.map((v) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
    .join('');
  return `<saml:AttributeStatement>${body}</saml:AttributeStatement>`;
}

const RESPONSE_TEMPLATE =
  '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}" InResponseTo="{InResponseTo}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>' +
  '<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}">' +
  '<saml:Issuer>{Issuer}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{NameID}</saml:NameID>' +
  '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{NotOnOrAfter}" Recipient="{Recipient}" InResponseTo="{InResponseTo}"/></saml:SubjectConfirmation></saml:Subject>' +
  '<saml:Conditions NotBefore="{IssueInstant}" NotOnOrAfter="{NotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>' +
  '<saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>' +
  '{AttributeStatement}</saml:Assertion></samlp:Response>';

/** Creates the IdP; another IdP with the same `entityId` and its own key is an impostor. */
export function createSamlIdp(options: { entityId?: string; ssoUrl?: string } = {}): TestSamlIdp {
  const entityId = options.entityId ?? 'https://idp.test.example/saml';
  const ssoUrl = options.ssoUrl ?? 'http://127.0.0.1:9/idp/sso';
  const { key, cert } = throwawayCertificate();
  const idp = IdentityProvider({
    entityID: entityId,
    privateKey: key,
    signingCert: cert,
    isAssertionEncrypted: false,
    nameIDFormat: ['urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified'],
    singleSignOnService: [{ Binding: Constants.namespace.binding.redirect, Location: ssoUrl }],
  });
  return {
    entityId,
    ssoUrl,
    metadata: idp.getMetadata(),
    certificate: cert,
    async respond(loginUrl, spMetadata, user, tweaks = {}) {
      const sp = ServiceProvider({ metadata: spMetadata });
      const url = new URL(loginUrl);
      // The IdP's SSO endpoint: parse (and schema-validate) the AuthnRequest from the query.
      const request = await idp.parseLoginRequest(sp, 'redirect', { query: Object.fromEntries(url.searchParams), octetString: '' } as never);
      const requestId = (request.extract as { request?: { id?: string } }).request?.id ?? '';
      const acsUrl = sp.entityMeta.getAssertionConsumerService('post') as string;
      if (!acsUrl) throw new Error('the SP metadata has no HTTP-POST AssertionConsumerService');
      const issuedAt = tweaks.issuedAt ?? new Date();
      const notOnOrAfter = tweaks.notOnOrAfter ?? new Date(issuedAt.getTime() + 5 * 60_000);
      const values: Record<string, string> = {
        ID: `_${randomBytes(16).toString('hex')}`,
        AssertionID: `_${randomBytes(16).toString('hex')}`,
        SessionIndex: `_${randomBytes(8).toString('hex')}`,
        IssueInstant: issuedAt.toISOString(),
        NotOnOrAfter: notOnOrAfter.toISOString(),
        Destination: acsUrl,
        Recipient: tweaks.recipient ?? acsUrl,
        Audience: tweaks.audience ?? (sp.entityMeta.getEntityID() as string),
        Issuer: entityId,
        InResponseTo: requestId,
        NameID: user.nameId,
      };
      const built = await idp.createLoginResponse(sp, request as never, 'post', {}, {
        relayState: url.searchParams.get('RelayState') ?? '',
        customTagReplacement: (template) => {
          void template;
          const context = RESPONSE_TEMPLATE.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'AttributeStatement' ? attributeStatement(user) : escapeXml(values[name] ?? '')));
          return { id: values.ID as string, context };
        },
      });
      let samlResponse = built.context;
      if (tweaks.unsigned) {
        const xml = Buffer.from(samlResponse, 'base64').toString('utf8').replace(/<ds:Signature\b[\s\S]*?<\/ds:Signature>/g, '');
        samlResponse = Buffer.from(xml, 'utf8').toString('base64');
      }
      return { acsUrl, SAMLResponse: samlResponse, RelayState: url.searchParams.get('RelayState') ?? '' };
    },
  };
}
