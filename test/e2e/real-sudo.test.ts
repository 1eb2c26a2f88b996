// Real sudo: a throwaway local user gets the role's commands through /etc/sudoers.d while the
// lease is active (as `sudo -l -U` reports), and nothing after revocation.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasCommand, isRoot, run } from '../support/system.js';
import { requireComponent } from '../support/require-component.js';
import { createThrowawayUser } from '../support/throwaway-user.js';
import { leaseJson, runLease, startServer, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, PASSWORDS, type Deployment } from './fixtures.js';

describe('real sudo through /etc/sudoers.d', () => {
  let deployment: Deployment | undefined;
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
  });

  it('lists the commands with sudo -l while active and nothing after revocation', async (t) => {
    const available = isRoot() && hasCommand('sudo') && hasCommand('visudo') && hasCommand('useradd');
    if (!requireComponent(t, 'root with sudo, visudo and useradd', available, 'run the tests as root; `npm test` installs the Debian package sudo (apt-get install sudo)')) return;
    const account = createThrowawayUser(t);
    deployment = await createDeployment({ sudoersDir: '/etc/sudoers.d', accounts: { alice: account } });
    server = await startServer({ config: deployment.config, data: deployment.data });
    const env = { LEASE_HOME: deployment.home('alice') };
    const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env, input: PASSWORDS.alice });
    assert.equal(login.code, 0, login.stderr);

    const before = run('sudo', ['-l', '-U', account]);
    assert.doesNotMatch(before.stdout, /journalctl/);

    const request = await leaseJson<{ id: string; status: string }>(['request', '--role', 'debug', '--provider', 'box', '--duration', '5m', '--reason', 'real sudo', '--wait', '--json'], env);
    assert.equal(request.status, 'active');
    t.after(() => void run('rm', ['-f', `/etc/sudoers.d/lease-${request.id}`]));
    const during = run('sudo', ['-l', '-U', account]);
    assert.equal(during.status, 0, during.stderr);
    assert.match(during.stdout, /\/usr\/bin\/journalctl/);
    assert.match(during.stdout, /NOPASSWD/);

    const revoked = await leaseJson<{ status: string }>(['revoke', request.id, '--json'], env);
    assert.equal(revoked.status, 'revoked');
    const afterwards = run('sudo', ['-l', '-U', account]);
    assert.doesNotMatch(afterwards.stdout, /journalctl/);
  });
});
