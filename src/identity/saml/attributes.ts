// A validated SAML profile → the Lease identity: id = NameID, email/name/groups from the
// configured attribute names.
import type { Identity } from '../../core/index.js';
import { DEFAULT_ATTRIBUTES } from './config.js';

export interface AttributeNames {
  email?: string | undefined;
  name?: string | undefined;
  groups?: string | undefined;
}

/** Attribute values as node-saml gives them: a string, an array, or an object for complex values. */
function stringsOf(value: unknown): string[] {
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
}

function firstString(value: unknown): string | undefined {
  return stringsOf(value)[0];
}

/**
 * The identity for a validated profile, or undefined without a NameID. `attributes` is
 * `profile.attributes` (Name → value(s)); node-saml's `email` (from `mail` or the eduPerson OID)
 * is the fallback for the email.
 */
export function identityFromProfile(
  profile: { nameID?: unknown; email?: unknown; attributes?: unknown },
  options: { providerId: string; names: AttributeNames; trustEmail?: boolean },
): Identity | undefined {
  const nameId = profile.nameID;
  if (typeof nameId !== 'string' || nameId === '') return undefined;
  const attributes = (profile.attributes !== null && typeof profile.attributes === 'object' ? profile.attributes : {}) as Record<string, unknown>;
  const email = firstString(attributes[options.names.email ?? DEFAULT_ATTRIBUTES.email]) ?? firstString(profile.email);
  const name = firstString(attributes[options.names.name ?? DEFAULT_ATTRIBUTES.name]);
  return {
    id: nameId,
    // An assertion says nothing of whether the address was verified: only the config can vouch for it.
    ...(email !== undefined ? { email, email_verified: options.trustEmail === true } : {}),
    ...(name !== undefined ? { name } : {}),
    groups: stringsOf(attributes[options.names.groups ?? DEFAULT_ATTRIBUTES.groups]),
    provider: options.providerId,
    provider_type: 'saml',
  };
}
