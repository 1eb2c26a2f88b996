// Device login (RFC 8628): the device's two JSON endpoints, and the small HTML page at /device
// where a person checks the code and continues to the IdP. Thin: parse, call
// DeviceLoginService, map. See services/device-login.ts for the rules.
// The page's form posts carry a token bound to an HttpOnly, SameSite=Strict cookie and the
// code; a cross-site Origin is refused too. Codes never appear in logs.
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { InvalidInput, LeaseError } from '../../core/index.js';
import { route } from '../api/route.js';
import { clientAddressOf, type ClientAddressOf } from '../client-address.js';
import { deviceAuthorizationSchema, redirectResponseSchema, sessionViewSchema } from '../api/schemas.js';
import { confirmPage, deniedPage, enterCodePage, failedPage, loggedInPage } from '../services/device-login-page.js';
import { UserCodeUnknown, type DeviceLoginService } from '../services/device-login.js';

const BROWSER_COOKIE = 'lease_device';
const MAX_FORM_BYTES = 4096;

const deviceAuthorizationRequestSchema = z.object({}).strict().meta({ id: 'DeviceAuthorizationRequest' });

const deviceTokenRequestSchema = z.object({ device_code: z.string().min(1).max(256) }).strict().meta({ id: 'DeviceTokenRequest' });

const htmlSchema = z.string().describe('text/html page');

/** What the confirm page posts (readForm parses it; the whole form is at most MAX_FORM_BYTES). */
const deviceFormSchema = z
  .object({
    user_code: z.string().describe('the code the device shows'),
    form_token: z.string().describe('from the confirm page, bound to this browser\'s cookie'),
    action: z.string().optional().describe('deny refuses the login; anything else (confirm) continues to the IdP'),
  })
  .describe('the confirm page\'s form');

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // No script, no framing (clickjacking the Continue button), forms only to this server.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
};

function html(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...HTML_HEADERS, ...headers } });
}

/** A LeaseError becomes the page's message with its status; anything else stays a 500. */
function failed(err: unknown): Response {
  if (!(err instanceof LeaseError)) throw err;
  return html(err.status, err instanceof UserCodeUnknown ? enterCodePage(err.message) : failedPage(err.message));
}

/** This browser's random cookie value (new when it has none); the form token is bound to it. */
function browserOf(c: Context): { value: string; fresh: boolean } {
  const value = getCookie(c, BROWSER_COOKIE);
  if (value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value)) return { value, fresh: false };
  return { value: randomBytes(32).toString('base64url'), fresh: true };
}

async function readForm(c: Context): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) throw new InvalidInput('the form must be posted as application/x-www-form-urlencoded');
  const reader = c.req.raw.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await reader?.read();
    if (next === undefined || next.done) break;
    size += next.value.length;
    if (size > MAX_FORM_BYTES) {
      await reader?.cancel();
      throw new InvalidInput('form too large');
    }
    chunks.push(next.value);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** `clientAddress`: the caller's address (client-address.ts, honouring server.trusted_proxies), for throttling code guesses. */
export function deviceRoutes(devices: DeviceLoginService, clientAddress: ClientAddressOf = clientAddressOf(undefined)) {
  const secure = () => devices.publicUrl().startsWith('https:');
  return [
    route({
      method: 'post',
      path: '/api/v1/auth/{provider}/device',
      summary: 'Start a device login (RFC 8628): a device code to poll with and a user code to confirm in any browser',
      tag: 'auth',
      auth: false,
      body: deviceAuthorizationRequestSchema,
      response: deviceAuthorizationSchema,
      errors: [404, 503],
      handler: async ({ params }) => devices.authorize(params.provider as string),
    }),
    route({
      method: 'post',
      path: '/api/v1/auth/device/token',
      summary: 'Poll a device login: authorization_pending, slow_down, expired_token, access_denied, or the session (once)',
      tag: 'auth',
      auth: false,
      body: deviceTokenRequestSchema,
      response: sessionViewSchema,
      handler: async ({ body }) => {
        const session = await devices.token(body.device_code);
        const { id, email, name, groups, provider } = session.identity;
        return { token: session.token, expires_at: session.expires_at, identity: { id, email, name, groups, provider } };
      },
    }),
    route({
      method: 'get',
      path: '/device',
      summary: 'The device login page: enter the code, then check what is being authorised',
      tag: 'auth',
      auth: false,
      query: z.object({ user_code: z.string().max(64).optional() }),
      response: htmlSchema,
      produces: 'text/html',
      pages: [400, 404, 429],
      handler: async ({ c, query }) => {
        if (query.user_code === undefined || query.user_code.trim() === '') return html(200, enterCodePage());
        try {
          const prompt = await devices.prompt(query.user_code, clientAddress(c));
          const browser = browserOf(c);
          const cookie = `${BROWSER_COOKIE}=${browser.value}; Path=/device; Max-Age=900; HttpOnly; SameSite=Strict${secure() ? '; Secure' : ''}`;
          return html(200, confirmPage(prompt, { token: await devices.formToken(browser.value, prompt.user_code) }), browser.fresh ? { 'set-cookie': cookie } : {});
        } catch (err) {
          return failed(err);
        }
      },
    }),
    route({
      method: 'post',
      path: '/device',
      summary: 'The device page\'s form: continue to the IdP (303) or deny',
      tag: 'auth',
      auth: false,
      form: deviceFormSchema,
      response: redirectResponseSchema,
      status: 303,
      pages: [200, 400, 403, 404, 429, 502, 503],
      handler: async ({ c }) => {
        try {
          // Browsers send Origin on a form post ("null" under the no-referrer policy): never another site's.
          const origin = c.req.header('origin');
          if (origin !== undefined && origin !== 'null' && origin !== new URL(devices.publicUrl()).origin) {
            return html(403, failedPage('this form was posted from another site; open the Lease device page again'));
          }
          const fields = await readForm(c);
          const form = { userCode: fields.get('user_code') ?? '', token: fields.get('form_token') ?? '', browser: getCookie(c, BROWSER_COOKIE) ?? '', client: clientAddress(c) };
          if (fields.get('action') === 'deny') {
            await devices.deny(form);
            return html(200, deniedPage());
          }
          const location = await devices.confirm(form);
          return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } });
        } catch (err) {
          return failed(err);
        }
      },
    }),
    route({
      method: 'get',
      path: '/device/complete/{ref}',
      summary: 'Where a device login\'s browser comes back after the IdP (with the one-time code); says the device is logged in',
      tag: 'auth',
      auth: false,
      query: z.object({ code: z.string().max(4096).optional(), error: z.string().max(64).optional() }),
      response: htmlSchema,
      produces: 'text/html',
      pages: [400, 404],
      handler: async ({ params, query }) => {
        try {
          const identity = await devices.complete(params.ref as string, query);
          return html(200, loggedInPage(identity), { 'referrer-policy': 'no-referrer' });
        } catch (err) {
          return failed(err);
        }
      },
    }),
  ];
}
