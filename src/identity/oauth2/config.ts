// `providers.<id>.config` for types `oauth2` (Thand's generic OAuth 2.0 shape, itself the DSL's
// oauth2 authentication policy) and `oauth2.google`. Both parse to one OAuth2Settings: absolute
// endpoints, the client, the scopes and what the config asks that Lease does not do (warnings).
// Every endpoint is https, or http on a loopback address (local IdPs, tests), as for `oidc`.
import { z } from 'zod';
import type { EngineIssue } from '../../providers/index.js';
import { issuerProblem } from '../oidc/index.js';
import { trustEmailSchema } from '../trust-email.js';

/** A scope token as RFC 6749 §3.3 defines it. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const scopes = (defaults: string[]) => z.array(z.string().regex(SCOPE_TOKEN, 'expected a scope token (no spaces or quotes)')).default(defaults);

export const DEFAULT_OAUTH2_SCOPES = ['openid', 'email', 'profile'];
export const DEFAULT_GOOGLE_SCOPES = ['email', 'profile'];
export const DEFAULT_OAUTH2_GROUPS_CLAIM = 'groups';

/** Google's endpoints (those Thand's `oauth2.google` uses) and the issuer its answers carry. */
export const GOOGLE_ENDPOINTS = {
  auth: 'https://accounts.google.com/o/oauth2/auth',
  token: 'https://oauth2.googleapis.com/token',
  userinfo: 'https://www.googleapis.com/oauth2/v2/userinfo',
} as const;
export const GOOGLE_ISSUER = 'https://accounts.google.com';

/** The grants the DSL names. Only the authorization code grant identifies a person. */
const GRANTS = ['authorization_code', 'client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'] as const;
const CLIENT_AUTHENTICATION = ['client_secret_basic', 'client_secret_post'] as const;
type ClientAuthentication = (typeof CLIENT_AUTHENTICATION)[number];

/** Something the config asks for that Lease ignores, said out loud at load (path under `config`). */
export type OAuth2ConfigWarning = EngineIssue;

/** What both types parse to. Endpoints are absolute; a missing one is discovered from `authority`. */
export interface OAuth2Settings {
  /** Absent only for `oauth2.google` written as Thand ships it (credentials from the environment): logins then fail. */
  client?: { id: string; secret?: string; authentication: ClientAuthentication };
  /** Discovery base: `<authority>/.well-known/openid-configuration` when an endpoint is missing. */
  authority?: string;
  endpoints: { auth?: string; token?: string; userinfo?: string };
  /** The issuer the IdP's answers name, when known without discovery (Google): an `iss` in an answer must match it. */
  issuer?: string;
  scopes: string[];
  groupsClaim: string;
  /** `trust_email`: an address the IdP says nothing about counts as verified; verified ones identify people across identity providers. */
  trustEmail: boolean;
  warnings: OAuth2ConfigWarning[];
}

/** https, or http on loopback; no credentials, query or fragment. */
function endpointProblem(url: string): string | undefined {
  return issuerProblem(url)?.replace(/the issuer/g, 'an endpoint');
}

function isAbsoluteUrl(value: string): boolean {
  return URL.canParse(value) && /^[a-z][a-z0-9+.-]*:/i.test(value);
}

/**
 * An endpoint as written: an absolute URL, or a path under `authority` (the DSL's relative
 * `endpoints.token`, Thand's `/token` under `https://accounts.google.com/o/oauth2`). The path
 * is appended to the authority's path, never resolved against its origin.
 */
