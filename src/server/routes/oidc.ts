// Browser login (OIDC) for the CLI: start → IdP → callback → CLI loopback → exchange.
// Thin: parse, call BrowserLoginService, map. See services/browser-login.ts for the rules.
// /start and /exchange serve SAML providers too (same shape); SAML's callback is in saml.ts.
import { route } from '../api/route.js';
import { browserLoginCallbackQuerySchema, browserLoginExchangeSchema, browserLoginStartSchema, browserLoginStartedSchema, redirectResponseSchema, sessionViewSchema } from '../api/schemas.js';
import type { BrowserLoginService } from '../services/browser-login.js';

export function oidcRoutes(logins: BrowserLoginService) {
  return [
    route({
      method: 'post',
      path: '/api/v1/auth/{provider}/start',
      summary: 'Start a browser login through an OIDC or SAML provider; the CLI names its loopback callback',
      tag: 'auth',
      auth: false,
      body: browserLoginStartSchema,
      response: browserLoginStartedSchema,
      errors: [404, 502, 503],
      handler: async ({ body, params }) => logins.start(params.provider as string, body.redirect),
    }),
    route({
      method: 'get',
      path: '/api/v1/auth/{provider}/callback',
      summary: 'Where the IdP sends the browser back; redirects it to the CLI with a one-time code',
      tag: 'auth',
      auth: false,
      query: browserLoginCallbackQuerySchema,
      response: redirectResponseSchema,
      status: 303,
      errors: [404],
      handler: async ({ c, params }) => {
        const location = await logins.callback(params.provider as string, new URL(c.req.url).searchParams, 'oidc');
        // The location carries a one-time code: nothing may cache it or send it on as a referrer.
        return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/auth/{provider}/exchange',
      summary: 'Trade the one-time code from the callback for a session token (once)',
      tag: 'auth',
      auth: false,
      body: browserLoginExchangeSchema,
      response: sessionViewSchema,
      errors: [404],
      handler: async ({ body, params }) => {
        const session = await logins.exchange(params.provider as string, body.attempt, body.code);
        const { id, email, name, groups, provider } = session.identity;
        return { token: session.token, expires_at: session.expires_at, identity: { id, email, name, groups, provider } };
      },
    }),
  ];
}
