// Durability: kill -9 the server at the worst moments; after a restart nothing is lost, a
// lease whose expiry passed is revoked as soon as the server is back, and the audit chain still
// verifies. No step depends on the machine's speed: the lease outlives the steps before the
// kill, the grant is held in the middle by a visudo stand-in until the test lets it go, and
// every wait is for a condition.
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
  ended_at: string | null;
}

/** Lifetime of the lease that expires while the server is down: long enough to get it granted and kill the server first. */
const LEASE_S = 8;
/** A revocation at restart happens while recovering; one this late came from somewhere else (e.g. the 5-minute reconciler). */
const REVOKE_AFTER_START_LIMIT_MS = 15_000;

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

  it('revokes a lease that expired while the server was down as soon as it is back', async () => {
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    let server = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    await loginAs(deployment, server.url, 'alice');
    await loginAs(deployment, server.url, 'bob');
    const env = { LEASE_HOME: deployment.home('alice') };
    const request = await leaseJson<RequestJson>(['request', '--role', 'debug', '--provider', 'box', '--duration', `${LEASE_S}s`, '--reason', 'crash test', '--wait', '--json'], env);
    assert.equal(request.status, 'active');
    const file = join(deployment.sudoers, `lease-${request.id}`);
    assert.ok(existsSync(file));

    await server.crash();
    // Stay down until the expiry has passed.
    await waitUntil('the lease to expire', async () => (Date.now() > Date.parse(request.expires_at!) ? true : undefined), LEASE_S * 1_000 + 5_000, 100);
    assert.ok(existsSync(file), 'nothing revoked while the server was down');

    // The same port: the stored session names the server's URL.
    server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });
    const token = await apiLogin(server.url, 'alice');
    const revoked = await waitUntil('the expired lease to be revoked', async () => {
      const s = await statusOf(server.url, token, request.id);
      return s.status === 'revoked' ? s : undefined;
    }, 60_000, 50);
    assert.equal(existsSync(file), false);
    // Measured with the server's own timestamps, so a busy test process cannot stretch it.
    const audit = await leaseJson<Array<{ action: string; ts: string }>>(['audit', '--json'], { LEASE_HOME: deployment.home('bob') });
    const restartedAt = Date.parse(audit.filter((e) => e.action === 'server.started').at(-1)!.ts);
    const lag = Date.parse(revoked.ended_at!) - restartedAt;
    assert.ok(lag <= REVOKE_AFTER_START_LIMIT_MS, `revoked ${lag} ms after the restarted server started`);

    const verify = await runLease(['audit', '--verify'], { env: { LEASE_HOME: deployment.home('bob') } });
    assert.equal(verify.code, 0, verify.stderr + verify.stdout);
  });

  it('a kill during granting ends active with one file', async () => {
    // A visudo stand-in that holds every check until the test creates `release`: the grant is
    // in the middle (rule written, not yet installed) when the server is killed.
    const deployment = await createDeployment({ visudo: '__HELD__' });
    cleanups.push(deployment.cleanup);
    const release = join(deployment.root, 'release');
    const entered = join(deployment.root, 'entered');
    cleanups.push(() => writeFile(release, '')); // lets a held check of a failed run end
    const held = join(deployment.root, 'held-visudo.sh');
    await writeFile(held, `#!/bin/sh\n: > ${JSON.stringify(entered)}\nwhile [ ! -e ${JSON.stringify(release)} ]; do sleep 0.05; done\nexit 0\n`);
    await chmod(held, 0o755);
    const providersFile = join(deployment.config, 'providers.yaml');
    await writeFile(providersFile, (await readFile(providersFile, 'utf8')).replace('"__HELD__"', JSON.stringify(held)));

    let server = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    const token = await apiLogin(server.url, 'alice');
    const created = await fetch(`${server.url}/api/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'debug', provider: 'box', duration: '10m', reason: 'kill while granting' }),
    });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as RequestJson;
    await waitUntil('the grant to reach visudo', async () => (existsSync(entered) ? true : undefined), 60_000, 20);
    assert.equal((await statusOf(server.url, token, id)).status, 'granting');
    await server.crash();

    await writeFile(release, '');
    server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });
    const final = await waitUntil('the grant to settle', async () => {
      const s = await statusOf(server.url, token, id);
      return s.status === 'active' || s.status === 'failed' ? s : undefined;
    }, 60_000);
    assert.equal(final.status, 'active', 'the grant ran again after the restart');
    const files = (await readdir(deployment.sudoers)).filter((f) => f.includes(id));
    assert.deepEqual(files, [`lease-${id}`]);
  });
});
