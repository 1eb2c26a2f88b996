// The confirmation page of an approval link: server-rendered, no script, no inline style (the
// CSP allows only this server's stylesheet and form posts to itself), every value escaped,
// people's text isolated in <bdi>. GET shows; only the form's POST decides.
import type { Identity } from '../../core/index.js';
import type { RequestRecord } from '../../store/index.js';

/** Text made safe for element content and quoted attributes. */
function esc(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  // The page's URL holds the link's token: it must not travel on in a Referer.
  'referrer-policy': 'no-referrer',
};

export const STYLESHEET = `body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
th{text-align:left;padding-right:1rem;vertical-align:top}textarea{width:100%;min-height:4rem}
button{font-size:1em;padding:.4em 1em;margin-right:.5em}.error{color:#a00}
`;

export const STYLESHEET_HEADERS = { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' };

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · Lease</title>
<link rel="stylesheet" href="/email-approval.css"></head>
<body><h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

/** No web session yet: sign in (SSO returns here; a password login is on the start page). */
export function signInPage(options: { returnTo: string; sso: { id: string; name: string }[]; password: boolean }): string {
  const sso = options.sso
    .map((p) => `<li><a href="/api/v1/auth/${encodeURIComponent(p.id)}/web-login?return_to=${encodeURIComponent(options.returnTo)}">Sign in with ${esc(p.name)}</a></li>`)
    .join('');
  const password = options.password ? '<li><a href="/">Sign in with a password on the Lease start page</a>, then open the link from the e-mail again.</li>' : '';
  return page(
    'Sign in to decide',
    `<p>This approval link works only for the person it was mailed to, signed in to Lease. Opening it decides nothing.</p>
<ul>${sso}${password}</ul>`,
  );
}

/** The request and the two buttons; the form carries the link token and the session's CSRF token. */
export function confirmPage(args: { request: RequestRecord; identity: Identity; token: string; csrfToken: string; expiresAt: string }): string {
  const { request, identity } = args;
  const requester = request.identity.name ?? request.identity.email ?? request.identity.id;
  const rows: [string, string][] = [
    ['Request', request.id],
    ['Requester', `${requester} (${request.identity.provider}:${request.identity.id})`],
    ['Role', request.role],
    ['Provider', request.provider],
    ['Duration', `${Math.round(request.duration_ms / 60_000)} min`],
    ['Reason', request.reason],
    ['Status', request.status],
  ];
  const table = `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td><bdi>${esc(v)}</bdi></td></tr>`).join('')}</table>`;
  return page(
    'Approve this request?',
    `<p>Signed in as <strong><bdi>${esc(identity.email ?? identity.id)}</bdi></strong> (${esc(identity.provider)}).</p>
${table}
<form method="post" action="/email-approval">
<input type="hidden" name="token" value="${esc(args.token)}">
<input type="hidden" name="csrf_token" value="${esc(args.csrfToken)}">
<p><label for="comment">Comment (optional)</label><br><textarea id="comment" name="comment" maxlength="1000"></textarea></p>
<p><button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="deny">Deny</button></p>
</form>
<p>The link works once and expires at ${esc(args.expiresAt)}.</p>`,
  );
}

export function decidedPage(approved: boolean, request: { id: string; status: string }): string {
  return page(approved ? 'Approved' : 'Denied', `<p>You ${approved ? 'approved' : 'denied'} request <code>${esc(request.id)}</code>; it is now <strong>${esc(request.status)}</strong>. You can close this window.</p>`);
}

/** Why the link cannot be used (expired, used, another address, own request...). */
export function refusedPage(code: string, message: string): string {
  return page('This link cannot be used', `<p class="error" data-code="${esc(code)}">${esc(message)}</p>
<p>You can still decide with <code>lease approve</code> / <code>lease deny</code>.</p>`);
}
