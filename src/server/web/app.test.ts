import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../../core/index.js';
import type { RouteSpec } from '../api/route.js';
import { createHttpApp } from '../http.js';
import { csvCell } from '../routes/audit.js';
import { APP_PAGES, CONTENT_SECURITY_POLICY, shellHtml, webAppRoutes } from './app.js';
import type { WebSessions } from './web-sessions.js';

function appAt(publicUrl: string) {
  const routes = webAppRoutes({ publicUrl: () => publicUrl }) as RouteSpec<never, never>[];
  return createHttpApp({ routes, web: {} as WebSessions, logger: silentLogger, version: 'test', readiness: () => Promise.resolve({ ready: true as const }) });
}

describe('the web app shell', () => {
  it('answers every app path with the same page, under a CSP without inline script or style', async () => {
    const app = appAt('http://127.0.0.1:8080');
    for (const path of APP_PAGES.map((p) => p.replace('{id}', 'req_1'))) {
      const r = await app.request(path);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(r.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
      assert.equal(r.headers.get('cache-control'), 'no-store');
      const html = await r.text();
      assert.match(html, /<script type="module" src="\/ui\/app.js\?v=[\w-]+"><\/script>/);
      assert.doesNotMatch(html, /<script>|<style|\sstyle=|\son\w+=/);
    }
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe|\*/);
  });

  it('links its files under the public URL\'s path, escaped', async () => {
    const r = await appAt('https://example.com/lease/').request('/requests/req_1');
    assert.match(await r.text(), /src="\/lease\/ui\/app.js/);
    assert.match(shellHtml('/a"b<c', 'v'), /href="\/a&quot;b&lt;c\/ui\/app.css\?v=v"/);
  });

  it('serves the client\'s files with their media types and ETags, and nothing else under /ui/', async () => {
    const app = appAt('http://127.0.0.1:8080');
    for (const [name, type] of [['app.js', /^text\/javascript/], ['app.css', /^text\/css/], ['icon.svg', /^image\/svg\+xml/]] as const) {
      const r = await app.request(`/ui/${name}`);
      assert.equal(r.status, 200, name);
      assert.match(r.headers.get('content-type') ?? '', type);
      const etag = r.headers.get('etag') ?? '';
      assert.match(etag, /^"[\w-]+"$/);
      assert.equal((await app.request(`/ui/${name}`, { headers: { 'if-none-match': etag } })).status, 304);
    }
    for (const name of ['nope.js', 'app.ts', '..%2Fapp.ts', 'README.md', '.hidden.js']) {
      const r = await app.request(`/ui/${name}`);
      assert.equal(r.status, 404, name);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'not_found');
    }
  });
});

describe('audit export CSV cells', () => {
  it('quotes separators and quotes, and defuses what a spreadsheet would run as a formula', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx']) assert.equal(csvCell(formula), `"'${formula.replace(/"/g, '""')}"`);
  });
});
