// The parts of an IdP's SAML metadata the SP needs: its entity id, its signing certificates and
// its SSO endpoint for the HTTP-Redirect binding. A deliberately small reader (no XML library
// beyond node-saml's own is a dependency): it looks inside the IDPSSODescriptor only, takes
// KeyDescriptors marked `use="signing"` or unmarked, and refuses metadata without either part.
const REDIRECT_BINDING = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

export interface IdpMetadata {
  entityId?: string;
  /** Base64 DER bodies (no PEM armour), as node-saml's idpCert accepts them. */
  signingCerts: string[];
  ssoUrl: string;
}

/** A problem with the metadata document; the message names what is missing, never quotes it. */
export class IdpMetadataInvalid extends Error {}

/** `<prefix:Name` or `<Name` with a namespace prefix of any spelling. */
const tag = (name: string) => `<(?:[\\w.-]+:)?${name}\\b`;
const close = (name: string) => `</(?:[\\w.-]+:)?${name}\\s*>`;

function attribute(element: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(element);
  const value = m?.[1] ?? m?.[2];
  return value === undefined ? undefined : decodeEntities(value);
}

function decodeEntities(value: string): string {
  return value.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? '');
}

export function parseIdpMetadata(xml: string): IdpMetadata {
  const withoutComments = xml.replace(/<!--[\s\S]*?-->/g, '');
  const entity = new RegExp(`${tag('EntityDescriptor')}[^>]*>`).exec(withoutComments)?.[0];
  const descriptor = new RegExp(`${tag('IDPSSODescriptor')}[^>]*>([\\s\\S]*?)${close('IDPSSODescriptor')}`).exec(withoutComments)?.[1];
  if (descriptor === undefined) throw new IdpMetadataInvalid('the metadata has no IDPSSODescriptor');

  const signingCerts: string[] = [];
  for (const key of descriptor.matchAll(new RegExp(`(${tag('KeyDescriptor')}[^>]*>)([\\s\\S]*?)${close('KeyDescriptor')}`, 'g'))) {
    const use = attribute(key[1] as string, 'use');
    if (use !== undefined && use !== 'signing') continue;
    for (const cert of (key[2] as string).matchAll(new RegExp(`${tag('X509Certificate')}[^>]*>([\\s\\S]*?)${close('X509Certificate')}`, 'g'))) {
      const body = (cert[1] as string).replace(/\s+/g, '');
      if (body !== '' && !signingCerts.includes(body)) signingCerts.push(body);
    }
  }
  if (signingCerts.length === 0) throw new IdpMetadataInvalid('the metadata has no signing certificate');

  let ssoUrl: string | undefined;
  for (const sso of descriptor.matchAll(new RegExp(`${tag('SingleSignOnService')}[^>]*>`, 'g'))) {
    if (attribute(sso[0], 'Binding') === REDIRECT_BINDING) ssoUrl ??= attribute(sso[0], 'Location');
  }
  if (ssoUrl === undefined) throw new IdpMetadataInvalid('the metadata has no SingleSignOnService for the HTTP-Redirect binding');
  const entityId = entity === undefined ? undefined : attribute(entity, 'entityID');
  return { ...(entityId !== undefined ? { entityId } : {}), signingCerts, ssoUrl };
}

/** A PEM certificate or a bare base64 body → the bare body. */
export function certificateBody(cert: string): string {
  return cert.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}
