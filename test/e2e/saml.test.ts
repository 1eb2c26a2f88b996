// SAML 2.0 login end to end, with real processes: a real SAML IdP (samlify, in the test
// process, with its own throwaway key), the real `lease server` and `lease login --no-browser`.
// The test plays the browser: it takes the AuthnRequest from the login URL to the IdP, POSTs the
// IdP's signed Response to Lease's ACS and follows the 303 to the CLI's loopback listener.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { VaultSessionStore } from '../../src/agent/index.js';
import { leaseJson, startServer, tempDir, writeFiles, type CliResult, type ServerProcess, startBrowserLogin } from '../support/lease-process.js';
import { createSamlIdp, type ResponseTweaks, type SamlResponseForm, type TestSamlIdp } from '../support/saml-idp.js';

/** An address nobody listens on: API-level tests read the redirect to it and never follow it. */
const NOWHERE = 'http://127.0.0.1:9/callback';
const alice = { nameId: 'alice@corp.example', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng', 'oncall'] };

describe('SAML login (real SAML IdP, real server and CLI)', () => {
  let idp: TestSamlIdp;
  let server: ServerProcess;
  let root: { path: string; cleanup: () => Promise<void> };
  /** Everything that must never appear in the server's output. */
  const secrets = new Set<string>();
  const home = (user: string) => join(root.path, 'home', user);
  const acsUrl = () => `${server.url}/api/v1/auth/corp/callback`;

  before(async () => {
    idp = createSamlIdp();
    root = await tempDir('lease-saml-');
    await writeFiles(root.path, {
      'config/providers.yaml': `version: "1.0"
providers:
  corp:
    name: Corp SAML
    provider: saml
    config:
      idp_metadata: ${JSON.stringify(idp.metadata)}
      clock_skew_seconds: 30
  box:
    name: This host
    provider: sudo
    config:
      sudoers_dir: ${JSON.stringify(join(root.path, 'sudoers.d'))}
      visudo: false
      accounts: { alice@corp.example: alice }
`,
      'config/roles.yaml': `version: "1.0"
roles:
  eng-debug:
    name: Engineering debug
    description: Read logs
    permissions:
      allow: [/usr/bin/journalctl]
    scopes:
      groups: ["corp:eng"]
    providers: [box]
    max_duration: 1h
`,
    });
    server = await startServer({ config: join(root.path, 'config'), data: join(root.path, 'data') });
  });

  after(async () => {
    await server?.stop();
    await root?.cleanup();
  });

  /** Starts `lease login --provider corp --no-browser`; resolves with the URL it printed. */
  function startCliLogin(user: string): Promise<{ loginUrl: string; exit: Promise<CliResult> }> {
    return startBrowserLogin({ serverUrl: server.url, provider: 'corp', home: home(user) });
  }

  async function spMetadata(): Promise<string> {
    const r = await fetch(`${server.url}/api/v1/auth/corp/metadata`);
    assert.equal(r.status, 200);
    return r.text();
  }

  /** Lease's /start with a loopback that nobody listens on; the login URL goes to the IdP. */
  async function startAttempt(): Promise<string> {
    const r = await fetch(`${server.url}/api/v1/auth/corp/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect: NOWHERE }) });
    assert.equal(r.status, 200, await r.clone().text());
    return ((await r.json()) as { login_url: string }).login_url;
  }

  /** The IdP's answer to the login URL's AuthnRequest. */
  async function idpAnswer(loginUrl: string, tweaks: ResponseTweaks = {}, from = idp): Promise<SamlResponseForm> {
    const form = await from.respond(loginUrl, await spMetadata(), alice, tweaks);
    secrets.add(form.SAMLResponse);
    secrets.add(form.RelayState);
    return form;
  }

  /** The browser's auto-submitted form: POST to the ACS, not following the redirect. */
  async function postToAcs(form: SamlResponseForm): Promise<Response> {
    assert.equal(form.acsUrl, acsUrl(), 'the IdP posts to the ACS from Lease\'s metadata');
    return fetch(form.acsUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLResponse: form.SAMLResponse, RelayState: form.RelayState }).toString(),
    });
  }

  /** A refusal after the RelayState was recognised: the browser goes to the CLI with an error, no code. */
  async function assertRefused(r: Response, reason: string): Promise<void> {
    assert.equal(r.status, 303);
    const location = new URL(r.headers.get('location') as string);
    assert.equal(`${location.origin}${location.pathname}`, NOWHERE);
    assert.equal(location.searchParams.get('error'), 'login_failed');
    assert.equal(location.searchParams.get('code'), null);
    assert.match(server.output, new RegExp(`"reason":"${reason}"`));
  }

  it('serves SP metadata with our entity id, the ACS and WantAssertionsSigned', async () => {
    const xml = await spMetadata();
    assert.ok(xml.includes(`entityID="${server.url}/api/v1/auth/corp/metadata"`), xml);
    assert.ok(xml.includes(`Location="${acsUrl()}"`));
    assert.match(xml, /WantAssertionsSigned="true"/);
  });

  it('logs in with the CLI through the IdP\'s signed Response; whoami shows email, name, groups and provider', async () => {
    const { loginUrl, exit } = await startCliLogin('alice');
    assert.ok(loginUrl.startsWith(`${idp.ssoUrl}?`), loginUrl);
    const acs = await postToAcs(await idpAnswer(loginUrl));
    assert.equal(acs.status, 303);
    const loopback = new URL(acs.headers.get('location') as string);
    assert.equal(loopback.hostname, '127.0.0.1');
    secrets.add(loopback.searchParams.get('code') as string);
    const landed = await fetch(loopback);
    assert.equal(landed.status, 200);
    await landed.body?.cancel();

    const result = await exit;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Logged in to .* as alice@corp\.example/);
    const stored = await new VaultSessionStore(home('alice')).get(server.url);
    assert.ok(stored, 'the session is in the vault');
    secrets.add(stored.token);

    const me = await leaseJson<Record<string, unknown>>(['whoami', '--json'], { LEASE_HOME: home('alice') });
    assert.equal(me.id, 'alice@corp.example');
    assert.equal(me.email, 'alice@corp.example');
    assert.equal(me.name, 'Alice Liddell');
    assert.deepEqual(me.groups, ['eng', 'oncall']);
    assert.equal(me.provider, 'corp');
  });

  it('refuses an unsigned Response', async () => {
    await assertRefused(await postToAcs(await idpAnswer(await startAttempt(), { unsigned: true })), 'invalid_signature');
  });

  it('refuses a Response signed by another key', async () => {
    const impostor = createSamlIdp({ entityId: idp.entityId, ssoUrl: idp.ssoUrl });
    await assertRefused(await postToAcs(await idpAnswer(await startAttempt(), {}, impostor)), 'invalid_signature');
  });

  it('refuses an assertion for another audience', async () => {
    await assertRefused(await postToAcs(await idpAnswer(await startAttempt(), { audience: 'https://other-sp.example/metadata' })), 'wrong_audience');
  });

  it('refuses an assertion that expired longer ago than the clock skew', async () => {
    const now = Date.now();
    await assertRefused(await postToAcs(await idpAnswer(await startAttempt(), { issuedAt: new Date(now - 5 * 60_000), notOnOrAfter: new Date(now - 2 * 60_000) })), 'expired');
  });

  it('refuses the same Response posted twice', async () => {
    const form = await idpAnswer(await startAttempt());
    const first = await postToAcs(form);
    assert.equal(first.status, 303);
    assert.ok(new URL(first.headers.get('location') as string).searchParams.get('code'));
    secrets.add(new URL(first.headers.get('location') as string).searchParams.get('code') as string);
    const replay = await postToAcs(form);
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: { code: string } }).error.code, 'invalid_state');
  });

  it('has no SAML callback or metadata for a provider that is not SAML', async () => {
    assert.equal((await fetch(`${server.url}/api/v1/auth/box/metadata`)).status, 404);
    const r = await fetch(acsUrl().replace('/corp/', '/box/'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'SAMLResponse=x&RelayState=y' });
    assert.equal(r.status, 404);
  });

  it('never writes a SAML Response, assertion, RelayState, code or session token to the server output', async () => {
    assert.match(server.output, /login succeeded/, 'logins were logged');
    assert.match(server.output, /login failed/, 'refusals were logged');
    assert.ok(secrets.size >= 10, `collected ${secrets.size} secrets to look for`);
    for (const s of secrets) assert.ok(!server.output.includes(s), `server output contains a secret (${s.slice(0, 6)}…)`);
    for (const fragment of ['SAMLResponse', 'Assertion', 'X509Certificate', 'SignatureValue', 'PHNhbWxwOlJlc3BvbnNl']) {
      assert.ok(!server.output.includes(fragment), `server output mentions ${fragment}`);
    }
  });
});
