// The ssh provider end to end, against a real OpenSSH server: `lease server` is the CA, sshd
// trusts it (TrustedUserCAKeys, fetched with `lease ssh ca`) and loads its KRL (RevokedKeys,
// the file in Lease's data directory), and a throwaway local account logs in with the system
// ssh client and the certificate `lease ssh` wrote — while the lease is active, not after its
// expiry (the certificate's own validity), not after an early revoke even with Lease stopped.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { leaseJson, runLease, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { makeKey } from '../support/ssh-keygen.js';
import type { TestContext } from 'node:test';
import { allowCertificateLogin, HOW_TO_GET_SSHD, SSHD_COMPONENT, sshdAvailable, sshRun, startSshd, type Sshd } from '../support/sshd.js';
import { createThrowawayUser } from '../support/throwaway-user.js';
import { apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
}

interface CertificateJson {
  certificate: string;
  key_id: string;
  serial: string;
  principals: string[];
  valid_after: string;
  valid_before: string;
}

// The rule of test/support/require-component.ts for a whole suite: absent → skip loudly, or fail under CI=true.
const available = sshdAvailable();
const missing = `${SSHD_COMPONENT} is not available: ${HOW_TO_GET_SSHD}`;
if (!available && process.env.CI !== 'true') console.warn(`\n⚠ SKIPPED ssh provider e2e: ${missing}\n`);

