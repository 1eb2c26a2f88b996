// E-mail approvals end to end: a real `lease server`, a real SMTP server (aiosmtpd) keeping what
// it receives, and real Chromium following the link from the mail. Thand's approval workflow
// (thand.notify with approvals: true, then listen for com.thand.approval) runs unchanged with
// an `email` provider. The approver must be signed in as the person the link was mailed to;
// GET shows, only the page's form POST decides; reused, expired, other-address and own links
// are refused with a clear page and audited; the requester is mailed on grant and on end.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SessionKeys } from '../../src/identity/index.js';
import { issueApprovalLink } from '../../src/server/email-approvals/tokens.js';
import { CHROMIUM_HOW_TO_GET, chromiumAvailable, launchChromium } from '../support/chromium.js';
import { leaseJson, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { requireComponent } from '../support/require-component.js';
import { registerTestSecret } from '../support/secrets.js';
import { startSmtpServer, type ReceivedMail, type SmtpServer } from '../support/smtp.js';
import { PASSWORDS, apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
}

const CONFIG = (port: number) => `version: "1.0"
roles:
  release:
    name: Release
    description: Ship a release, approved by e-mail
    workflow: email_approval
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { users: [bob, carol] }
providers:
  mail:
    name: Mail
    provider: email
    config: { host: 127.0.0.1, port: ${port}, tls: none, from: "Lease <lease@example.com>" }
workflows:
  email_approval:
    name: Approval by e-mail
    description: Thand's approval flow, through the email provider
    authentication: default
    workflow:
      document: { dsl: "1.0.0-alpha5", namespace: thand, name: email-approval, version: "1.0.0" }
      do:
        - validate:
            thand: validate
            with: { validator: static }
        - notify:
            call: thand.notify
            with:
              provider: mail
              to: approvers
              message: '\${ .user.name + " asks for " + .role.name + ": " + .reason }'
              approvals: true
        - waitForApproval:
            listen:
              to:
                one:
                  with:
                    type: com.thand.approval
        - decide:
            switch:
              - approved:
                  when: \${ .data.approved == true }
                  then: authorize
              - denied:
                  then: end
        - authorize:
            thand: authorize
`;

const LINK = /(https?:\/\/\S+\/email-approval\?token=[A-Za-z0-9._-]+)/;

function linkIn(mail: ReceivedMail): string {
  const match = LINK.exec(mail.text ?? '');
  assert.ok(match, `a link in the mail:\n${mail.text}`);
  registerTestSecret(match[1]!.split('token=')[1]!);
  return match[1]!;
}

describe('e-mail approvals (real SMTP server, real Chromium)', () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let smtp: SmtpServer | undefined;
  let browser: Browser | undefined;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
    if (chromiumAvailable()) browser = await launchChromium();
  });

  after(async () => {
    await server?.stop();
    await browser?.close();
    await deployment?.cleanup();
  });

  async function start(t: TestContext): Promise<boolean> {
    smtp = await startSmtpServer(t);
    if (!smtp || !requireComponent(t, 'Chromium', browser !== undefined, CHROMIUM_HOW_TO_GET)) return false;
    await writeFile(join(deployment.config, 'email.yaml'), CONFIG(smtp.port));
    server = await startServer({ config: deployment.config, data: deployment.data });
    for (const user of ['alice', 'bob', 'carol'] as const) await loginAs(deployment, server.url, user);
    return true;
  }

  async function signedIn(user: 'alice' | 'bob' | 'carol'): Promise<Page> {
    const context = await browser!.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.fill('input[name=username]', user);
    await page.fill('input[name=password]', PASSWORDS[user]);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#who:not(:empty)');
    return page;
  }

  const status = async (id: string) => (await leaseJson<RequestJson>(['status', id, '--json'], env('alice'))).status;

  async function refusals(id: string): Promise<{ actor: string; data: { code: string; step: string } }[]> {
    const token = await apiLogin(server.url, 'bob');
    const r = await fetch(`${server.url}/api/v1/audit?subject=${id}&limit=500`, { headers: { authorization: `Bearer ${token}` } });
    const { entries } = (await r.json()) as { entries: { action: string; actor: string; data: { code: string; step: string } }[] };
    return entries.filter((e) => e.action === 'email_approval.refused');
  }

  it('mails each approver a personal link; only the signed-in addressee\'s POST decides; refusals are audited; the requester hears of grant and end', async (t) => {
    if (!(await start(t))) return;
    const request = await leaseJson<RequestJson>(['request', '--role', 'release', '--provider', 'box', '--duration', '10m', '--reason', 'release <b>2.0</b> & "more"', '--json'], env('alice'));
    assert.equal(request.status, 'pending');

    // One mail per approver (bob, carol), none to the requester.
    const toBob = await smtp!.waitFor('the mail to bob', (m) => m.rcpt_tos.includes('bob@example.com') && (m.text ?? '').includes(request.id));
    const toCarol = await smtp!.waitFor('the mail to carol', (m) => m.rcpt_tos.includes('carol@example.com') && (m.text ?? '').includes(request.id));
    assert.equal((await smtp!.messages()).filter((m) => m.rcpt_tos.includes('alice@example.com')).length, 0);
    assert.match(toBob.subject, /^Approval needed: alice@example.com asks for release on box$/);
    assert.match(toBob.html ?? '', /release &lt;b&gt;2\.0&lt;\/b&gt; &amp; &quot;more&quot;/, 'the reason is escaped in the HTML part');
    assert.ok(!(toBob.html ?? '').includes('<b>2.0</b>'));
    const bobLink = linkIn(toBob);
    const carolLink = linkIn(toCarol);
    assert.ok(bobLink.startsWith(`${server.url}/email-approval?token=`), 'links use the server\'s public URL');

    // A mail scanner (no session) following the link sees a sign-in page, not the request; nothing is decided.
    const scanned = await fetch(bobLink);
    const scannedPage = await scanned.text();
    assert.equal(scanned.status, 200);
    assert.match(scannedPage, /Sign in to decide/);
    assert.ok(!scannedPage.includes('release'), 'the request is not shown to whoever holds the link');
    assert.match(scanned.headers.get('content-security-policy') ?? '', /default-src 'none'; style-src 'self'; form-action 'self'/);

    // Bob, signed in, opens his link: GET shows the request and decides nothing.
    const bob = await signedIn('bob');
    const shown = await bob.goto(bobLink);
    assert.equal(shown?.status(), 200);
    assert.equal(await bob.textContent('h1'), 'Approve this request?');
    assert.match((await bob.textContent('table')) ?? '', /release <b>2\.0<\/b> & "more"/, 'shown as text, not markup');
    assert.equal(await status(request.id), 'pending', 'GET alone decides nothing');

    // A link mailed to carol, opened by bob: refused (and audited).
    const other = await bob.goto(carolLink);
    assert.equal(other?.status(), 403);
    assert.equal(await bob.getAttribute('p.error', 'data-code'), 'link_not_yours');

    // An expired link for bob (minted with the server's key, as the server would have): refused.
    const keys = await SessionKeys.load(deployment.data);
    const expired = await issueApprovalLink(keys, { address: 'bob@example.com', requestId: request.id }, { now: Date.now() - 3_600_000, ttlMs: 5 * 60_000 });
    registerTestSecret(expired.token);
    const late = await bob.goto(`${server.url}/email-approval?token=${expired.token}`);
    assert.equal(late?.status(), 410);
    assert.equal(await bob.getAttribute('p.error', 'data-code'), 'link_expired');

    // The requester's own link (alice is mailed none; one minted for her address): refused.
    const own = await issueApprovalLink(keys, { address: 'alice@example.com', requestId: request.id }, { now: Date.now(), ttlMs: 3_600_000 });
    registerTestSecret(own.token);
    const alice = await signedIn('alice');
    const ownPage = await alice.goto(`${server.url}/email-approval?token=${own.token}`);
    assert.equal(ownPage?.status(), 403);
    assert.equal(await alice.getAttribute('p.error', 'data-code'), 'self_approval_forbidden');

    // A POST with bob's session cookie but a wrong CSRF token decides nothing (the page's CSP
    // lets no script fetch, so this comes from outside the browser, with the cookie).
    const cookie = (await bob.context().cookies(server.url)).find((c) => c.name === 'lease_session');
    assert.ok(cookie);
    registerTestSecret(cookie.value);
    const forged = (
      await fetch(`${server.url}/email-approval`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `lease_session=${cookie.value}` },
        body: new URLSearchParams({ token: new URL(bobLink).searchParams.get('token') ?? '', csrf_token: 'wrong', decision: 'approve' }).toString(),
      })
    ).status;
    assert.equal(forged, 403);
    assert.equal(await status(request.id), 'pending');

    // Bob confirms on the page: approved, granted.
    await bob.goto(bobLink);
    await bob.fill('textarea[name=comment]', 'ship it');
    await bob.click('button[value=approve]');
    await bob.waitForSelector('h1:has-text("Approved")');
    await waitUntil('the request to become active', async () => ((await status(request.id)) === 'active' ? true : undefined), 60_000, 200);

    // The same link again: used.
    const reused = await bob.goto(bobLink);
    assert.equal(reused?.status(), 409);
    assert.equal(await bob.getAttribute('p.error', 'data-code'), 'link_used');

    // The requester is mailed on grant, then on end.
    const granted = await smtp!.waitFor('the grant mail to alice', (m) => m.rcpt_tos.includes('alice@example.com') && m.subject.startsWith('Granted: release on box'));
    assert.match(granted.text ?? '', /active until/);
    await leaseJson(['revoke', request.id, '--json'], env('alice'));
    await smtp!.waitFor('the end mail to alice', (m) => m.rcpt_tos.includes('alice@example.com') && m.subject.startsWith('Ended: release on box'));

    // The decision is audited on channel email as bob; every refusal is audited, without the token.
    const token = await apiLogin(server.url, 'bob');
    const audit = (await (await fetch(`${server.url}/api/v1/audit?subject=${request.id}&limit=500`, { headers: { authorization: `Bearer ${token}` } })).json()) as { entries: { action: string; actor: string; data: Record<string, unknown> }[] };
    const approved = audit.entries.find((e) => e.action === 'request.approved');
    assert.equal(approved?.actor, 'local:bob');
    assert.equal(approved?.data.channel, 'email');
    const codes = (await refusals(request.id)).map((e) => `${e.actor}:${e.data.code}`).sort();
    assert.deepEqual(codes, ['local:alice:self_approval_forbidden', 'local:bob:link_expired', 'local:bob:link_not_yours', 'local:bob:link_used']);
    const text = JSON.stringify(audit.entries);
    assert.ok(!text.includes(bobLink.split('token=')[1]!), 'the token is not in the audit trail');
    assert.ok(!server.output.includes(bobLink.split('token=')[1]!), 'the token is not in the server\'s log');
  });
});
