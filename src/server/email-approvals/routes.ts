// The confirmation page of approval links. GET /email-approval?token=… shows the request to the
// signed-in person the link was mailed to (or asks them to sign in); POST /email-approval (the
// page's form) decides. The POST is a cookie-session request like the web UI's: same origin, and
// the session's CSRF token (here a hidden form field, since the page has no script). Answers are
// HTML pages, refusals included. Tokens never appear in logs.
import type { Context } from 'hono';
import { z } from 'zod';
import { InvalidInput, LeaseError, Unauthenticated, type Identity } from '../../core/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import { route } from '../api/route.js';
import type { AuthService } from '../services/auth.js';
import { checkCsrfToken, csrfTokenFor } from '../web/csrf.js';
import { checkSameOrigin } from '../web/same-origin.js';
import type { WebSessions } from '../web/web-sessions.js';
import { PAGE_HEADERS, STYLESHEET, STYLESHEET_HEADERS, confirmPage, decidedPage, refusedPage, signInPage } from './page.js';
import { APPROVAL_PAGE_PATH, type EmailApprovals } from './service.js';
import { MAX_LINK_TOKEN_LENGTH } from './tokens.js';

const MAX_FORM_BYTES = 8192;
const htmlSchema = z.string().describe('text/html page');

const approvalFormSchema = z
  .object({
    token: z.string().describe('the approval link\'s token'),
    csrf_token: z.string().describe('the web session\'s CSRF token, from the page'),
    decision: z.enum(['approve', 'deny']),
    comment: z.string().max(1000).optional(),
  })
  .describe('the confirmation page\'s form');

function html(status: number, body: string): Response {
  return new Response(body, { status, headers: PAGE_HEADERS });
}

/** A LeaseError becomes a page with its status and message; anything else stays a 500. */
function refused(err: unknown): Response {
  if (!(err instanceof LeaseError)) throw err;
  return html(err.status, refusedPage(err.code, err.message));
}

async function readForm(c: Context): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) throw new InvalidInput('the form must be posted as application/x-www-form-urlencoded');
  // Read with a limit: this page is outside /api/, whose body limit does not apply here.
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

export function emailApprovalRoutes(deps: { approvals: EmailApprovals; auth: AuthService; web: WebSessions; providers: Map<string, ProviderInstance> }) {
  const { approvals, auth, web } = deps;

  /** The web session's identity and token, if the browser has a live one. */
  async function session(c: Context): Promise<{ identity: Identity; token: string } | undefined> {
    const token = web.cookies.readSession(c);
    if (token === undefined) return undefined;
    try {
      return { identity: await auth.authenticateToken(token), token };
    } catch (err) {
      if (err instanceof Unauthenticated) return undefined;
      throw err;
    }
  }

  function signIn(status: number, token: string): Response {
    const identityProviders = [...deps.providers.values()].filter((p) => p.enabled && p.identity !== undefined);
    const sso = identityProviders.filter((p) => p.identity?.kind === 'redirect').map((p) => ({ id: p.id, name: p.name }));
    const password = identityProviders.some((p) => p.identity?.kind === 'password');
    return html(status, signInPage({ returnTo: `${APPROVAL_PAGE_PATH}?token=${token}`, sso, password }));
  }

  return [
    route({
      method: 'get',
      path: APPROVAL_PAGE_PATH,
      summary: 'An approval link from an e-mail: shows the request to the signed-in person it was mailed to (decides nothing)',
      tag: 'web',
      auth: false,
      query: z.object({ token: z.string().max(MAX_LINK_TOKEN_LENGTH).optional() }),
      response: htmlSchema,
      produces: 'text/html',
      pages: [400, 403, 404, 409, 410],
      handler: async ({ c, query }) => {
        try {
          const token = query.token ?? '';
          if (token === '') throw new InvalidInput('this page needs the link from an approval e-mail', 'token');
          const who = await session(c);
          const view = await approvals.open(token, who?.identity);
          if (who === undefined || view.request === undefined) return signIn(200, token);
          return html(200, confirmPage({ request: view.request, identity: who.identity, token, csrfToken: csrfTokenFor(who.token), expiresAt: new Date(view.link.expiresAtMs).toISOString() }));
        } catch (err) {
          return refused(err);
        }
      },
    }),
    route({
      method: 'post',
      path: APPROVAL_PAGE_PATH,
      summary: 'The confirmation page\'s form: approve or deny as the signed-in person the link was mailed to (once)',
      tag: 'web',
      auth: false,
      form: approvalFormSchema,
      response: htmlSchema,
      produces: 'text/html',
      pages: [200, 400, 401, 403, 404, 409, 410],
      handler: async ({ c }) => {
        try {
          // Another site's page cannot post this form with the user's cookie (CSRF), first by origin...
          checkSameOrigin(c.req.raw.headers, [new URL(web.location('/')).origin, new URL(c.req.url).origin]);
          const fields = await readForm(c);
          const form = approvalFormSchema.safeParse(Object.fromEntries(fields));
          if (!form.success) throw new InvalidInput(`form: ${form.error.issues[0]?.path.join('.') ?? ''} is missing or invalid`, form.error.issues[0]?.path.join('.'));
          const who = await session(c);
          if (who === undefined) return signIn(401, form.data.token);
          // ...then by the session's CSRF token, which only this server's pages know.
          checkCsrfToken(form.data.csrf_token, who.token);
          const comment = form.data.comment?.trim();
          const approved = form.data.decision === 'approve';
          const request = await approvals.confirm(who.identity, form.data.token, approved, comment === '' ? undefined : comment);
          return html(200, decidedPage(approved, request));
        } catch (err) {
          return refused(err);
        }
      },
    }),
    route({
      method: 'get',
      path: '/email-approval.css',
      summary: 'The approval page\'s stylesheet',
      tag: 'web',
      auth: false,
      response: z.string().describe('CSS'),
      produces: 'text/css',
      handler: async () => new Response(STYLESHEET, { status: 200, headers: STYLESHEET_HEADERS }),
    }),
  ];
}
