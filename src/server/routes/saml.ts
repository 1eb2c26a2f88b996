// SAML 2.0 login: the ACS (the IdP's HTTP-POST of the signed Response) and our SP metadata.
// /start and /exchange are shared with OIDC (routes/oidc.ts). Thin: parse, call
// BrowserLoginService, map. The form is never logged: it carries the assertion.
import { z } from 'zod';
import { InvalidInput } from '../../core/index.js';
import { route } from '../api/route.js';
import { redirectResponseSchema } from '../api/schemas.js';
import type { BrowserLoginService } from '../services/browser-login.js';

/** Bounds the form fields: a SAML Response is a few KB; the whole body is capped by the server too. */
const MAX_FIELD_LENGTH = 60_000;

const acsFormSchema = z
  .object({ SAMLResponse: z.string().min(1).max(MAX_FIELD_LENGTH), RelayState: z.string().min(1).max(1024) })
  .describe('HTTP-POST binding: the base64 SAML Response and the RelayState from the AuthnRequest');

export function samlRoutes(logins: BrowserLoginService) {
  return [
    route({
      method: 'post',
      path: '/api/v1/auth/{provider}/callback',
      summary: 'SAML assertion consumer service (HTTP-POST); redirects the browser to the CLI with a one-time code',
      tag: 'auth',
      auth: false,
      form: acsFormSchema,
      response: redirectResponseSchema,
      status: 303,
      errors: [404],
      handler: async ({ c, params }) => {
        if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) {
          throw new InvalidInput('the SAML Response must be posted as application/x-www-form-urlencoded', 'SAMLResponse');
        }
        const parsed = acsFormSchema.safeParse(Object.fromEntries(new URLSearchParams(await c.req.text())));
        if (!parsed.success) throw new InvalidInput('form: SAMLResponse and RelayState are required', parsed.error.issues[0]?.path.join('.'));
        const answer = new URLSearchParams({ SAMLResponse: parsed.data.SAMLResponse, RelayState: parsed.data.RelayState });
        const location = await logins.callback(params.provider as string, answer, 'saml');
        // The location carries a one-time code: nothing may cache it or send it on as a referrer.
        return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/auth/{provider}/metadata',
      summary: 'SAML service provider metadata to configure the IdP with (entity id, ACS, certificate)',
      tag: 'auth',
      auth: false,
      response: z.string().describe('SAML 2.0 EntityDescriptor'),
      produces: 'application/samlmetadata+xml',
      errors: [404],
      handler: async ({ params }) => {
        const xml = await logins.serviceProviderMetadata(params.provider as string);
        return new Response(xml, { status: 200, headers: { 'content-type': 'application/samlmetadata+xml; charset=utf-8' } });
      },
    }),
  ];
}
