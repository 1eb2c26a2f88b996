// Local elevations through a host agent on Temporal (`agent_transport: temporal`), with real
// processes and real sudo: `lease server` (engine temporal) runs each host task as a workflow
// on task queue `lease-host-laptop-42`, which a `lease agent --host laptop-42 --temporal-address`
// process serves with only that host's payload key (copied from the server's keys/host-laptop-42.jwk).
// The grant lands in /etc/sudoers.d, is revoked at expiry, and the host's key cannot decrypt
// the request workflow's history.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { EncryptionCodec, PayloadDecryptionFailed, PayloadKeys } from '../../src/workflow/runtime/temporal/index.js';
import { hasCommand, isRoot, run } from '../support/system.js';
import { requireComponent } from '../support/require-component.js';
import { startTemporalDevServer } from '../support/temporal.js';
import { createThrowawayUser } from '../support/throwaway-user.js';
import { LEASE_BIN, ROOT, leaseJson, startServer, waitUntil } from '../support/lease-process.js';
import { createDeployment, loginAs } from './fixtures.js';

const HOST = 'laptop-42';
const SUDOERS = '/etc/sudoers.d';

interface RequestJson {
  id: string;
  status: string;
}

/** A running `lease agent --host ... --temporal-address ...` and everything it printed. */
class TemporalHostAgent {
  output = '';
  readonly exited: Promise<number | null>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  async connected(): Promise<void> {
    await waitUntil('the host agent to poll its task queue', async () => (/connected to Temporal/.test(this.output) ? true : this.child.exitCode !== null ? false : undefined), 120_000, 50).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.output}`);
    });
    assert.match(this.output, /connected to Temporal/, this.output);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

describe('sudo on a host, through its host agent on a per-host Temporal task queue', () => {
  it('grants on the host, revokes at expiry, and the host key cannot read the request workflow', async (t) => {
    const available = isRoot() && hasCommand('sudo') && hasCommand('visudo') && hasCommand('useradd');
    if (!requireComponent(t, 'root with sudo, visudo and useradd', available, 'run the tests as root; `npm test` installs the Debian package sudo (apt-get install sudo)')) return;
    // Registered before the Temporal dev server's own stop (after-hooks run in order): ours first, newest first.
    const cleanups: Array<() => unknown> = [];
    t.after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });
    const temporal = await startTemporalDevServer(t);
    if (!temporal) return;
    const account = createThrowawayUser(t);
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    await writeFile(
      join(deployment.config, 'server.yaml'),
      `version: "1.0"
server:
  engine: temporal
  admins:
    groups: [ops]
services:
  temporal:
    address: ${temporal.address}
    namespace: ${temporal.namespace}
    task_queue: lease-e2e-host-temporal
`,
    );
    await writeFile(
      join(deployment.config, 'host.yaml'),
      `version: "1.0"
providers:
  laptop:
    name: Alice's laptop
    provider: sudo
    config:
      agent: ${HOST}
      agent_transport: temporal
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
    const server = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());

    // The operator copies the host's key (and only it) to the host.
    const hostDir = join(deployment.root, 'host');
    await mkdir(hostDir, { mode: 0o700 });
    const hostKey = join(hostDir, 'payload.jwk');
    await copyFile(join(deployment.data, 'keys', `host-${HOST}.jwk`), hostKey);
    await chmod(hostKey, 0o600);
    const args = ['agent', '--host', HOST, '--temporal-address', temporal.address, '--temporal-namespace', temporal.namespace, '--payload-key-file', hostKey, '--sudoers-dir', SUDOERS];
    const agent = new TemporalHostAgent(spawn(process.execPath, [LEASE_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    cleanups.push(() => agent.kill());
    await agent.connected();

    await loginAs(deployment, server.url, 'alice');
    const env = { LEASE_HOME: deployment.home('alice') };
    const lease = await leaseJson<RequestJson>(['request', '--role', 'laptop-debug', '--provider', 'laptop', '--duration', '8s', '--reason', 'host agent on temporal e2e', '--wait', '--json'], env);
    cleanups.push(() => run('rm', ['-f', join(SUDOERS, `lease-${lease.id}`)]));
    assert.equal(lease.status, 'active', server.output + agent.output);
    assert.ok(existsSync(join(SUDOERS, `lease-${lease.id}`)), 'the drop-in is on the host');
    assert.match(run('sudo', ['-l', '-U', account]).stdout, /\/usr\/bin\/journalctl/);

    const status = async () => (await leaseJson<RequestJson>(['status', lease.id, '--json'], env)).status;
    await waitUntil('revocation at expiry', async () => ((await status()) === 'revoked' ? true : undefined), 60_000, 250);
    assert.equal(existsSync(join(SUDOERS, `lease-${lease.id}`)), false);
    assert.doesNotMatch(run('sudo', ['-l', '-U', account]).stdout, /journalctl/);
    assert.match(agent.output, new RegExp(`grant ${lease.id}: done`));
    assert.match(agent.output, new RegExp(`revoke ${lease.id}: done`));

    // The request workflow's history (workflow id = request id) as anyone with namespace access
    // reads it: encrypted, and the host's key cannot decrypt it; the server's key can.
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const history = await new Client({ connection, namespace: temporal.namespace }).workflow.getHandle(lease.id).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    assert.ok(input, 'the request workflow has an input payload');
    await assert.rejects(new EncryptionCodec(await PayloadKeys.load(hostKey, { create: false })).decode([input]), PayloadDecryptionFailed);
    const [plain] = await new EncryptionCodec(await PayloadKeys.load(join(deployment.data, 'keys', 'payload.jwk'), { create: false })).decode([input]);
    assert.match(Buffer.from(plain!.data!).toString(), new RegExp(lease.id));
  });
});
