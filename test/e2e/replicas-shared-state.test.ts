// Two `lease server` replicas sharing one store and one session key set, as behind a load
// balancer: what one replica starts or uses, the other continues or refuses. Run twice: on one
// SQLite file (one data directory) and on one PostgreSQL database (the real server). The IdPs
// are real (oidc-provider, a samlify SAML IdP); the test plays the browser and the load balancer,
// sending each step to the replica it chooses. Both replicas run the Temporal engine against a
// Temporal dev server: a store refuses a second server with the embedded engine.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { visitAs } from '../support/browser.js';
import { startServer, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { leaseConfigFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { postgresBinDir, requirePostgres, startPostgres, type PostgresServer } from '../support/postgres.js';
import { requireComponent } from '../support/require-component.js';
import { HOW_TO_GET_TEMPORAL, startTemporal, temporalCli, type TemporalDevServer } from '../support/temporal.js';
import { createSamlIdp, type SamlResponseForm, type TestSamlIdp } from '../support/saml-idp.js';
import { registerTestSecret } from '../support/secrets.js';
import { createDeployment, PASSWORDS, replicaServerYaml, type Deployment } from './fixtures.js';

/** An address nobody listens on: the tests read the redirect to it and never follow it. */
const NOWHERE = 'http://127.0.0.1:9/callback';
const samlUser = { nameId: 'alice@corp.example', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng'] };

interface ErrorBody {
  error?: { code: string };
}

/** The same path and query on another replica: what a load balancer does. */
function on(replica: ServerProcess, url: string | URL): URL {
  const u = new URL(url);
  return new URL(`${u.pathname}${u.search}`, replica.url);
}

async function post(replica: ServerProcess, path: string, body: unknown): Promise<Response> {
  return fetch(new URL(path, replica.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A password login over HTTP from a chosen local source address (127.0.0.0/8 is all loopback). */
function passwordLogin(replica: ServerProcess, localAddress: string, username: string, password: string): Promise<{ status: number; code: string | undefined }> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/api/v1/auth/local/login', replica.url),
      { method: 'POST', localAddress, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const json = JSON.parse(text) as ErrorBody & { token?: string };
          if (json.token) registerTestSecret(json.token);
          resolve({ status: res.statusCode ?? 0, code: json.error?.code });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

for (const backend of ['sqlite', 'postgres'] as const) {
describe(`two server replicas sharing one ${backend === 'sqlite' ? 'SQLite file' : 'PostgreSQL database'} (real servers, real OIDC and SAML IdPs)`, () => {
  let postgres: PostgresServer | undefined;
  let temporal: TemporalDevServer | undefined;
  /** False when this backend's components are missing: each test then skips (or fails under CI=true). */
  const ready = (t: TestContext) => (backend === 'sqlite' || requirePostgres(t, postgres)) && requireComponent(t, 'the Temporal CLI', temporal !== undefined, HOW_TO_GET_TEMPORAL);
  let idp: TestOidcProvider;
  let saml: TestSamlIdp;
  let deployment: Deployment;
  let a: ServerProcess;
  let b: ServerProcess;
  const secret = `oidc-secret-${randomBytes(16).toString('hex')}`;
  registerTestSecret(secret);

  before(async () => {
    // Each missing component is named by its own check in `ready`.
    if (backend === 'postgres' && postgresBinDir() !== undefined) postgres = await startPostgres();
    if (temporalCli() === undefined || (backend === 'postgres' && postgres === undefined)) return;
    temporal = await startTemporal();
    const { address, namespace } = temporal;
    idp = await startOidcProvider({ accounts: [{ sub: 'u-alice', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng'] }] });
    saml = createSamlIdp();
    deployment = await createDeployment({ visudo: false });
    await writeFiles(deployment.config, {
      'sso.yaml': leaseConfigFor(idp),
      'saml.yaml': `version: "1.0"
providers:
  corp-saml:
    name: Corp SAML
    provider: saml
    config:
      idp_metadata: ${JSON.stringify(saml.metadata)}
      clock_skew_seconds: 30
`,
    });
    await writeFiles(deployment.config, {
      'server.yaml': replicaServerYaml({ temporal: { address, namespace }, taskQueue: `lease-e2e-replicas-${backend}`, postgres: postgres !== undefined }),
    });
    const env = { LEASE_OIDC_SECRET: secret, ...(postgres ? { LEASE_STORE_URL: postgres.url() } : {}) };
    // One after the other: the first creates the store and the key set, the second opens them.
    a = await startServer({ config: deployment.config, data: deployment.data, env });
    b = await startServer({ config: deployment.config, data: deployment.data, env });
    idp.registerClient({ client_id: 'lease', client_secret: secret, redirect_uris: [a, b].map((r) => `${r.url}/api/v1/auth/corp/callback`) });
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    await idp?.stop();
    await deployment?.cleanup();
    await postgres?.stop();
    await temporal?.stop();
  });

  it('finishes on replica B an OIDC login started on replica A; the code redeemed on B is refused when replayed on A', async (t) => {
    if (!ready(t)) return;
    const start = await post(a, '/api/v1/auth/corp/start', { redirect: NOWHERE });
    assert.equal(start.status, 200, await start.clone().text());
    const started = (await start.json()) as { login_url: string; attempt: string };
    registerTestSecret(started.attempt);

    const visit = await visitAs(idp, 'u-alice', started.login_url, { stopBefore: (next) => next.pathname === '/api/v1/auth/corp/callback' });
    assert.ok(visit.stoppedBefore, `the IdP redirected to Lease (stopped at ${visit.url.href})`);
    for (const name of ['code', 'state']) registerTestSecret(visit.stoppedBefore.searchParams.get(name) as string);

    // The IdP sent the browser to A's callback; the load balancer hands it to B.
    const callback = await fetch(on(b, visit.stoppedBefore), { redirect: 'manual' });
    assert.equal(callback.status, 303, await callback.clone().text());
    const location = new URL(callback.headers.get('location') as string);
    assert.equal(`${location.origin}${location.pathname}`, NOWHERE);
    const code = location.searchParams.get('code');
    assert.ok(code, `B answered with an exchange code (${location.search.replace(/code=[^&]+/, 'code=…')})`);
    registerTestSecret(code);

    const exchanged = await post(b, '/api/v1/auth/corp/exchange', { attempt: started.attempt, code });
    assert.equal(exchanged.status, 200, await exchanged.clone().text());
    const session = (await exchanged.json()) as { token: string; identity: { id: string } };
    registerTestSecret(session.token);
    assert.equal(session.identity.id, 'u-alice');

    const replayed = await post(a, '/api/v1/auth/corp/exchange', { attempt: started.attempt, code });
    assert.equal(replayed.status, 400);
    assert.equal(((await replayed.json()) as ErrorBody).error?.code, 'invalid_login_code');

    const stateAgain = await fetch(on(a, visit.stoppedBefore), { redirect: 'manual' });
    assert.equal(stateAgain.status, 400, 'the state, used on B, is refused on A');
    assert.equal(((await stateAgain.json()) as ErrorBody).error?.code, 'invalid_state');

    // Either replica reads the session B issued: the key set is shared.
    const me = await fetch(new URL('/api/v1/requests', a.url), { headers: { authorization: `Bearer ${session.token}` } });
    assert.equal(me.status, 200);
  });

  it('refuses on replica B a SAML Response already accepted by replica A', async (t) => {
    if (!ready(t)) return;
    const start = await post(a, '/api/v1/auth/corp-saml/start', { redirect: NOWHERE });
    assert.equal(start.status, 200, await start.clone().text());
    const { login_url: loginUrl, attempt } = (await start.json()) as { login_url: string; attempt: string };
    registerTestSecret(attempt);
    const metadata = await (await fetch(new URL('/api/v1/auth/corp-saml/metadata', a.url))).text();
    const form = await saml.respond(loginUrl, metadata, samlUser);
    registerTestSecret(form.RelayState);
    registerTestSecret(form.SAMLResponse);
    const postForm = (replica: ServerProcess, f: SamlResponseForm) =>
      fetch(on(replica, f.acsUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ SAMLResponse: f.SAMLResponse, RelayState: f.RelayState }).toString(),
      });

    const accepted = await postForm(a, form);
    assert.equal(accepted.status, 303);
    const code = new URL(accepted.headers.get('location') as string).searchParams.get('code');
    assert.ok(code, 'A accepted the assertion');
    registerTestSecret(code);

    const replayed = await postForm(b, form);
    assert.equal(replayed.status, 400, 'the same Response, replayed on B');
    assert.equal(((await replayed.json()) as ErrorBody).error?.code, 'invalid_state');
    assert.match(b.output, /"reason":"invalid_state"/);
  });

  it('counts wrong passwords on both replicas together: five on each lock the guessing address out of both', async (t) => {
    if (!ready(t)) return;
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    registerTestSecret(wrong);
    for (let i = 0; i < 10; i++) {
      const r = await passwordLogin(i % 2 === 0 ? a : b, '127.0.0.3', 'bob', wrong);
      assert.deepEqual([r.status, r.code], [401, 'invalid_credentials'], `attempt ${i + 1}`);
    }
    for (const replica of [a, b]) {
      const locked = await passwordLogin(replica, '127.0.0.3', 'bob', PASSWORDS.bob);
      assert.deepEqual([locked.status, locked.code], [429, 'too_many_attempts'], `even the right password, on ${replica === a ? 'A' : 'B'}`);
    }
    assert.equal((await passwordLogin(b, '127.0.0.1', 'bob', PASSWORDS.bob)).status, 200, 'the real user, from their own address');
  });

  it('polls on replica B a device login authorized on replica A, and shows its code on B\'s page', async (t) => {
    if (!ready(t)) return;
    const authorized = await post(a, '/api/v1/auth/corp/device', {});
    assert.equal(authorized.status, 200, await authorized.clone().text());
    const device = (await authorized.json()) as { device_code: string; user_code: string; verification_uri_complete: string };
    registerTestSecret(device.device_code);
    const poll = await post(b, '/api/v1/auth/device/token', { device_code: device.device_code });
    assert.equal(poll.status, 400);
    assert.equal(((await poll.json()) as ErrorBody).error?.code, 'authorization_pending');
    const page = await fetch(on(b, device.verification_uri_complete));
    assert.equal(page.status, 200);
    assert.ok((await page.text()).includes(device.user_code), 'B knows the user code A handed out');
  });
});
}
