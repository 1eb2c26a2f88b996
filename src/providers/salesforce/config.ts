// `providers.<id>.config` for type `salesforce`: Thand's keys (`domain`, `username`, `password`,
// `security_token`; its code also reads `endpoint` and `token`, accepted as the same), or OAuth
// client credentials (`client_id` + `client_secret`), and the REST `api_version`. Unknown keys
// are errors.
import { z } from 'zod';

export const DEFAULT_API_VERSION = '62.0';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** `acme.my.salesforce.com` or a base URL; https, or http on a loopback address (a test's contract server). */
const domain = z
  .string()
  .min(1, 'expected the My Domain host, e.g. acme.my.salesforce.com')
  .transform((value) => (/^[a-z]+:\/\//i.test(value) ? value : `https://${value}`))
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) return void ctx.addIssue({ code: 'custom', message: 'expected a host like acme.my.salesforce.com or an https URL' });
    const url = new URL(value);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) ctx.addIssue({ code: 'custom', message: 'expected https (http only on a loopback address)' });
    if (url.pathname !== '/' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') ctx.addIssue({ code: 'custom', message: 'expected a host or base URL without path, credentials, query or fragment' });
  })
  .transform((value) => new URL(value).origin);

const secret = (what: string) => z.string().min(1, `expected the ${what}`);

export const salesforceConfigSchema = z
  .strictObject({
    /** Thand's: the org's My Domain host (`acme.my.salesforce.com`), or `login.salesforce.com` / `test.salesforce.com`. */
    domain: domain.optional(),
    /** Thand's code reads this as the login URL: the same as `domain`. */
    endpoint: domain.optional(),
    /** Username-password flow: the integration user. */
    username: z.string().min(1).optional(),
    password: secret('password').optional(),
    /** Appended to the password in the username-password flow. */
    security_token: secret('security token').optional(),
    /** Thand's code's name for `security_token`. */
    token: secret('security token').optional(),
    /** The connected (external client) app; with `client_secret` and no `username`: the client-credentials flow. */
    client_id: z.string().min(1).optional(),
    client_secret: secret('client secret').optional(),
    /** REST API version (ExpirationDate on permission set assignments needs 52.0 or later). */
    api_version: z.string().regex(/^\d{2,3}\.0$/, 'expected an API version like 62.0').default(DEFAULT_API_VERSION),
  })
  .superRefine((config, ctx) => {
    if (config.domain === undefined && config.endpoint === undefined) ctx.addIssue({ code: 'custom', path: ['domain'], message: 'the domain is required (e.g. acme.my.salesforce.com)' });
    if (config.domain !== undefined && config.endpoint !== undefined && config.domain !== config.endpoint) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'give domain or endpoint, not both' });
    if (config.security_token !== undefined && config.token !== undefined) ctx.addIssue({ code: 'custom', path: ['token'], message: 'give security_token or token, not both' });
    if (Number(config.api_version) < 52) ctx.addIssue({ code: 'custom', path: ['api_version'], message: 'expected 52.0 or later (PermissionSetAssignment.ExpirationDate)' });
    if (config.username !== undefined) {
      if (config.password === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'the password is required with username (username-password flow)' });
    } else if (config.client_id === undefined || config.client_secret === undefined) {
      ctx.addIssue({ code: 'custom', path: config.client_id === undefined ? ['client_id'] : ['client_secret'], message: 'give username + password (+ security_token), or client_id + client_secret (client-credentials flow)' });
    }
    if (config.username === undefined && (config.password !== undefined || config.security_token !== undefined || config.token !== undefined)) ctx.addIssue({ code: 'custom', path: ['username'], message: 'password and security_token need a username' });
  })
  .transform((config) => ({
    loginUrl: (config.domain ?? config.endpoint) as string,
    flow: config.username !== undefined ? ('password' as const) : ('client_credentials' as const),
    username: config.username,
    password: config.password,
    securityToken: config.security_token ?? config.token,
    clientId: config.client_id,
    clientSecret: config.client_secret,
    apiVersion: config.api_version,
  }));

export type SalesforceConfig = z.output<typeof salesforceConfigSchema>;
