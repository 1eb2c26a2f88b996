// The web app end to end: the real `lease server`, real Chromium (Debian's, through
// playwright-core) and a real OpenID provider. Every screen as a requester (alice), an approver
// and administrator (bob) and an outsider (carol): request → approve in the inbox → active with
// a live countdown → revoke; the audit log's filters, export and chain verification; another
// user's request by URL is a 404 page. On every page: the CSP header, nothing blocked by it, no
// console error, and no horizontal scroll at 360 px.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_HOW_TO_GET, chromiumAvailable, launchChromium } from '../support/chromium.js';
import { startServer, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { leaseConfigFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { requireComponent } from '../support/require-component.js';
import { apiLogin, createDeployment, PASSWORDS, type Deployment } from './fixtures.js';

/** The API's Request (src/server/api/schemas.ts), as far as these tests read it. */
interface RequestJson {
  id: string;
  status: string;
  reason: string;
  expires_at: string | null;
  break_glass: boolean;
  extended_from: string | null;
  approvals: {
    required: number;
    stage: number | null;
    stages: { name: string; required: number; approved_by: string[] }[];
    decisions: { approver: string; approved: boolean; channel: string }[];
  } | null;
}

interface ReviewJson {
  id: string;
  request_id: string;
  status: 'open' | 'closed';
  comment: string | null;
  closed_by: string | null;
}

/** What a page said that it should not have: console errors, uncaught errors, CSP violations. */
interface Watched {
  page: Page;
  problems: string[];
}

const CSP_PROBE = `document.addEventListener('securitypolicyviolation', function (e) { (window.__cspViolations = window.__cspViolations || []).push(e.violatedDirective + ' ' + e.blockedURI); });`;

describe('the web app (real server, Chromium, OpenID provider)', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let idp: TestOidcProvider;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const watched: Watched[] = [];
  const oidcSecret = `oidc-secret-${randomBytes(16).toString('hex')}`;
  let alice: Page;
  let bob: Page;
  let features: { extend: boolean; approvalsInbox: boolean; reviews: boolean };

  before(async () => {
    idp = await startOidcProvider({ accounts: [{ sub: 'u-dana', email: 'dana@corp.example', name: 'Dana Corp', groups: ['eng'] }] });
    deployment = await createDeployment({ visudo: false });
    await writeFiles(deployment.root, { 'config/sso.yaml': leaseConfigFor(idp) });
    await writeFile(
      join(deployment.config, 'webapp-roles.yaml'),
      `version: "1.0"
roles:
  db-read:
    name: Database read
    description: Read the orders database, after an operator approves
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 2h
    approvals:
      approvers: { groups: [ops] }
  pair:
    name: Pair approval
    description: Two approvers out of ops and sales
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 1h
    approvals:
      approvers: { groups: [ops, sales] }
      required: 2
  two-step:
    name: Two-step
    description: A team lead, then security
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 1h
    approvals:
      stages:
        - { name: team lead, approvers: { groups: [sales] } }
        - { name: security, approvers: { groups: [ops] } }
  stretch:
    name: Stretchable
    description: Extended without a new approval
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 4h
    approvals:
      approvers: { groups: [ops] }
    extend_without_approval: true
  stretch-asked:
    name: Stretch on approval
    description: Extensions go through the approvals
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 4h
    approvals:
      approvers: { groups: [ops] }
  emergency:
    name: Emergency
    description: Break-glass allowed
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 1h
    approvals:
      approvers: { groups: [ops] }
    break_glass: true
`,
    );
    server = await startServer({ config: deployment.config, data: deployment.data, env: { LEASE_OIDC_SECRET: oidcSecret } });
    idp.registerClient({ client_id: 'lease', client_secret: oidcSecret, redirect_uris: [`${server.url}/api/v1/auth/corp/callback`] });
    const doc = (await (await fetch(`${server.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    features = {
      extend: Boolean(doc.paths['/api/v1/requests/{id}/extend']?.post),
      approvalsInbox: Boolean(doc.paths['/api/v1/approvals']?.get),
      reviews: Boolean(doc.paths['/api/v1/reviews']?.get),
    };
    if (chromiumAvailable()) browser = await launchChromium();
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    await idp?.stop();
    await deployment?.cleanup();
  });

  function chromiumFor(t: TestContext): Browser | undefined {
    return requireComponent(t, 'Chromium', browser !== undefined, CHROMIUM_HOW_TO_GET) ? browser : undefined;
  }

  /** A fresh browser (360 px wide when asked) whose page is watched for console errors and CSP violations. */
  async function newPage(b: Browser, options: { width?: number; allow?: RegExp } = {}): Promise<Page> {
    const context = await b.newContext({ viewport: { width: options.width ?? 1024, height: 800 } });
    contexts.push(context);
    await context.addInitScript({ content: CSP_PROBE });
    const page = await context.newPage();
    const w: Watched = { page, problems: [] };
    page.on('console', (m) => {
      if ((m.type() === 'error' || /Content[- ]Security[- ]Policy/i.test(m.text())) && !options.allow?.test(m.text())) w.problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => w.problems.push(`page error: ${e.message}`));
    page.on('response', (r) => {
      // The app's pages (not the login redirects, whose URLs carry one-time codes: only the path is named).
      if (r.url().startsWith(server.url) && r.request().resourceType() === 'document' && r.status() === 200 && /text\/html/.test(r.headers()['content-type'] ?? '')) {
        const csp = r.headers()['content-security-policy'] ?? '';
        if (!/script-src 'self'/.test(csp) || /unsafe-inline|unsafe-eval/.test(csp)) w.problems.push(`CSP of ${new URL(r.url()).pathname}: ${csp || 'missing'}`);
      }
    });
    watched.push(w);
    return page;
  }

  async function signIn(page: Page, user: keyof typeof PASSWORDS, path = '/'): Promise<void> {
    await page.goto(`${server.url}${path}`);
    await page.fill('#login input[name=username]', user);
    await page.fill('#login input[name=password]', PASSWORDS[user]);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#who');
  }

  async function noHorizontalScroll(page: Page, what: string): Promise<void> {
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(scroll <= client, `${what}: scrollWidth ${scroll} > ${client} (horizontal scroll)`);
  }

  const cookieOf = async (page: Page) => {
    const c = (await page.context().cookies(server.url)).find((x) => x.name === 'lease_session');
    assert.ok(c);
    return `lease_session=${c.value}`;
  };
  const getRequest = async (page: Page, id: string, until?: string): Promise<RequestJson> => {
    const r = await fetch(`${server.url}/api/v1/requests/${id}${until ? `?until=${until}&timeout=30` : ''}`, { headers: { cookie: await cookieOf(page) } });
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as RequestJson;
  };

  it('serves every screen with a strict CSP (no inline script or style) and its files from this server only', async () => {
    for (const path of ['/', '/request', '/approvals', '/admin/audit', '/requests/req_x']) {
      const r = await fetch(`${server.url}${path}`);
      assert.equal(r.status, 200, path);
      const csp = r.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /style-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      const html = await r.text();
      assert.doesNotMatch(html, /<script>|<style|style=/, 'no inline script or style');
    }
    const js = await fetch(`${server.url}/ui/app.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    for (const bad of ['/ui/nope.js', '/ui/..%2Fapp.ts', '/ui/%2e%2e%2fpackage.json']) assert.equal((await fetch(`${server.url}${bad}`)).status, 404, bad);
  });

  it('the sign-in page lists every identity provider; SSO signs in through OIDC', async (t) => {
    const b = chromiumFor(t);
    if (!b) return;
    const page = await newPage(b);
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#login');
    const sso = page.locator('a[data-provider="corp"]');
    assert.equal(await sso.textContent(), 'Sign in with Corp SSO');
    idp.nextLogin = 'u-dana';
    await sso.click();
    await page.waitForSelector('#who:has-text("Dana Corp")');
    assert.match((await page.textContent('#who')) ?? '', /via corp/);
    assert.equal(new URL(page.url()).pathname, '/');
  });

  it('requests access with the keyboard only: role, provider, duration within the role\'s bounds, reason, Enter', async (t) => {
    const b = chromiumFor(t);
    if (!b) return;
    alice = await newPage(b);
    await signIn(alice, 'alice', '/request');
    await alice.waitForSelector('#request-form');
    // Only what alice may request: not ops-admin (ops), retired (disabled) or parked-role (disabled provider).
    const roles = await alice.$$eval('select[name=role] option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(roles.sort(), ['db-read', 'debug', 'emergency', 'pair', 'stretch', 'stretch-asked', 'two-step']);
    // The heading has focus after a navigation; Tab walks the form in order, from "Describe what you need".
    await alice.keyboard.press('Tab');
    assert.equal(await alice.evaluate(() => (document.activeElement as HTMLElement).getAttribute('name')), 'need');
    await alice.keyboard.type('query the orders table in the database');
    await alice.keyboard.press('Enter');
    await alice.waitForFunction(() => (document.querySelector('#suggestion')?.textContent ?? '') !== '');
    assert.match((await alice.textContent('#suggestion')) ?? '', /^Suggested db-read on box/, 'the suggestion filled the form');
    assert.equal(await alice.$eval('select[name=role]', (s) => (s as HTMLSelectElement).value), 'db-read');
    await alice.$eval('input[name=reason]', (i) => ((i as HTMLInputElement).value = ''));
    await alice.keyboard.press('Tab');
    assert.equal(await alice.evaluate(() => (document.activeElement as HTMLElement).id), 'suggest-button');
    await alice.keyboard.press('Tab');
    assert.equal(await alice.evaluate(() => (document.activeElement as HTMLElement).getAttribute('name')), 'role');
    for (let i = 0; i < 3 && (await alice.$eval('select[name=role]', (s) => (s as HTMLSelectElement).value)) !== 'db-read'; i++) await alice.keyboard.press('ArrowDown');
    assert.equal(await alice.$eval('select[name=role]', (s) => (s as HTMLSelectElement).value), 'db-read');
    const durations = await alice.$$eval('select[name=duration] option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    assert.deepEqual(durations, ['15m', '30m', '60m', '120m'], 'up to the role\'s 2h');
    await alice.keyboard.press('Tab');
    assert.equal(await alice.evaluate(() => (document.activeElement as HTMLElement).getAttribute('name')), 'provider');
    await alice.keyboard.press('Tab');
    assert.equal(await alice.evaluate(() => (document.activeElement as HTMLElement).getAttribute('name')), 'duration');
    await alice.keyboard.press('Tab');
    assert.equal(await alice.evaluate(() => (document.activeElement as HTMLElement).getAttribute('name')), 'reason');
    await alice.keyboard.type('INC-7 read the orders table');
    await alice.keyboard.press('Enter');
    await alice.waitForURL(/\/requests\/req_/);
    await alice.waitForSelector('h1:has-text("db-read on box")');
    assert.equal(await alice.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new page\'s heading');
    assert.match((await alice.textContent('dl.facts')) ?? '', /Pending/);
    const focusRing = await alice.evaluate(() => {
      const button = document.querySelector('button[data-action=revoke]') as HTMLElement;
      button.focus();
      return getComputedStyle(button).outlineStyle;
    });
    assert.notEqual(focusRing, 'none', 'focus is visible');
  });

  it('the approver approves in the inbox with a comment; the requester sees it active with a live countdown, then revokes it', async (t) => {
    const b = chromiumFor(t);
    if (!b || !alice) return;
    const id = new URL(alice.url()).pathname.split('/').pop() as string;
    bob = await newPage(b);
    await signIn(bob, 'bob', '/approvals');
    const card = bob.locator(`li[data-id="${id}"]`);
    await card.waitFor();
    assert.match((await card.textContent()) ?? '', /INC-7 read the orders table/);
    await card.locator('input[name=comment]').fill('ok for INC-7');
    await card.locator('button[data-action=approve]').click();
    await card.waitFor({ state: 'detached' });
    // Alice's page polls: the request turns active and its countdown runs.
    await alice.waitForSelector('dl.facts .status-active', { timeout: 30_000 });
    const countdown = alice.locator('dl.facts .countdown');
    const first = await countdown.textContent();
    assert.match(first ?? '', /^(59m \d\ds|1h 00m 00s) left$/, 'the default duration: 1h');
    await waitUntil('the countdown to move', async () => ((await countdown.textContent()) !== first ? true : undefined), 10_000);
    const approved = await getRequest(alice, id);
    assert.equal(approved.status, 'active');
    assert.deepEqual(approved.approvals?.decisions.map((d) => [d.approver, d.channel]), [['local:bob', 'web']]);
    // My access: active, with its countdown; revoke from there.
    await alice.click('nav a:has-text("My access")');
    const mine = alice.locator(`li[data-id="${id}"]`);
    await mine.waitFor();
    assert.equal(await mine.getAttribute('data-status'), 'active');
    assert.match((await mine.locator('.countdown').textContent()) ?? '', /left$/);
    assert.equal(await mine.locator('button[data-action=extend]').count(), 1);
    await mine.locator('button[data-action=revoke]').click();
    assert.equal((await getRequest(alice, id, 'revoked')).status, 'revoked');
    await alice.waitForSelector(`section:has(h2:has-text("Ended")) li[data-id="${id}"]`, { timeout: 30_000 });
  });

  /** Alice asks through the API (the web form is the first test's): the request as the API answers it. */
  async function requestAs(user: keyof typeof PASSWORDS, body: Record<string, unknown>): Promise<RequestJson> {
    const token = await apiLogin(server.url, user);
    const created = await fetch(`${server.url}/api/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(created.status, 201, await created.clone().text());
    return (await created.json()) as RequestJson;
  }

  /** Bob approves over the API (a bearer token: channel api), when the web app's part is elsewhere. */
  async function approveAsBob(id: string): Promise<void> {
    const token = await apiLogin(server.url, 'bob');
    const r = await fetch(`${server.url}/api/v1/requests/${id}/approve`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 202, await r.clone().text());
  }

  let carol: Page | undefined;
  /** Carol (sales): an approver of pair and of two-step's first stage; not an administrator. */
  async function carolPage(b: Browser): Promise<Page> {
    if (!carol) {
      carol = await newPage(b);
      await signIn(carol, 'carol', '/approvals');
    }
    return carol;
  }

  it('the server has the approval routes the app uses: extend, the approvals inbox, reviews', () => {
    assert.deepEqual(features, { extend: true, approvalsInbox: true, reviews: true });
  });

  it('n-of-m: "1 of 2 approvals" after the first approver, in the inbox and on the request page; the second makes it active', async (t) => {
    const b = chromiumFor(t);
    if (!b || !alice || !bob) return;
    const request = await requestAs('alice', { role: 'pair', provider: 'box', duration: '30m', reason: 'needs two' });
    assert.equal(request.approvals?.required, 2);
    await bob.goto(`${server.url}/requests/${request.id}`);
    await bob.waitForSelector('h1:has-text("pair on box")');
    assert.match((await bob.textContent('.approvals .progress')) ?? '', /^0 of 2 approvals$/);
    await bob.fill('form.decision input[name=comment]', 'one of two');
    await bob.click('form.decision button[data-action=approve]');
    await bob.waitForSelector('.approvals .progress:has-text("1 of 2 approvals")', { timeout: 30_000 });
    await bob.waitForSelector('.approvals ul.decisions li[data-approved="true"]:has-text("local:bob (web)")');
    // Carol, the other approver, sees it in her inbox at 1 of 2, and approves it there.
    const page = await carolPage(b);
    await page.goto(`${server.url}/approvals`);
    const card = page.locator(`li[data-id="${request.id}"]`);
    await card.waitFor({ timeout: 30_000 });
    assert.match((await card.locator('.progress').textContent()) ?? '', /^1 of 2 approvals$/);
    await card.locator('input[name=comment]').fill('two of two');
    await card.locator('button[data-action=approve]').click();
    await card.waitFor({ state: 'detached', timeout: 30_000 });
    const active = await getRequest(alice, request.id, 'active');
    assert.equal(active.status, 'active');
    assert.deepEqual(active.approvals?.decisions.map((d) => [d.approver, d.channel]), [['local:bob', 'web'], ['local:carol', 'web']]);
    // Alice's page of it: active, the approvals panel with both decisions.
    await alice.goto(`${server.url}/requests/${request.id}`);
    await alice.waitForSelector('dl.facts .status-active');
    assert.equal(await alice.locator('.approvals ul.decisions li[data-approved="true"]').count(), 2);
  });

  it('two stages: the team lead approves stage 1 in the web app, then security stage 2; progress shows on the inbox and the request page; then active', async (t) => {
    const b = chromiumFor(t);
    if (!b || !alice || !bob) return;
    const request = await requestAs('alice', { role: 'two-step', provider: 'box', duration: '30m', reason: 'lead then security' });
    assert.deepEqual(request.approvals?.stages.map((s) => s.name), ['team lead', 'security']);
    // Alice's page: stage 1 of 2 awaits.
    await alice.goto(`${server.url}/requests/${request.id}`);
    await alice.waitForSelector('h1:has-text("two-step on box")');
    assert.match((await alice.textContent('.approvals .progress')) ?? '', /^0 of 1 approval · stage 1 of 2 \(team lead\)$/);
    assert.equal(await alice.getAttribute('.approvals ol.stages li[aria-current=step]', 'data-stage'), '0');
    assert.equal(await alice.locator('form.decision').count(), 0, 'no decision form on one\'s own request');
    // The team lead (carol) sees it in her inbox at stage 1 and approves it there.
    const page = await carolPage(b);
    await page.goto(`${server.url}/approvals`);
    const leadCard = page.locator(`li[data-id="${request.id}"]`);
    await leadCard.waitFor({ timeout: 30_000 });
    assert.match((await leadCard.locator('.progress').textContent()) ?? '', /stage 1 of 2 \(team lead\)/);
    await leadCard.locator('input[name=comment]').fill('lead ok');
    await leadCard.locator('button[data-action=approve]').click();
    await leadCard.waitFor({ state: 'detached', timeout: 30_000 });
    // Alice's page follows (it polls while pending): stage 2 of 2 now, stage 1 approved by carol.
    await alice.waitForSelector('.approvals .progress:has-text("stage 2 of 2 (security)")', { timeout: 30_000 });
    assert.equal(await alice.getAttribute('.approvals ol.stages li[aria-current=step]', 'data-stage'), '1');
    assert.match((await alice.textContent('.approvals ol.stages li[data-stage="0"]')) ?? '', /1 of 1 .* approved by local:carol/);
    assert.equal(await alice.getAttribute('.approvals ol.stages li[data-stage="0"]', 'data-done'), 'true');
    // Carol may not decide stage 2 (not a security approver): it is gone from her inbox.
    await page.goto(`${server.url}/approvals`);
    await page.waitForSelector('h1:has-text("Approvals")');
    await page.waitForSelector('main :is(ul.cards, p.empty)');
    assert.equal(await page.locator(`li[data-id="${request.id}"]`).count(), 0);
    // Security (bob) sees stage 2 in his inbox and approves it.
    await bob.goto(`${server.url}/approvals`);
    const securityCard = bob.locator(`li[data-id="${request.id}"]`);
    await securityCard.waitFor({ timeout: 30_000 });
    assert.match((await securityCard.locator('.progress').textContent()) ?? '', /^0 of 1 approval · stage 2 of 2 \(security\)$/);
    await securityCard.locator('input[name=comment]').fill('security ok');
    await securityCard.locator('button[data-action=approve]').click();
    await securityCard.waitFor({ state: 'detached', timeout: 30_000 });
    await alice.waitForSelector('dl.facts .status-active', { timeout: 30_000 });
    assert.equal(await alice.locator('.approvals .progress').count(), 1, 'the panel keeps the whole count');
    assert.match((await alice.textContent('.approvals .progress')) ?? '', /^2 of 2 approvals$/);
    const active = await getRequest(alice, request.id);
    assert.deepEqual(active.approvals?.stages.map((s) => s.approved_by), [['local:carol'], ['local:bob']]);
    assert.deepEqual(active.approvals?.decisions.map((d) => [d.approver, d.channel]), [['local:carol', 'web'], ['local:bob', 'web']]);
  });

  /** Extends the lease `id` from alice's My access by `by` (a value of the Extend select). */
  async function extendFromMyAccess(id: string, by: string, reason: string): Promise<void> {
    await alice.goto(`${server.url}/`);
    const card = alice.locator(`section:has(h2:has-text("Active")) li[data-id="${id}"]`);
    await card.waitFor({ timeout: 30_000 });
    await card.locator('button[data-action=extend]').click();
    await card.locator('select[name=duration]').selectOption(by);
    await card.locator('input[name=reason]').fill(reason);
    await card.locator('form button[type=submit]').click();
  }

  it('extends from My access: at once where the role allows it (the expiry moves), else a pending extension', async (t) => {
    const b = chromiumFor(t);
    if (!b || !alice || !bob) return;
    // extend_without_approval: the extension is applied at once; the card's countdown moves by 30 minutes.
    const quick = await requestAs('alice', { role: 'stretch', provider: 'box', duration: '30m', reason: 'stretch me' });
    await approveAsBob(quick.id);
    const before = await getRequest(alice, quick.id, 'active');
    assert.ok(before.expires_at);
    await extendFromMyAccess(quick.id, '30m', 'a bit longer');
    const card = alice.locator(`li[data-id="${quick.id}"]`);
    const moved = await waitUntil('the expiry to move on My access', async () => {
      const expires = await card.locator('.countdown').getAttribute('data-expires').catch(() => null);
      return expires && Date.parse(expires) !== Date.parse(before.expires_at!) ? expires : undefined;
    }, 30_000);
    assert.equal(Date.parse(moved) - Date.parse(before.expires_at), 30 * 60_000);
    assert.match((await card.locator('.countdown').textContent()) ?? '', /^(5\d|60)m \d\ds left$|^1h 00m 00s left$/);
    assert.equal((await getRequest(alice, quick.id)).expires_at, moved);
    // The extension request itself ended "extended", under Ended, naming the lease it extends.
    const extension = alice.locator(`section:has(h2:has-text("Ended")) li:has(.extends a[href$="/requests/${quick.id}"])`);
    await extension.waitFor({ timeout: 30_000 });
    assert.equal(await extension.getAttribute('data-status'), 'extended');
    assert.equal(await extension.locator('.status-extended').textContent(), 'Extended');

    // Through the approvals: a pending extension shows on the lease's card, and the expiry stays.
    const asked = await requestAs('alice', { role: 'stretch-asked', provider: 'box', duration: '30m', reason: 'stretch on approval' });
    await approveAsBob(asked.id);
    const lease = await getRequest(alice, asked.id, 'active');
    await extendFromMyAccess(asked.id, '15m', 'need 15 more');
    const leaseCard = alice.locator(`section:has(h2:has-text("Active")) li[data-id="${asked.id}"]`);
    await leaseCard.locator('.pending-extension:has-text("Extension by 15m waiting for approval")').waitFor({ timeout: 30_000 });
    const pending = alice.locator(`section:has(h2:has-text("Pending")) li:has(.extends a[href$="/requests/${asked.id}"])`);
    await pending.waitFor();
    assert.match((await pending.locator('.progress').textContent()) ?? '', /^0 of 1 approval$/);
    assert.match((await pending.locator('.reason').textContent()) ?? '', /need 15 more/);
    assert.equal(await leaseCard.locator('.countdown').getAttribute('data-expires'), lease.expires_at, 'not moved before the approval');
    // Bob approves the extension in his inbox; the lease's expiry then moves by 15 minutes on alice's page.
    const extensionId = await pending.getAttribute('data-id');
    assert.ok(extensionId);
    await bob.goto(`${server.url}/approvals`);
    const bobCard = bob.locator(`li[data-id="${extensionId}"]`);
    await bobCard.waitFor({ timeout: 30_000 });
    await bobCard.locator('button[data-action=approve]').click();
    await bobCard.waitFor({ state: 'detached', timeout: 30_000 });
    await waitUntil('the approved extension to move the expiry', async () => {
      const expires = await leaseCard.locator('.countdown').getAttribute('data-expires').catch(() => null);
      return expires && Date.parse(expires) - Date.parse(lease.expires_at!) === 15 * 60_000 ? true : undefined;
    }, 30_000);
    await leaseCard.locator('.pending-extension').waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('break-glass: requested from the web form, active at once, its review closed by an administrator with a comment on the Reviews screen', async (t) => {
    const b = chromiumFor(t);
    if (!b || !alice || !bob) return;
    await alice.goto(`${server.url}/request`);
    await alice.waitForSelector('#request-form');
    await alice.selectOption('select[name=role]', 'emergency');
    await alice.fill('input[name=reason]', 'INC-9 outage at 3am');
    await alice.check('input[name=break_glass]');
    await alice.click('#request-form button[type=submit]');
    await alice.waitForURL(/\/requests\/req_/);
    const id = new URL(alice.url()).pathname.split('/').pop() as string;
    await alice.waitForSelector('dl.facts .status-active', { timeout: 30_000 });
    assert.equal(await alice.locator('dl.facts .badge.break-glass').count(), 1);
    assert.equal((await getRequest(alice, id)).break_glass, true);
    // A role without break_glass refuses it (400, field break_glass): the form says so there.
    // The only console error allowed on this page: the browser reporting that 400.
    const refused = await newPage(b, { allow: /status of 400/ });
    await signIn(refused, 'alice', '/request');
    await refused.waitForSelector('#request-form');
    await refused.selectOption('select[name=role]', 'db-read');
    await refused.fill('input[name=reason]', 'not an emergency role');
    await refused.check('input[name=break_glass]');
    await refused.click('#request-form button[type=submit]');
    await refused.waitForSelector('#request-form .error:not(:empty)');
    assert.equal(await refused.evaluate(() => (document.activeElement as HTMLInputElement).name), 'break_glass');
    assert.equal(new URL(refused.url()).pathname, '/request');
    // Bob (an administrator) closes the review on the Reviews screen.
    await bob.goto(`${server.url}/`);
    await bob.click('nav a:has-text("Reviews")');
    await bob.waitForSelector('h1:has-text("Break-glass reviews")');
    const open = bob.locator(`#reviews-open li[data-request="${id}"]`);
    await open.waitFor({ timeout: 30_000 });
    assert.equal(await open.getAttribute('data-status'), 'open');
    const text = (await open.textContent()) ?? '';
    assert.match(text, /emergency on box/);
    assert.match(text, /local:alice/);
    assert.match(text, /INC-9 outage at 3am/);
    // Empty comments are refused by the page before the API is asked.
    await open.locator('button[type=submit]').click();
    await open.locator('.error:has-text("Write what you found.")').waitFor();
    await open.locator('input[name=comment]').fill('checked with alice: real outage');
    await open.locator('button[type=submit]').click();
    await open.waitFor({ state: 'detached', timeout: 30_000 });
    const closed = bob.locator(`#reviews-closed li[data-request="${id}"]`);
    await closed.waitFor();
    assert.equal(await closed.getAttribute('data-status'), 'closed');
    assert.match((await closed.textContent()) ?? '', /Comment: checked with alice: real outage/);
    assert.match((await closed.textContent()) ?? '', /by local:bob/);
    assert.equal(await closed.locator('form').count(), 0);
    // The API agrees: no longer open; closed by bob with the comment.
    const reviews = async (status: string) =>
      ((await (await fetch(`${server.url}/api/v1/reviews?status=${status}`, { headers: { cookie: await cookieOf(bob) } })).json()) as { reviews: ReviewJson[] }).reviews;
    assert.ok(!(await reviews('open')).some((r) => r.request_id === id));
    const review = (await reviews('closed')).find((r) => r.request_id === id);
    assert.equal(review?.comment, 'checked with alice: real outage');
    assert.equal(review?.closed_by, 'local:bob');
    // After a reload too.
    await bob.reload();
    await bob.waitForSelector(`#reviews-closed li[data-request="${id}"]`);
    assert.equal(await bob.locator(`#reviews-open li[data-request="${id}"]`).count(), 0);
  });

  it('another user opening a request by URL gets the not-found page, as the API answers 404', async (t) => {
    const b = chromiumFor(t);
    if (!b || !alice) return;
    // Alice's db-read request: carol (sales) is not among its approvers (ops), unlike pair's.
    const id = (await (await fetch(`${server.url}/api/v1/requests?limit=100`, { headers: { cookie: await cookieOf(alice) } })).json() as { requests: RequestJson[] }).requests.find((r) => r.reason.startsWith('INC-7'))?.id;
    assert.ok(id);
    // The only console error allowed here: the browser reporting the API's 404.
    const carol = await newPage(b, { allow: /status of 404/ });
    await signIn(carol, 'carol', `/requests/${id}`);
    await carol.waitForSelector('h1.not-found');
    assert.doesNotMatch((await carol.textContent('main')) ?? '', /INC-7|needs two|pair on box/);
    const api = await fetch(`${server.url}/api/v1/requests/${id}`, { headers: { cookie: await cookieOf(carol) } });
    assert.equal(api.status, 404);
    // Nor do the admin screens show her anything: the links are not there and the API refuses.
    assert.equal(await carol.locator('nav a:has-text("Audit log")').count(), 0);
    await carol.goto(`${server.url}/admin/audit`);
    await carol.waitForSelector('h1.not-found');
    assert.equal((await fetch(`${server.url}/api/v1/audit`, { headers: { cookie: await cookieOf(carol) } })).status, 403);
    assert.equal((await fetch(`${server.url}/api/v1/requests?all=true`, { headers: { cookie: await cookieOf(carol) } })).status, 403);
  });

  it('the administrator sees everyone\'s requests, filters and exports the audit log, and verifies its chain', async (t) => {
    const b = chromiumFor(t);
    if (!b || !bob) return;
    await bob.goto(`${server.url}/admin`);
    await bob.waitForSelector('h1:has-text("All requests")');
    await bob.waitForSelector('li[data-id] :text("INC-7 read the orders table")');
    const id = await bob.locator('li[data-id]:has-text("INC-7")').getAttribute('data-id');
    assert.ok(id);
    await bob.click('nav a:has-text("Audit log")');
    await bob.waitForSelector('table.audit');
    await bob.fill('input[name=subject]', id);
    await bob.click('button:has-text("Apply filters")');
    await waitUntil('the filtered rows', async () => {
      const subjects = await bob.$$eval('table.audit tbody tr td:nth-child(5)', (tds) => tds.map((td) => td.textContent));
      return subjects.length > 0 && subjects.every((s) => s === id) ? subjects : undefined;
    });
    const actions = await bob.$$eval('table.audit tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.action));
    assert.ok(actions.includes('request.created') && actions.includes('request.approved'), actions.join(','));
    // Export: a real download of what the filter shows.
    const [csv] = await Promise.all([bob.waitForEvent('download'), bob.click('#export-csv')]);
    assert.match(csv.suggestedFilename(), /^lease-audit-.*\.csv$/);
    const csvText = await streamText(await csv.createReadStream());
    const lines = csvText.trim().split('\r\n');
    assert.equal(lines[0], 'seq,ts,actor,action,subject,data,prev_hash,hash');
    assert.equal(lines.length - 1, actions.length);
    assert.ok(lines.slice(1).every((l) => l.includes(`,${id},`)));
    const [json] = await Promise.all([bob.waitForEvent('download'), bob.click('#export-json')]);
    const entries = JSON.parse(await streamText(await json.createReadStream())) as { subject: string; hash: string }[];
    assert.equal(entries.length, actions.length);
    assert.ok(entries.every((e) => e.subject === id && /^[0-9a-f]{64}$/.test(e.hash)));
    await bob.click('#verify');
    await bob.waitForSelector('#verify-result[data-ok="true"]');
    assert.match((await bob.textContent('#verify-result')) ?? '', /intact: \d+ entries verified/);
    // Reviews: a screen when the server keeps them; no link otherwise.
    assert.equal(await bob.locator('nav a:has-text("Reviews")').count(), 1);
  });

  it('every screen fits 360 px without horizontal scroll', async (t) => {
    const b = chromiumFor(t);
    if (!b) return;
    const page = await newPage(b, { width: 360 });
    await signIn(page, 'bob', '/');
    const id = (await (await fetch(`${server.url}/api/v1/requests?all=true&limit=1`, { headers: { cookie: await cookieOf(page) } })).json() as { requests: RequestJson[] }).requests[0]?.id;
    for (const [path, ready] of [['/', 'h1:has-text("My access")'], ['/request', '#request-form'], ['/approvals', 'h1:has-text("Approvals")'], ['/admin', 'li[data-id]'], ['/admin/audit', 'table.audit'], ['/admin/reviews', '#reviews-closed li'], [`/requests/${id}`, 'dl.facts']] as const) {
      await page.goto(`${server.url}${path}`);
      await page.waitForSelector(ready);
      await noHorizontalScroll(page, path);
    }
    const signedOut = await newPage(b, { width: 360 });
    await signedOut.goto(`${server.url}/`);
    await signedOut.waitForSelector('#login');
    await noHorizontalScroll(signedOut, 'sign-in');
  });

  it('no page logged a console error or had anything blocked by its CSP', async (t) => {
    if (!chromiumFor(t)) return;
    for (const w of watched) {
      if (w.page.isClosed()) continue;
      const violations = await w.page.evaluate(() => (window as unknown as { __cspViolations?: string[] }).__cspViolations ?? []);
      w.problems.push(...violations.map((v) => `CSP violation: ${v}`));
    }
    assert.deepEqual(watched.flatMap((w) => w.problems), []);
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}
