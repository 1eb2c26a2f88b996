// The web app: one HTML shell for every screen (the client routes by path), and its static
// files from ./client/ (ES modules, CSS, the icon). The shell holds no data: every screen reads
// the public API with the session cookie, so it sees exactly what the API lets that identity see.
// CSP: only this server's own scripts, styles, images and fetches; no inline script or style,
// no framing, no <base>, forms post only here.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { NotFound } from '../../core/index.js';
import { route } from '../api/route.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** The client's paths (under the public URL's path): each answers the same shell. */
export const APP_PAGES = ['/', '/login', '/request', '/approvals', '/admin', '/admin/audit', '/admin/reviews', '/requests/{id}'] as const;

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

const MEDIA_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
const ASSET_NAME = /^[a-z][a-z0-9-]*\.(js|css|svg)$/;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/**
 * ./client/ beside this module (src/ under tsx, dist/server/web/ after tsc), or
 * dist/server/web/client/ seen from the bundled `lease` (dist/bundle/, where the build copies it).
 */
function clientDir(): string {
  const candidates = [new URL('./client/', import.meta.url), new URL('../server/web/client/', import.meta.url)].map((u) => fileURLToPath(u));
  const found = candidates.find((dir) => existsSync(`${dir}app.js`));
  if (found === undefined) throw new Error(`the web app's files are missing (looked in ${candidates.join(', ')}); run npm run build`);
  return found;
}

/** Every file of the client, read once at start: the set served is fixed, nothing else under /ui/ answers. */
function loadAssets(): Map<string, Asset> {
  const dir = clientDir();
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const ext = ASSET_NAME.exec(name)?.[1];
    if (ext === undefined) continue;
    const body = readFileSync(`${dir}${name}`);
    assets.set(name, { body, type: MEDIA_TYPES[ext] as string, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The shell: its links are absolute paths under the public URL's path, so /requests/<id> finds them too. */
export function shellHtml(base: string, version: string): string {
  const b = escapeAttribute(base);
  const v = escapeAttribute(version);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Lease</title>
<link rel="icon" href="${b}/ui/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${b}/ui/app.css?v=${v}">
<script type="module" src="${b}/ui/app.js?v=${v}"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="${b}/">Lease</a>
  <nav id="nav" aria-label="Main" hidden></nav>
  <div id="me" hidden></div>
</header>
<main id="main" tabindex="-1">
  <p class="loading">Loading…</p>
  <noscript><p>Lease's web app needs JavaScript; the <code>lease</code> command line does everything it does.</p></noscript>
</main>
<div id="toast" role="status" aria-live="polite"></div>
</body>
</html>
`;
}

export function webAppRoutes(options: { publicUrl: () => string }) {
  let assets: Map<string, Asset> | undefined;
  const assetsNow = () => (assets ??= loadAssets());
  const version = () => assetsNow().get('app.js')?.etag.replace(/"/g, '') ?? '0';
  const basePath = () => new URL(options.publicUrl()).pathname.replace(/\/+$/, '');
  const page = async () => new Response(shellHtml(basePath(), version()), { status: 200, headers: PAGE_HEADERS });

  return [
    ...APP_PAGES.map((path) =>
      route({
        method: 'get',
        path,
        summary: `The web app${path === '/' ? ' (my access)' : `: ${path}`}; the page reads everything through this API with the session cookie`,
        tag: 'web',
        auth: false,
        response: z.string().describe('text/html page'),
        produces: 'text/html',
        handler: page,
      }),
    ),
    route({
      method: 'get',
      path: '/ui/{file}',
      summary: 'The web app\'s scripts, styles and icon',
      tag: 'web',
      auth: false,
      response: z.string().describe('JavaScript, CSS or SVG'),
      produces: 'text/javascript',
      errors: [404],
      handler: async ({ params, c }) => {
        const name = params.file as string;
        const asset = ASSET_NAME.test(name) ? assetsNow().get(name) : undefined;
        if (asset === undefined) throw new NotFound('not_found', `no web app file named ${JSON.stringify(name.slice(0, 100))}`, 'file');
        const headers = { 'content-type': asset.type, 'cache-control': 'no-cache', etag: asset.etag, 'x-content-type-options': 'nosniff' };
        if (c.req.header('if-none-match') === asset.etag) return new Response(null, { status: 304, headers });
        return new Response(new Uint8Array(asset.body), { status: 200, headers });
      },
    }),
  ];
}
