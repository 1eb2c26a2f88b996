// Durability: kill -9 the server at the worst moments; after a restart nothing is lost, a
// lease whose expiry passed is revoked within 2 s, and the audit chain still verifies.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { leaseJson, runLease, startServer, waitUntil } from '../support/lease-process.js';
import { apiLogin, createDeployment, loginAs } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
}

async function statusOf(url: string, token: string, id: string): Promise<RequestJson> {
  const r = await fetch(`${url}/api/v1/requests/${id}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  return (await r.json()) as RequestJson;
}

describe('crash recovery', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('revokes a lease that expired while the server was down, within 2 s of restart', async () => {
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    let server = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    await loginAs(deployment, server.url, 'alice');
    await loginAs(deployment, server.url, 'bob');
    const env = { LEASE_HOME: deployment.home('alice') };
    const request = await leaseJson<RequestJson>(['request', '--role', 'debug', '--provider', 'box', '--duration', '2s', '--reason', 'crash test', '--wait', '--json'], env);
    assert.equal(request.status, 'active');
    const file = join(deployment.sudoers, `lease-${request.id}`);
    assert.ok(existsSync(file));

    await server.crash();
    // Stay down until well past the expiry.
    await new Promise((r) => setTimeout(r, Date.parse(request.expires_at!) - Date.now() + 1_000));
    assert.ok(existsSync(file), 'nothing revoked while the server was down');

    // The same port: the stored session names the server's URL.
    server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });
    const restartedAt = Date.now();
    const token = await apiLogin(server.url, 'alice');
    await waitUntil('the expired lease to be revoked', async () => ((await statusOf(server.url, token, request.id)).status === 'revoked' ? true : undefined), 5_000, 50);
    const lag = Date.now() - restartedAt;
    assert.ok(lag <= 2_000, `revoked ${lag} ms after restart`);
    assert.equal(existsSync(file), false);

    const verify = await runLease(['audit', '--verify'], { env: { LEASE_HOME: deployment.home('bob') } });
    assert.equal(verify.code, 0, verify.stderr + verify.stdout);
  });

  it('a kill during granting ends active with one file, or failed with none', async () => {
    // A visudo stand-in that takes its time opens a window in the middle of the grant.
    const deployment = await createDeployment({ visudo: '__SLOW__' });
    cleanups.push(deployment.cleanup);
    const slow = join(deployment.root, 'slow-visudo.sh');
    await writeFile(slow, '#!/bin/sh\nsleep 2\nexit 0\n');
    await chmod(slow, 0o755);
    const providersFile = join(deployment.config, 'providers.yaml');
    await writeFile(providersFile, (await readFile(providersFile, 'utf8')).replace('"__SLOW__"', JSON.stringify(slow)));

    let server = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    await loginAs(deployment, server.url, 'alice');
    const token = await apiLogin(server.url, 'alice');
    const created = await fetch(`${server.url}/api/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'debug', provider: 'box', duration: '10m', reason: 'kill while granting' }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as RequestJson;
    await waitUntil('granting', async () => ((await statusOf(server.url, token, id)).status === 'granting' ? true : undefined), 5_000, 20);
    await server.crash();

    server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });
    const final = await waitUntil('the grant to settle', async () => {
      const s = await statusOf(server.url, token, id);
      return s.status === 'active' || s.status === 'failed' ? s : undefined;
    }, 15_000);
    const files = (await readdir(deployment.sudoers)).filter((f) => f.includes(id));
    if (final.status === 'active') assert.deepEqual(files, [`lease-${id}`]);
    else assert.deepEqual(files, []);
  });
});
