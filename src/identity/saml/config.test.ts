import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultRegistry } from '../../server/provider-types.js';
import { identityFromProfile } from './attributes.js';
import { samlConfigSchema, samlConfigWarnings } from './config.js';
import { parseIdpMetadata } from './idp-metadata.js';

const METADATA = `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/saml">
<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>ENC</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>
MIIB SIGN
</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/post"/>
<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso?a=1&amp;b=2"/>
</md:IDPSSODescriptor></md:EntityDescriptor>`;

describe('saml config', () => {
  test('accepts Thand\'s keys and defaults the skew to 30 s and the attributes to email, name, groups', () => {
    const config = samlConfigSchema.parse({ idp_metadata_url: 'https://idp.example/metadata', entity_id: 'lease', root_url: 'https://lease.example', sign_requests: false });
    assert.equal(config.clock_skew_seconds, 30);
    assert.deepEqual(config.attributes, {});
  });

  test('refuses a clock skew over 60 s, unknown keys, no IdP and two IdP sources', () => {
    const url = { idp_metadata_url: 'https://idp.example/metadata' };
    assert.equal(samlConfigSchema.safeParse({ ...url, clock_skew_seconds: 61 }).success, false);
    assert.equal(samlConfigSchema.safeParse({ ...url, idp_metadata_urls: 'x' }).success, false);
    assert.equal(samlConfigSchema.safeParse({}).success, false);
    assert.equal(samlConfigSchema.safeParse({ ...url, idp_metadata: '<x/>' }).success, false);
    assert.equal(samlConfigSchema.safeParse({ idp_cert: 'MIIB' }).success, false, 'idp_cert needs idp_sso_url');
  });

  test('refuses plain http metadata off loopback, and sign_requests without a key', () => {
    assert.equal(samlConfigSchema.safeParse({ idp_metadata_url: 'http://idp.example/metadata' }).success, false);
    assert.equal(samlConfigSchema.safeParse({ idp_metadata_url: 'http://127.0.0.1:8080/metadata' }).success, true);
    assert.equal(samlConfigSchema.safeParse({ idp_metadata_url: 'https://idp.example/m', sign_requests: true }).success, false);
  });

  test("takes Thand's inline cert and key as well as the files; a certificate needs its key", () => {
    const base = { idp_metadata_url: 'https://idp.example/m', sign_requests: true };
    assert.equal(samlConfigSchema.safeParse({ ...base, cert: 'PEM', key: 'PEM' }).success, true);
    assert.equal(samlConfigSchema.safeParse({ ...base, cert: 'PEM', key_file: '/k' }).success, true);
    assert.equal(samlConfigSchema.safeParse({ ...base, cert: 'PEM' }).success, false);
    const both = samlConfigSchema.parse({ ...base, cert: 'PEM', cert_file: '/c', key: 'PEM' });
    assert.deepEqual(samlConfigWarnings(both), [{ path: ['cert_file'], message: 'cert and cert_file are both given: the inline cert is used' }]);
  });

  test('is registered as type saml with the identity capability', async () => {
    const instance = (await defaultRegistry().create([{ id: 'corp', name: 'Corp', provider: 'saml', enabled: true, config: { idp_cert: 'MIIB', idp_sso_url: 'https://idp.example/sso' }, configDir: '.' }], { dataDir: '.lease' })).get('corp');
    assert.deepEqual(instance?.capabilities, ['identity']);
    assert.equal(instance?.identity?.kind, 'redirect');
    assert.equal(instance?.identity?.type, 'saml');
  });
});

describe('parseIdpMetadata', () => {
  test('reads the entity id, the signing certificates only and the HTTP-Redirect SSO URL', () => {
    assert.deepEqual(parseIdpMetadata(METADATA), { entityId: 'https://idp.example/saml', signingCerts: ['MIIBSIGN'], ssoUrl: 'https://idp.example/sso?a=1&b=2' });
  });

  test('refuses metadata without a signing certificate or a redirect SSO endpoint', () => {
    assert.throws(() => parseIdpMetadata(METADATA.replace(/<md:KeyDescriptor use="signing">[\s\S]*?<\/md:KeyDescriptor>/, '')), /no signing certificate/);
    assert.throws(() => parseIdpMetadata(METADATA.replace(/HTTP-Redirect/, 'SOAP')), /HTTP-Redirect/);
  });
});

describe('identityFromProfile', () => {
  const options = { providerId: 'corp', names: {} };

  test('maps NameID, email, name and groups (one or many values)', () => {
    assert.deepEqual(identityFromProfile({ nameID: 'u1', attributes: { email: 'a@x', name: 'A', groups: ['eng', 'eng', 'ops'] } }, options), {
      id: 'u1', email: 'a@x', email_verified: false, name: 'A', groups: ['eng', 'ops'], provider: 'corp', provider_type: 'saml',
    });
    assert.deepEqual(identityFromProfile({ nameID: 'u1', attributes: { groups: 'eng' } }, options)?.groups, ['eng']);
    assert.equal(identityFromProfile({ nameID: 'u1', attributes: { email: 'a@x' } }, { ...options, trustEmail: true })?.email_verified, true, 'only trust_email vouches for the address');
  });

  test('reads configured attribute names, and falls back to node-saml\'s mail for the email', () => {
    const names = { email: 'urn:oid:0.9.2342.19200300.100.1.3', name: 'displayName', groups: 'memberOf' };
    assert.deepEqual(identityFromProfile({ nameID: 'u1', attributes: { 'urn:oid:0.9.2342.19200300.100.1.3': 'a@x', displayName: 'A', memberOf: ['g'] } }, { providerId: 'corp', names }), {
      id: 'u1', email: 'a@x', email_verified: false, name: 'A', groups: ['g'], provider: 'corp', provider_type: 'saml',
    });
    assert.equal(identityFromProfile({ nameID: 'u1', email: 'm@x' }, options)?.email, 'm@x');
  });

  test('refuses a profile without a NameID', () => {
    assert.equal(identityFromProfile({ attributes: { email: 'a@x' } }, options), undefined);
  });
});
