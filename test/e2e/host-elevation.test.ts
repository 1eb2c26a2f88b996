// Local elevations through a host agent, with real processes and real sudo: `lease server`
// (embedded engine) dispatches the sudo grant/revoke of a provider bound to `agent: laptop-42`
// to a `lease agent --host laptop-42` process, which writes /etc/sudoers.d on its host. The
// revocation survives the host agent being down at expiry, and a wrong credential gets nothing.
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasCommand, isRoot, run } from '../support/system.js';
import { requireComponent } from '../support/require-component.js';
import { startTemporalDevServer } from '../support/temporal.js';
import { createThrowawayUser } from '../support/throwaway-user.js';
import { LEASE_BIN, ROOT, leaseJson, runLease, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, loginAs, type Deployment } from './fixtures.js';

const HOST = 'laptop-42';
const SUDOERS = '/etc/sudoers.d';

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
}

/** A running `lease agent --host` process and everything it printed. */
class HostAgentProcess {
  output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  static start(serverUrl: string, credentialFile: string): HostAgentProcess {
    const args = ['agent', '--host', HOST, '--server', serverUrl, '--credential-file', credentialFile, '--sudoers-dir', SUDOERS];
    return new HostAgentProcess(spawn(process.execPath, [LEASE_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  async connected(): Promise<void> {
    await waitUntil('the host agent to connect', async () => (/connected to/.test(this.output) ? true : undefined), 120_000, 50).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.output}`);
    });
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

async function newCredential(deployment: Deployment, name: string): Promise<{ file: string; sha256: string }> {
  const file = join(deployment.root, name);
  const made = await runLease(['agent', '--host', HOST, '--new-credential', '--credential-file', file]);
  assert.equal(made.code, 0, made.stderr);
  const sha256 = /agent_credential_sha256: ([0-9a-f]{64})/.exec(made.stdout)?.[1];
  assert.ok(sha256, made.stdout);
  return { file, sha256 };
}

async function bindLaptop(deployment: Deployment, sha256: string, account: string): Promise<void> {
  await writeFile(
    join(deployment.config, 'host.yaml'),
    `version: "1.0"
providers:
  laptop:
    name: Alice's laptop
    provider: sudo
    config:
      agent: ${HOST}
      agent_credential_sha256: ${sha256}
      accounts: { alice: ${account} }
roles:
  laptop-debug:
    name: Debug on the laptop
    description: Read logs on the laptop
    permissions:
      allow: [/usr/bin/journalctl, /usr/bin/id]
    scopes:
      groups: [eng]
    providers: [laptop]
    max_duration: 1h
`,
  );
}

function sudoList(account: string): string {
  return run('sudo', ['-l', '-U', account]).stdout;
}

describe('sudo on a host, through its host agent', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function deploy(t: TestContext, temporalAddress?: string) {
    const available = isRoot() && hasCommand('sudo') && hasCommand('visudo') && hasCommand('useradd');
    if (!requireComponent(t, 'root with sudo, visudo and useradd', available, 'run the tests as root; `npm test` installs the Debian package sudo (apt-get install sudo)')) return undefined;
    const account = createThrowawayUser(t);
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    const credential = await newCredential(deployment, 'host.credential');
    await bindLaptop(deployment, credential.sha256, account);
    if (temporalAddress) await useTemporal(deployment, temporalAddress);
    const server: ServerProcess = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    await loginAs(deployment, server.url, 'alice');
    const env = { LEASE_HOME: deployment.home('alice') };
    const request = async (duration: string) => {
      const r = await leaseJson<RequestJson>(['request', '--role', 'laptop-debug', '--provider', 'laptop', '--duration', duration, '--reason', 'host agent e2e', '--wait', '--json'], env);
      t.after(() => void run('rm', ['-f', join(SUDOERS, `lease-${r.id}`)]));
      return r;
    };
    const status = async (id: string) => (await leaseJson<RequestJson>(['status', id, '--json'], env)).status;
    return { account, deployment, credential, server, request, status };
  }

  it('grants sudo on the host through the agent and revokes it at expiry', async (t) => {
    const setup = await deploy(t);
    if (!setup) return;
    const { account, credential, server, request, status } = setup;
    const agent = HostAgentProcess.start(server.url, credential.file);
    cleanups.push(() => agent.kill());
    await agent.connected();
    assert.doesNotMatch(sudoList(account), /journalctl/);

    // Long enough for `sudo -l` before the expiry on a busy machine; then wait for the expiry.
    const lease = await request('8s');
    assert.equal(lease.status, 'active');
    assert.ok(existsSync(join(SUDOERS, `lease-${lease.id}`)), 'the drop-in is on the host');
    const during = run('sudo', ['-l', '-U', account]);
    assert.equal(during.status, 0, during.stderr);
    assert.match(during.stdout, /\/usr\/bin\/journalctl/);
    assert.match(during.stdout, /NOPASSWD/);

    await waitUntil('revocation at expiry', async () => ((await status(lease.id)) === 'revoked' ? true : undefined), 60_000, 250);
    assert.equal(existsSync(join(SUDOERS, `lease-${lease.id}`)), false);
    assert.doesNotMatch(sudoList(account), /journalctl/);
    assert.doesNotMatch(server.output + agent.output, new RegExp(await credentialText(credential.file)), 'the credential is never logged');
  });

  it('revokes once the host agent is back after it was down at expiry; a wrong credential gets nothing', async (t) => {
    const setup = await deploy(t);
    if (!setup) return;
    const { deployment, credential, server, request, status } = setup;
    let agent = HostAgentProcess.start(server.url, credential.file);
    cleanups.push(() => agent.kill());
    await agent.connected();
    // Long enough to stop the agent before the expiry on a busy machine.
    const lease = await request('8s');
    assert.equal(lease.status, 'active');
    const file = join(SUDOERS, `lease-${lease.id}`);
    assert.ok(existsSync(file));

    await agent.kill();
    // Down past the expiry, and past the server's first attempt to revoke.
    const revokeDue = Date.parse(lease.expires_at!) + 1_500;
    await waitUntil('the expiry to pass', async () => (Date.now() > revokeDue ? true : undefined), 60_000, 100);
    assert.ok(existsSync(file), 'nobody could revoke while the host agent was down');
    assert.notEqual(await status(lease.id), 'revoked');

    // An agent with another credential is refused and handed nothing: the drop-in stays.
    const wrong = await newCredential(deployment, 'wrong.credential');
    const impostor = HostAgentProcess.start(server.url, wrong.file);
    cleanups.push(() => impostor.kill());
    assert.notEqual(await impostor.exited, 0);
    assert.match(impostor.output, /refused the credential/);
    const denied = await fetch(`${server.url}/api/v1/agents/${HOST}/tasks?wait=0`, { headers: { authorization: `Bearer ${await credentialText(wrong.file)}` } });
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as { tasks?: unknown }).tasks, undefined);
    assert.ok(existsSync(file), 'a refused agent ran nothing');

    agent = HostAgentProcess.start(server.url, credential.file);
    cleanups.push(() => agent.kill());
    await agent.connected();
    await waitUntil('the drop-in to be removed', async () => (existsSync(file) ? undefined : true), 60_000, 100);
    await waitUntil('the request to be revoked', async () => ((await status(lease.id)) === 'revoked' ? true : undefined), 60_000, 250);
  });

  it('on the Temporal engine, grants and revokes at expiry through the host agent (over the server channel)', async (t) => {
    const temporal = await startTemporalDevServer(t);
    if (!temporal) return;
    const setup = await deploy(t, temporal.address);
    if (!setup) return;
    const { account, credential, server, request, status } = setup;
    const agent = HostAgentProcess.start(server.url, credential.file);
    cleanups.push(() => agent.kill());
    await agent.connected();
    const lease = await request('8s');
    assert.equal(lease.status, 'active');
    assert.match(sudoList(account), /\/usr\/bin\/journalctl/);
    await waitUntil('revocation at expiry', async () => ((await status(lease.id)) === 'revoked' ? true : undefined), 60_000, 250);
    assert.equal(existsSync(join(SUDOERS, `lease-${lease.id}`)), false);
    assert.doesNotMatch(sudoList(account), /journalctl/);
  });
});

async function useTemporal(deployment: Deployment, address: string): Promise<void> {
  await writeFile(
    join(deployment.config, 'server.yaml'),
    `version: "1.0"
server:
  engine: temporal
  admins:
    groups: [ops]
services:
  temporal:
    address: ${address}
    namespace: default
    task_queue: lease-e2e-host
`,
  );
}

async function credentialText(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return (await readFile(file, 'utf8')).trim();
}