describe('ssh provider: Lease as the CA of a real sshd', { skip: !available && process.env.CI !== 'true' ? missing : false }, () => {
  let deployment: Deployment;
  let server: ServerProcess;
  let sshd: Sshd;
  let account: string;
  let aliceKey: string;
  let caPrivateKey: string;
  const cleanups: Array<() => unknown> = [];
  /** What createThrowawayUser needs of a test context, for a suite: its cleanups run in `after`. */
  const suite = { after: (fn: () => unknown) => void cleanups.push(fn) } as unknown as TestContext;
  const alice = () => ({ LEASE_HOME: deployment.home('alice') });
  const krlFile = () => join(deployment.data, 'ssh', 'ssh-prod.krl');
  const request = (duration: string) =>
    leaseJson<RequestJson>(['request', '--role', 'ssh-login', '--provider', 'ssh-prod', '--duration', duration, '--reason', 'INC-9 look at the box', '--wait', '--json'], alice());
  /** sshd logs after the client returned (and spawnSync held the event loop meanwhile): wait for the line. */
  const sshdLogs = (what: string, pattern: RegExp) => waitUntil(`sshd to log ${what}`, async () => (pattern.test(sshd.output()) ? true : undefined), 30_000, 50);
  const login = () => sshRun({ port: sshd.port, user: account, identityFile: aliceKey, certificateFile: `${aliceKey}-cert.pub` });

  before(async () => {
    if (!available) throw new Error(`${missing} (CI=true: required components must be present)`);
    account = createThrowawayUser(suite);
    allowCertificateLogin(account);
    deployment = await createDeployment({ visudo: false });
    makeKey(deployment.config, 'ssh-ca');
    caPrivateKey = await readFile(join(deployment.config, 'ssh-ca'), 'utf8');
    await writeFile(
      join(deployment.config, 'ssh.yaml'),
      `version: "1.0"
providers:
  ssh-prod:
    name: Production hosts
    provider: ssh
    config:
      ca_key: ssh-ca
roles:
  ssh-login:
    name: Log in to the hosts
    description: A shell as the service account
    permissions:
      allow: [${account}]
    scopes:
      groups: [eng]
    providers: [ssh-prod]
    max_duration: 1h
`,
    );
    server = await startServer({ config: deployment.config, data: deployment.data });
    await loginAs(deployment, server.url, 'alice');
    await loginAs(deployment, server.url, 'bob');
    // The host side: the CA public key as `lease ssh ca` prints it, the KRL where Lease writes it.
    const ca = await runLease(['ssh', 'ca', 'ssh-prod', '--server', server.url], { env: alice() });
    assert.equal(ca.code, 0, ca.stderr);
    assert.match(ca.stdout, /^ssh-ed25519 AAAA\S+ lease-ca:ssh-prod\n$/);
    await writeFile(join(deployment.root, 'trusted-user-ca.pub'), ca.stdout);
    sshd = await startSshd((stop) => cleanups.push(stop), { dir: deployment.root, trustedCaFile: join(deployment.root, 'trusted-user-ca.pub'), revokedKeysFile: krlFile() });
    aliceKey = makeKey(deployment.home('alice'), 'id_ed25519');
  });

  after(async () => {
    await server?.stop();
    for (const cleanup of cleanups.reverse()) await cleanup();
    await deployment?.cleanup();
  });

  it('logs in with the certificate lease ssh wrote while the lease is active', async () => {
    const lease = await request('10m');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    const signed = await runLease(['ssh', lease.id, '--key', `${aliceKey}.pub`], { env: alice() });
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stdout, new RegExp(`wrote ${aliceKey}-cert\\.pub`));
    const result = login();
    assert.equal(result.status, 0, `${result.stderr}\n${sshd.output()}`);
    await sshdLogs('the accepted certificate', new RegExp(`Accepted publickey for ${account} from 127\\.0\\.0\\.1 .*ED25519-CERT SHA256:\\S+ ID lease:${lease.id}:local:alice \\(serial \\d+\\) CA ED25519`));
    await leaseJson(['revoke', lease.id, '--json'], alice());
  });

  it('--json prints the certificate: principals from the role, valid until the lease expires', async () => {
    const lease = await request('10m');
    const signed = await leaseJson<CertificateJson>(['ssh', lease.id, '--key', aliceKey, '--json'], alice());
    assert.match(signed.certificate, /^ssh-ed25519-cert-v01@openssh\.com AAAA/);
    assert.equal(signed.key_id, `lease:${lease.id}:local:alice`);
    assert.deepEqual(signed.principals, [account]);
    assert.ok(Date.parse(signed.valid_before) <= Date.parse(lease.expires_at ?? ''));
    assert.ok(Date.parse(signed.valid_before) > Date.parse(lease.expires_at ?? '') - 1000);
    assert.ok(Date.parse(signed.valid_after) < Date.now());
    await leaseJson(['revoke', lease.id, '--json'], alice());
  });

  it('another user cannot get a certificate for the lease (403)', async () => {
    const lease = await request('10m');
    const bobKey = makeKey(deployment.home('bob'), 'id_ed25519');
    const cli = await runLease(['ssh', lease.id, '--key', `${bobKey}.pub`], { env: { LEASE_HOME: deployment.home('bob') } });
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /\[not_requester\]/);
    const response = await fetch(`${server.url}/api/v1/requests/${lease.id}/ssh-certificate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await apiLogin(server.url, 'bob')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ public_key: await readFile(`${bobKey}.pub`, 'utf8') }),
    });
    assert.equal(response.status, 403);
    await leaseJson(['revoke', lease.id, '--json'], alice());
  });

  it('is refused once the lease has expired: the certificate\'s validity ends it', async () => {
    const lease = await request('40s');
    const signed = await leaseJson<CertificateJson>(['ssh', lease.id, '--key', aliceKey, '--json'], alice());
    await writeFile(`${aliceKey}-cert.pub`, `${signed.certificate}\n`);
    assert.equal(login().status, 0, sshd.output());
    await waitUntil('the certificate to expire', async () => (Date.now() > Date.parse(signed.valid_before) + 1000 ? true : undefined), 120_000, 200);
    const refused = login();
    assert.notEqual(refused.status, 0);
    await sshdLogs('the expired certificate', /Certificate invalid: expired/);
    await waitUntil('the lease revoked at expiry', async () => ((await leaseJson<RequestJson>(['status', lease.id, '--json'], alice())).status === 'revoked' ? true : undefined), 120_000, 250);
  });

  it('the KRL route serves the bytes of the file hosts load, unauthenticated, as application/octet-stream', async () => {
    const response = await fetch(`${server.url}/api/v1/providers/ssh-prod/krl`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), await readFile(krlFile()));
    assert.equal((await fetch(`${server.url}/api/v1/providers/box/krl`)).status, 400, 'a provider of another type has no KRL');
    assert.equal((await fetch(`${server.url}/api/v1/providers/nope/krl`)).status, 404);
  });

  it('is refused after an early revoke, through the KRL, with Lease stopped', async () => {
    const lease = await request('30m');
    const signed = await runLease(['ssh', lease.id, '--key', `${aliceKey}.pub`], { env: alice() });
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal(login().status, 0, sshd.output());
    assert.equal((await leaseJson<RequestJson>(['revoke', lease.id, '--json'], alice())).status, 'revoked');
    const served = Buffer.from(await (await fetch(`${server.url}/api/v1/providers/ssh-prod/krl`)).arrayBuffer());
    assert.deepEqual(served, await readFile(krlFile()), 'the route serves the rewritten KRL');
    await server.stop();
    const refused = login();
    assert.notEqual(refused.status, 0);
    await sshdLogs('the revoked certificate', new RegExp(`Authentication key ED25519-CERT SHA256:\\S+ revoked by file ${krlFile().replace(/[.]/g, '\\.')}`));
  });

  it('never logs a private key', () => {
    const body = caPrivateKey.split('\n').slice(1, 3).join('');
    assert.ok(!server.output.includes('PRIVATE KEY'));
    assert.ok(!server.output.includes(body.slice(0, 40)));
  });
});
