// `providers.<id>.config` for type `oidc`. Unknown keys are errors. The issuer must be https,
// except on a loopback address (local IdPs, tests): the discovery document, the keys and the
// token endpoint all come from it.
import { z } from 'zod';
import { trustEmailSchema } from '../trust-email.js';
import { isLoopbackHost } from './loopback.js';

/** A scope token as RFC 6749 §3.3 defines it. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const DEFAULT_SCOPES = ['openid', 'email', 'profile'];
export const DEFAULT_GROUPS_CLAIM = 'groups';

/** https, or http on loopback; no credentials, query or fragment (an issuer identifier has none). */
export function issuerProblem(issuer: string): string | undefined {
  const url = new URL(issuer);
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    return 'the issuer must not carry credentials, a query or a fragment';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'the issuer must be an https URL (plain http only on a loopback address such as 127.0.0.1)';
}

export const oidcConfigSchema = z.strictObject({
  /** Issuer identifier; `<issuer>/.well-known/openid-configuration` is discovered. */
  issuer: z.url().superRefine((value, ctx) => {
    const problem = issuerProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  client_id: z.string().min(1),
  /** Omitted for a public client (PKCE only); usually `${LEASE_OIDC_SECRET}`. */
  client_secret: z.string().min(1).optional(),
  scopes: z
    .array(z.string().regex(SCOPE_TOKEN, 'expected a scope token (no spaces or quotes)'))
    .default(DEFAULT_SCOPES)
    .refine((scopes) => scopes.includes('openid'), { message: 'scopes must include "openid"' }),
  /** The claim holding the user's groups; a dotted path (`realm_access.roles`) reaches nested claims. */
  groups_claim: z.string().min(1).default(DEFAULT_GROUPS_CLAIM),
  /**
   * The IdP manages its users' addresses: an address without an `email_verified` claim counts as
   * verified (Entra ID sends none), and verified addresses identify people across identity providers.
   */
  trust_email: trustEmailSchema,
});

export type OidcConfig = z.infer<typeof oidcConfigSchema>;
