// The server on `server.engine: temporal` against a real Temporal dev server: the same request
// lifecycle as on the embedded engine, with a worker inside the server or a separate `lease worker`.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTemporalDevServer } from '../support/temporal.js';
import { LEASE_BIN, ROOT, leaseJson, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { createDeployment, loginAs, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
}

/** `thand`: services.temporal as Thand writes it (host and port, its empty-string defaults, disable_versioning). */
async function useTemporal(deployment: Deployment, address: string, worker: boolean, shape: 'lease' | 'thand' = 'lease'): Promise<void> {
  const [host, port] = address.split(':');
  const where = shape === 'lease' ? `address: ${address}` : `host: ${host}\n    port: ${port}\n    api_key: ""\n    disable_versioning: false`;
  await writeFile(
    join(deployment.config, 'server.yaml'),
    `version: "1.0"
server:
  engine: temporal
  worker: ${worker}
  admins:
    groups: [ops]
services:
  temporal:
    ${where}
    namespace: default
    task_queue: lease-e2e-${worker ? 'embedded' : 'separate'}
`,
  );
}

describe('server on the Temporal engine', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("grants, revokes early and revokes at expiry with a worker inside the server (services.temporal in Thand's shape)", async (t) => {
    const temporal = await startTemporalDevServer(t);
    if (!temporal) return;
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    await useTemporal(deployment, temporal.address, true, 'thand');
    const server: ServerProcess = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    assert.match(server.output, /services\.temporal\.disable_versioning: Lease does not use worker versioning: ignored/);
    await loginAs(deployment, server.url, 'alice');
    const env = { LEASE_HOME: deployment.home('alice') };

    const early = await leaseJson<RequestJson>(['request', '--role', 'debug', '--provider', 'box', '--duration', '10m', '--reason', 'temporal', '--wait', '--json'], env);
    assert.equal(early.status, 'active');
    assert.ok(existsSync(join(deployment.sudoers, `lease-${early.id}`)));
    const revoked = await leaseJson<RequestJson>(['revoke', early.id, '--json'], env);
    assert.equal(revoked.status, 'revoked');
    assert.equal(existsSync(join(deployment.sudoers, `lease-${early.id}`)), false);

    const short = await leaseJson<RequestJson>(['request', '--role', 'debug', '--provider', 'box', '--duration', '6s', '--reason', 'expiry', '--wait', '--json'], env);
    assert.equal(short.status, 'active');
    await waitUntil('revocation at expiry', async () => {
      const s = await leaseJson<RequestJson>(['status', short.id, '--json'], env);
      return s.status === 'revoked' ? s : undefined;
    }, 60_000, 250);
    assert.equal(existsSync(join(deployment.sudoers, `lease-${short.id}`)), false);
  });

  it('runs the workflows in a separate lease worker process', async (t) => {
    const temporal = await startTemporalDevServer(t);
    if (!temporal) return;
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    await useTemporal(deployment, temporal.address, false);
    const server = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    const worker = spawn(process.execPath, [LEASE_BIN, 'worker', '--config', deployment.config, '--data', deployment.data], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let workerOutput = '';
    worker.stdout.on('data', (d: Buffer) => (workerOutput += d.toString()));
    worker.stderr.on('data', (d: Buffer) => (workerOutput += d.toString()));
    cleanups.push(async () => {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    });
    await waitUntil('the worker to start', async () => (/worker running/.test(workerOutput) ? true : undefined), 60_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}\n${workerOutput}`);
    });
    await loginAs(deployment, server.url, 'alice');
    const env = { LEASE_HOME: deployment.home('alice') };
    const request = await leaseJson<RequestJson>(['request', '--role', 'debug', '--provider', 'box', '--duration', '10m', '--reason', 'separate worker', '--wait', '--json'], env);
    assert.equal(request.status, 'active');
    assert.ok(existsSync(join(deployment.sudoers, `lease-${request.id}`)));
  });
});
