// An identity is the pair (identity provider, subject): the same user name, group or e-mail at
// another identity provider is another person, unless config names that provider or trusts it
// to assert e-mails. Two local identity providers and a real OpenID provider, with the real
// server and CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { hashPassword } from '../../src/identity/index.js';
import { visitAs } from '../support/browser.js';
import { leaseJson, runLease, startBrowserLogin, startServer, tempDir, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { registerTestSecret } from '../support/secrets.js';

const PASSWORD = 'erin-two-idps-pw-51ac';
registerTestSecret(PASSWORD);

interface RequestJson {
  id: string;
  status: string;
}

describe('identities across identity providers', () => {
  let root: { path: string; cleanup: () => Promise<void> };
  let idp: TestOidcProvider;
  let server: ServerProcess;
  const secret = `oidc-secret-${randomBytes(16).toString('hex')}`;
  registerTestSecret(secret);
  const home = (who: string) => join(root.path, 'home', who);
  const config = () => join(root.path, 'config');
  const data = () => join(root.path, 'data');

  /** The server config: `staff` is declared first; `corp` (OIDC) optionally trusted for e-mails. */
  async function writeConfig(options: { admins: string; trustCorpEmail: boolean; shipScope: string }): Promise<void> {
    const hash = await hashPassword(PASSWORD);
    await writeFiles(root.path, {
      'config/lease.yaml': `version: "1.0"
server:
  admins: ${options.admins}
providers:
  staff:
    name: Staff
    provider: local
    config:
      users:
        erin: { password_hash: '${hash}', email: erin@example.com, groups: [ops] }
        bob: { password_hash: '${hash}', groups: [ops] }
  partner:
    name: Partner accounts
    provider: local
    config:
      users:
        erin: { password_hash: '${hash}', email: erin@example.com, groups: [ops] }
        bob: { password_hash: '${hash}', groups: [ops] }
  corp:
    name: Corp SSO
    provider: oidc
    config:
      issuer: ${idp.issuer}
      client_id: lease
      client_secret: \${LEASE_OIDC_SECRET}
      scopes: [openid, email, profile, groups]
      trust_email: ${options.trustCorpEmail}
  box:
    name: This host
    provider: sudo
    config: { sudoers_dir: ${JSON.stringify(join(root.path, 'sudoers.d'))}, visudo: false, accounts: { u-erin: erin } }
roles:
  ship:
    name: Ship
    description: Needs an approver
    permissions: { allow: [/usr/bin/id] }
    scopes: ${options.shipScope}
    providers: [box]
    approvals:
      approvers: { users: [bob] }
`,
    });
  }

  /** (Re)starts the server with this config, on the same port, so the CLI's sessions still name it. */
  async function restart(options: Parameters<typeof writeConfig>[0]): Promise<void> {
    const port = server ? Number(new URL(server.url).port) : 0;
    await server?.stop();
    await writeConfig(options);
    server = await startServer({ config: config(), data: data(), env: { LEASE_OIDC_SECRET: secret }, port });
    idp.registerClient({ client_id: 'lease', client_secret: secret, redirect_uris: [`${server.url}/api/v1/auth/corp/callback`] });
  }

  async function loginLocal(provider: 'staff' | 'partner', user: string): Promise<void> {
    const r = await runLease(['login', '--server', server.url, '--provider', provider, '--username', user, '--password-stdin'], {
      env: { LEASE_HOME: home(`${provider}-${user}`) },
      input: `${PASSWORD}\n`,
    });
    assert.equal(r.code, 0, r.stderr);
  }

  async function loginCorp(): Promise<void> {
    const { loginUrl, exit } = await startBrowserLogin({ serverUrl: server.url, provider: 'corp', home: home('corp-erin') });
    await visitAs(idp, 'u-erin', loginUrl);
    const r = await exit;
    assert.equal(r.code, 0, r.stderr);
  }

  /** Whether `who` may read the audit log: administrators only. */
  async function isAdmin(who: string): Promise<boolean> {
    const r = await runLease(['audit', '--json'], { env: { LEASE_HOME: home(who) } });
    if (r.code === 0) return true;
    assert.match(r.stderr, /admin_required/);
    return false;
  }

  before(async () => {
    root = await tempDir('lease-idps-');
    idp = await startOidcProvider({ accounts: [{ sub: 'u-erin', email: 'erin@example.com', email_verified: true, name: 'Erin at Corp', groups: ['ops'] }] });
    await restart({ admins: '{ users: [erin] }', trustCorpEmail: false, shipScope: '{ groups: [ops] }' });
  });

  after(async () => {
    await server?.stop();
    await idp?.stop();
    await root?.cleanup();
  });

  it('config validate warns that a bare name means the identity provider declared first', async () => {
    const r = await runLease(['config', 'validate', config()], { env: { LEASE_OIDC_SECRET: secret } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /server\.admins\.users\[0\]: "erin" is a bare name: it means staff:erin/);
    assert.match(r.stdout + r.stderr, /roles\.ship\.scopes\.groups\[0\]: "ops" is a bare name: it means staff:ops/);
  });

  it('a bare administrator is that user at the first identity provider only', async () => {
    await loginLocal('staff', 'erin');
    await loginLocal('partner', 'erin');
    assert.equal(await isAdmin('staff-erin'), true);
    assert.equal(await isAdmin('partner-erin'), false, 'erin of another identity provider is not an administrator');
  });

  it('scopes and approvers compare the pair too: a group or approver of the same name elsewhere does not count', async () => {
    const refused = await runLease(['request', '--role', 'ship', '--provider', 'box', '--duration', '10m', '--reason', 'deploy', '--json'], { env: { LEASE_HOME: home('partner-erin') } });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /not_in_scope/);

    const request = await leaseJson<RequestJson>(['request', '--role', 'ship', '--provider', 'box', '--duration', '10m', '--reason', 'deploy', '--json'], { LEASE_HOME: home('staff-erin') });
    assert.equal(request.status, 'pending', 'the default workflow waits for the role\'s approver');
    await loginLocal('partner', 'bob');
    const outsider = await runLease(['approve', request.id], { env: { LEASE_HOME: home('partner-bob') } });
    assert.notEqual(outsider.code, 0);
    assert.match(outsider.stderr, /request_not_found/, 'bob of another identity provider is not the approver, and cannot see it');
    await loginLocal('staff', 'bob');
    await leaseJson(['approve', request.id, '--json'], { LEASE_HOME: home('staff-bob') });
    const token = await apiToken('staff', 'erin');
    const r = await fetch(`${server.url}/api/v1/requests/${request.id}?until=active,denied,failed&timeout=20`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await r.json()) as RequestJson).status, 'active');
  });

  it('<provider>:<user> names a user of another identity provider', async () => {
    await restart({ admins: "{ users: ['partner:erin'] }", trustCorpEmail: false, shipScope: "{ groups: ['partner:ops'] }" });
    assert.equal(await isAdmin('partner-erin'), true);
    assert.equal(await isAdmin('staff-erin'), false);
    const partner = await leaseJson<RequestJson>(['request', '--role', 'ship', '--provider', 'box', '--duration', '10m', '--reason', 'deploy', '--json'], { LEASE_HOME: home('partner-erin') });
    assert.equal(partner.status, 'pending');
  });

  it('an OIDC user with the same verified e-mail is someone else unless the provider is trusted for e-mails', async () => {
    await restart({ admins: '{ users: [erin@example.com] }', trustCorpEmail: false, shipScope: '{ groups: [ops] }' });
    await loginCorp();
    assert.equal(await isAdmin('staff-erin'), true, 'the address of the first identity provider\'s own user');
    assert.equal(await isAdmin('partner-erin'), false, 'the same address at an untrusted local provider');
    assert.equal(await isAdmin('corp-erin'), false, 'the same verified address at an untrusted OIDC provider');

    await restart({ admins: '{ users: [erin@example.com] }', trustCorpEmail: true, shipScope: '{ groups: [ops] }' });
    assert.equal(await isAdmin('corp-erin'), true, 'trust_email: true lets corp\'s verified address match');
    assert.equal(await isAdmin('partner-erin'), false);
    // Groups never cross identity providers: corp's "ops" is not staff's.
    const refused = await runLease(['request', '--role', 'ship', '--provider', 'box', '--duration', '10m', '--reason', 'deploy', '--json'], { env: { LEASE_HOME: home('corp-erin') } });
    assert.match(refused.stderr, /not_in_scope/);
  });

  async function apiToken(provider: string, user: string): Promise<string> {
    const r = await fetch(`${server.url}/api/v1/auth/${provider}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user, password: PASSWORD }),
    });
    assert.equal(r.status, 200);
    return ((await r.json()) as { token: string }).token;
  }

});
