// Logins and the web session. Thin: parse, call the services, map.
// - Password login answers a session token (the CLI), or with `mode: "cookie"` sets the web
//   session cookie and answers the CSRF token instead (the token never reaches page scripts).
// - SSO for the web: web-login → IdP → the provider's callback → web-finish, which sets the cookie.
// - csrf serves the web UI; logout ends the session (bearer or cookie) on the server. The cookie
//   and CSRF rules are in ../web/ (see its README).
// - An administrator ends every session of one identity: sessions/revoke.
import { z } from 'zod';
import { Unauthenticated, type Identity } from '../../core/index.js';
import { route } from '../api/route.js';
import { clientAddressOf, type ClientAddressOf } from '../client-address.js';
import { identityViewSchema, loginBodySchema, redirectResponseSchema, sessionViewSchema } from '../api/schemas.js';
import type { AuthService } from '../services/auth.js';
import type { WebLogin } from '../web/web-login.js';
import type { WebSessions } from '../web/web-sessions.js';

const webSessionViewSchema = z
  .object({ expires_at: z.string(), identity: identityViewSchema, csrf_token: z.string().describe('send as X-CSRF-Token on POSTs with the cookie') })
  .meta({ id: 'WebSession' });

const csrfViewSchema = z
  .object({ csrf_token: z.string().describe('send as X-CSRF-Token on POSTs with the cookie'), identity: identityViewSchema })
  .meta({ id: 'CsrfToken' });

const webLoginQuerySchema = z
  .object({ return_to: z.string().max(2048).optional().describe('a path on this server to land on after the login (default /)') })
  .strict();

const webFinishQuerySchema = z
  .object({ code: z.string().max(4096).optional(), error: z.string().max(200).optional() })
  .describe('from the provider\'s callback: the one-time code, or the error');

const loggedOutSchema = z.object({ logged_out: z.literal(true) }).meta({ id: 'LoggedOut' });

const endSessionsBodySchema = z
  .object({
    provider: z.string().min(1).max(200).describe('the identity provider id (config `providers`)'),
    user: z.string().min(1).max(1024).describe('the user id at that provider (username for local, `sub` for OIDC, NameID for SAML)'),
  })
  .strict()
  .meta({ id: 'EndSessions' });

const sessionsEndedSchema = z
  .object({ provider: z.string(), user: z.string(), ended_before: z.string().describe('sessions issued until this time no longer work') })
  .meta({ id: 'SessionsEnded' });

const loginProviderListSchema = z
  .object({
    providers: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        type: z.string().describe('local, oidc, saml, ...'),
        login: z.enum(['password', 'redirect']).describe('password: POST .../login; redirect: GET .../web-login'),
      }),
    ),
  })
  .meta({ id: 'LoginProviderList' });

const webSessionStateSchema = z
  .union([
    z.object({ signed_in: z.literal(false) }),
    z.object({
      signed_in: z.literal(true),
      identity: identityViewSchema,
      csrf_token: z.string().describe('send as X-CSRF-Token on POSTs with the cookie'),
      admin: z.boolean().describe('whether this identity is an administrator (server.admins)'),
      expires_at: z.string().optional(),
    }),
  ])
  .meta({ id: 'WebSessionState' });

/** Redirects carry one-time codes or land on a fresh session: nothing may cache them or pass them on. */
const REDIRECT_HEADERS = { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };

function identityView({ id, email, name, groups, provider }: Identity) {
  return { id, email, name, groups, provider };
}

export function authRoutes(auth: AuthService, web: WebSessions, webLogin: WebLogin, clientAddress: ClientAddressOf = clientAddressOf(undefined)) {
  return [
    route({
      method: 'post',
      path: '/api/v1/auth/{provider}/login',
      summary: 'Log in with a username and password through a local identity provider (mode "cookie": the web session cookie)',
      tag: 'auth',
      auth: false,
      body: loginBodySchema,
      response: z.union([sessionViewSchema, webSessionViewSchema]),
      errors: [401, 403, 404, 415, 429],
      handler: async ({ body, params, c }) => {
        if (body.mode === 'cookie') web.checkCookieLogin(c);
        const session = await auth.loginWithPassword(params.provider as string, body.username, body.password, clientAddress(c));
        if (body.mode === 'cookie') return { expires_at: session.expires_at, identity: identityView(session.identity), csrf_token: web.startSession(c, session) };
        return { token: session.token, expires_at: session.expires_at, identity: identityView(session.identity) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/auth/{provider}/web-login',
      summary: 'Start a web (browser) login through an OIDC or SAML provider; ends with the session cookie at return_to',
      tag: 'auth',
      auth: false,
      query: webLoginQuerySchema,
      response: redirectResponseSchema,
      status: 303,
      errors: [404, 502, 503],
      handler: async ({ c, params, query }) => {
        const location = await webLogin.begin(c, params.provider as string, query.return_to);
        c.header('cache-control', 'no-store');
        return c.redirect(location, 303);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/auth/{provider}/web-finish',
      summary: 'Where the provider\'s callback sends a web login: sets the session cookie, redirects to return_to',
      tag: 'auth',
      auth: false,
      query: webFinishQuerySchema,
      response: redirectResponseSchema,
      status: 303,
      errors: [401, 404],
      handler: async ({ c, params, query }) => {
        const { location } = await webLogin.finish(c, params.provider as string, query);
        for (const [name, value] of Object.entries(REDIRECT_HEADERS)) c.header(name, value);
        return c.redirect(location, 303);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/auth/csrf',
      summary: 'The web session\'s CSRF token and identity (session cookie only)',
      tag: 'auth',
      auth: false,
      response: csrfViewSchema,
      errors: [401],
      handler: async ({ c }) => {
        const { csrf_token, identity } = await web.csrf(c);
        return { csrf_token, identity: identityView(identity) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'Log out: ends the session of the bearer token, or of the session cookie (a live one needs its X-CSRF-Token) and clears the cookie; harmless for a session already ended',
      tag: 'auth',
      auth: false,
      response: loggedOutSchema,
      errors: [403],
      handler: async ({ c }) => {
        await web.logout(c);
        return { logged_out: true as const };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/sessions/revoke',
      summary: 'End every session of one identity issued until now (administrators); later logins work',
      tag: 'auth',
      auth: true,
      body: endSessionsBodySchema,
      response: sessionsEndedSchema,
      errors: [403, 404],
      handler: async ({ body, identity }) => auth.endSessionsOf(identity, body.provider, body.user),
    }),
    route({
      method: 'get',
      path: '/api/v1/auth/providers',
      summary: 'The identity providers one can sign in with, and how (the web sign-in page)',
      tag: 'auth',
      auth: false,
      response: loginProviderListSchema,
      handler: async () => ({ providers: auth.loginProviders() }),
    }),
    route({
      method: 'get',
      path: '/api/v1/auth/session',
      summary: 'Whether this browser has a live web session; if so its identity, CSRF token and whether it is an administrator',
      tag: 'auth',
      auth: false,
      response: webSessionStateSchema,
      handler: async ({ c }) => {
        c.header('cache-control', 'no-store');
        try {
          const { csrf_token, identity } = await web.csrf(c);
          return { signed_in: true as const, identity: identityView(identity), csrf_token, admin: auth.isAdmin(identity) };
        } catch (err) {
          // No cookie, or a dead one: the page shows the sign-in screen (a 200, so no console noise).
          if (err instanceof Unauthenticated) return { signed_in: false as const };
          throw err;
        }
      },
    }),
  ];
}