export function resolveEndpoint(value: string, authority: string | undefined): string | undefined {
  if (isAbsoluteUrl(value)) return new URL(value).href;
  if (authority === undefined) return undefined;
  const base = new URL(authority);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/${value.replace(/^\/+/, '')}`;
  return base.href;
}

/** Thand's convention when no userinfo endpoint is configured: the token endpoint's last segment `token` becomes `userinfo`. */
export function conventionalUserinfo(token: string): string | undefined {
  const url = new URL(token);
  if (!/\/token$/.test(url.pathname) || url.search !== '') return undefined;
  url.pathname = url.pathname.replace(/token$/, 'userinfo');
  return url.href;
}

const urlString = z.string().min(1).refine(isAbsoluteUrl, 'expected an absolute URL (https://...)');
const endpointString = z.string().min(1);
const ENDPOINT_KEYS = ['auth', 'token', 'userinfo'] as const;
type EndpointKey = (typeof ENDPOINT_KEYS)[number];

const oauth2Fields = z.strictObject({
  /** The IdP's base URL: discovery (`/.well-known/openid-configuration`) and the base of relative endpoints. */
  authority: urlString.optional(),
  /** The DSL/Thand spelling: `{auth, token}` (+ Lease's `userinfo`), absolute or relative to `authority`. */
  endpoints: z.strictObject({ auth: endpointString.optional(), token: endpointString.optional(), userinfo: endpointString.optional() }).optional(),
  /** Thand's flat spellings of the same endpoints (absolute URLs). */
  auth_url: urlString.optional(),
  token_url: urlString.optional(),
  userinfo_url: urlString.optional(),
  /** Only `authorization_code` logs people in; the others load with a warning. */
  grant: z.enum(GRANTS, { message: `expected one of ${GRANTS.join(', ')}` }).default('authorization_code'),
  /** The DSL/Thand spelling of the client. */
  client: z
    .strictObject({
      id: z.string().min(1),
      secret: z.string().min(1).optional(),
      authentication: z.enum(CLIENT_AUTHENTICATION).optional(),
    })
    .optional(),
  /** Thand's flat spelling of the client. */
  client_id: z.string().min(1).optional(),
  client_secret: z.string().min(1).optional(),
  client_authentication: z.enum(CLIENT_AUTHENTICATION).optional(),
  scopes: scopes(DEFAULT_OAUTH2_SCOPES),
  /** Lease: the userinfo member holding the groups; a dotted path reaches nested members. */
  groups_claim: z.string().min(1).default(DEFAULT_OAUTH2_GROUPS_CLAIM),
  trust_email: trustEmailSchema,
  /** Thand keys Lease accepts and ignores, with a warning. */
  username_claim: z.string().min(1).optional(),
  redirect_url: z.string().min(1).optional(),
  /** Lease's OIDC spelling: refused here with a pointer to the right type. */
  issuer: z.unknown().optional(),
});

type OAuth2Raw = z.infer<typeof oauth2Fields>;

const FLAT_ENDPOINT: Record<EndpointKey, 'auth_url' | 'token_url' | 'userinfo_url'> = { auth: 'auth_url', token: 'token_url', userinfo: 'userinfo_url' };

/** The endpoints as absolute URLs, each with the path it was written at; problems go to `ctx`. */
function oauth2Endpoints(c: OAuth2Raw, ctx: z.RefinementCtx): OAuth2Settings['endpoints'] {
  const endpoints: OAuth2Settings['endpoints'] = {};
  for (const key of ENDPOINT_KEYS) {
    const nested = c.endpoints?.[key];
    const flat = c[FLAT_ENDPOINT[key]];
    if (nested !== undefined && flat !== undefined) {
      ctx.addIssue({ code: 'custom', path: [FLAT_ENDPOINT[key]], message: `give the ${key} endpoint once: endpoints.${key} or ${FLAT_ENDPOINT[key]}, not both` });
      continue;
    }
    const written = nested ?? flat;
    if (written === undefined) continue;
    const path = nested !== undefined ? ['endpoints', key] : [FLAT_ENDPOINT[key]];
    const url = resolveEndpoint(written, c.authority);
    if (url === undefined) {
      ctx.addIssue({ code: 'custom', path, message: 'a relative endpoint needs authority (the base URL it is relative to)' });
      continue;
    }
    const problem = endpointProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
    else endpoints[key] = url;
  }
  return endpoints;
}

function oauth2Client(c: OAuth2Raw, ctx: z.RefinementCtx): OAuth2Settings['client'] {
  const flat = c.client_id !== undefined || c.client_secret !== undefined || c.client_authentication !== undefined;
  if (c.client !== undefined && flat) {
    ctx.addIssue({ code: 'custom', path: ['client'], message: 'give the client once: client: {id, secret} or client_id / client_secret, not both' });
    return undefined;
  }
  const id = c.client?.id ?? c.client_id;
  if (id === undefined) {
    ctx.addIssue({ code: 'custom', path: ['client_id'], message: 'required: the OAuth client id (client_id, or client: {id, secret})' });
    return undefined;
  }
  const secret = c.client?.secret ?? c.client_secret;
  return { id, ...(secret !== undefined ? { secret } : {}), authentication: c.client?.authentication ?? c.client_authentication ?? 'client_secret_basic' };
}

export const oauth2ConfigSchema = oauth2Fields.transform((c, ctx): OAuth2Settings => {
  if (c.issuer !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['issuer'], message: 'issuer is an `oidc` key: use provider: oidc for OpenID Connect (ID token verified), or authority here for plain OAuth 2.0' });
  }
  if (c.authority !== undefined) {
    const problem = issuerProblem(c.authority);
    if (problem) ctx.addIssue({ code: 'custom', path: ['authority'], message: problem.replace('the issuer', 'authority') });
  }
  const client = oauth2Client(c, ctx);
  const endpoints = oauth2Endpoints(c, ctx);
  const discovered = c.authority !== undefined && (endpoints.auth === undefined || endpoints.token === undefined);
  if (c.authority === undefined && (c.endpoints?.auth ?? c.auth_url) === undefined) {
    ctx.addIssue({ code: 'custom', path: ['endpoints', 'auth'], message: 'required without authority: the authorization endpoint (endpoints.auth or auth_url)' });
  }
  if (c.authority === undefined && (c.endpoints?.token ?? c.token_url) === undefined) {
    ctx.addIssue({ code: 'custom', path: ['endpoints', 'token'], message: 'required without authority: the token endpoint (endpoints.token or token_url)' });
  }
  // Without discovery the userinfo endpoint is configured or follows Thand's convention.
  if (!discovered && endpoints.userinfo === undefined && endpoints.token !== undefined) {
    const conventional = conventionalUserinfo(endpoints.token);
    if (conventional === undefined) {
      ctx.addIssue({ code: 'custom', path: ['endpoints', 'userinfo'], message: 'required: the userinfo endpoint (it cannot be derived from a token endpoint that does not end in /token)' });
    } else {
      endpoints.userinfo = conventional;
    }
  }
  const warnings: OAuth2ConfigWarning[] = [];
  if (c.grant !== 'authorization_code') {
    warnings.push({ path: ['grant'], message: `grant ${c.grant} cannot identify a person: Lease logs people in with the authorization code grant` });
  }
  if (c.username_claim !== undefined) {
    warnings.push({ path: ['username_claim'], message: 'username_claim is ignored: a Lease identity is the userinfo subject (sub or id), its email, name and groups' });
  }
  if (c.redirect_url !== undefined) {
    warnings.push({ path: ['redirect_url'], message: 'redirect_url is ignored: register {server url}/api/v1/auth/{provider id}/callback at the IdP' });
  }
  return {
    ...(client !== undefined ? { client } : {}),
    ...(c.authority !== undefined ? { authority: c.authority } : {}),
    endpoints,
    scopes: c.scopes,
    groupsClaim: c.groups_claim,
    trustEmail: c.trust_email,
    warnings,
  };
});

export const googleOAuth2ConfigSchema = z
  .strictObject({
    /** As in Thand's files; Thand reads them from the environment when absent, Lease only through `${GOOGLE_CLIENT_ID}`. */
    client_id: z.string().min(1).optional(),
    client_secret: z.string().min(1).optional(),
    scopes: scopes(DEFAULT_GOOGLE_SCOPES),
    /** Lease: other absolute endpoints (a proxy, a test IdP); each defaults to Google's. */
    endpoints: z.strictObject({ auth: urlString.optional(), token: urlString.optional(), userinfo: urlString.optional() }).optional(),
    trust_email: trustEmailSchema,
  })
  .transform((c, ctx): OAuth2Settings => {
    const endpoints = { ...GOOGLE_ENDPOINTS, ...c.endpoints };
    for (const key of ENDPOINT_KEYS) {
      const problem = endpointProblem(endpoints[key]);
      if (problem) ctx.addIssue({ code: 'custom', path: ['endpoints', key], message: problem });
    }
    if ((c.client_id === undefined) !== (c.client_secret === undefined)) {
      ctx.addIssue({ code: 'custom', path: [c.client_id === undefined ? 'client_id' : 'client_secret'], message: 'Google needs both client_id and client_secret' });
    }
    const warnings: OAuth2ConfigWarning[] = [];
    if (c.client_id === undefined && c.client_secret === undefined) {
      warnings.push({ path: ['client_id'], message: 'no client_id / client_secret: logins through this provider fail until they are set (e.g. client_id: ${GOOGLE_CLIENT_ID}); Lease does not read them from the environment by itself' });
    }
    return {
      ...(c.client_id !== undefined ? { client: { id: c.client_id, ...(c.client_secret !== undefined ? { secret: c.client_secret } : {}), authentication: 'client_secret_basic' as const } } : {}),
      endpoints: { auth: new URL(endpoints.auth).href, token: new URL(endpoints.token).href, userinfo: new URL(endpoints.userinfo).href },
      // Google's own answers name Google as their issuer; overridden endpoints answer for someone else.
      ...(c.endpoints?.auth === undefined ? { issuer: GOOGLE_ISSUER } : {}),
      scopes: c.scopes,
      groupsClaim: DEFAULT_OAUTH2_GROUPS_CLAIM,
      trustEmail: c.trust_email,
      warnings,
    };
  });

export type OAuth2Config = z.input<typeof oauth2ConfigSchema>;
export type GoogleOAuth2Config = z.input<typeof googleOAuth2ConfigSchema>;
