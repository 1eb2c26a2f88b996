// Drift: a grant on the target with no live request behind it (left by hand, or by a lost
// database) is revoked and audited (`grant.orphaned`); an active lease whose rule was removed by
// hand is audited (`grant.missing`) and granted again, or failed with `server.reconcile.missing:
// fail`. Leases that a restarted server is still granting or revoking are not drift.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireComponent } from '../support/require-component.js';
import { hasCommand, run } from '../support/system.js';
import { leaseJson, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { apiLogin, createDeployment, loginAs, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
}

interface AuditJson {
  action: string;
  subject: string | null;
}

const STRAY_ID = 'req_0000000000stray00000000000';
const STRAY_RULE = '# managed by Lease\nalice ALL=(ALL) NOPASSWD: ALL\n';

/** The reconciliation round's closing log line (JSON), once the server wrote it. */
function reconciliationLine(output: string): { msg: string; checked: number; revoked: number; missing: number } | undefined {
  const line = output.split('\n').find((l) => l.startsWith('{') && /"msg":"reconciliation (done|found drift)"/.test(l));
  return line === undefined ? undefined : (JSON.parse(line) as { msg: string; checked: number; revoked: number; missing: number });
}

describe('reconciliation', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('revokes a grant that no request accounts for, and audits it', async () => {
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    const stray = join(deployment.sudoers, `lease-${STRAY_ID}`);
    await mkdir(deployment.sudoers, { recursive: true });
    await writeFile(stray, STRAY_RULE, { mode: 0o440 });

    const server = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    await loginAs(deployment, server.url, 'bob');
    const entries = await waitUntil('the stray grant to be revoked and audited', async () => {
      const list = await leaseJson<AuditJson[]>(['audit', '--json', '--subject', STRAY_ID], { LEASE_HOME: deployment.home('bob') });
      return list.length > 0 ? list : undefined;
    }, 60_000, 200);
    assert.deepEqual(entries.map((e) => e.action), ['grant.orphaned']);
    assert.equal(existsSync(stray), false);
  });

  it('after a kill -9 amid grants and revocations, reports only the real drift', async (t) => {
    if (!requireComponent(t, 'visudo', hasCommand('visudo'), 'install the Debian package `sudo` (`npm test` as root provisions it; or `apt-get install sudo`)')) return;
    const visudo = run('sh', ['-c', 'command -v visudo']).stdout.trim();
    // Every rule is checked by the real visudo, after a gate the test opens and closes: with the
    // gate shut, grants stop in the middle (status granting) until it opens.
    const deployment: Deployment = await createDeployment({ visudo: '__GATED__' });
    cleanups.push(deployment.cleanup);
    const open = join(deployment.root, 'gate-open');
    const arrivals = join(deployment.root, 'arrivals');
    cleanups.push(() => writeFile(open, '')); // lets the checks of a failed run end
    const gated = join(deployment.root, 'gated-visudo.sh');
    await writeFile(gated, `#!/bin/sh\necho >> ${JSON.stringify(arrivals)}\nwhile [ ! -e ${JSON.stringify(open)} ]; do sleep 0.05; done\nexec ${JSON.stringify(visudo)} "$@"\n`);
    await chmod(gated, 0o755);
    const providersFile = join(deployment.config, 'providers.yaml');
    await writeFile(providersFile, (await readFile(providersFile, 'utf8')).replace('"__GATED__"', JSON.stringify(gated)));
    await writeFile(open, '');

    let server: ServerProcess = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    const token = await apiLogin(server.url, 'alice');
    const ask = async (duration: string): Promise<string> => {
      const r = await fetch(`${server.url}/api/v1/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'debug', provider: 'box', duration, reason: 'reconcile after a crash' }),
      });
      assert.equal(r.status, 201, await r.clone().text());
      return ((await r.json()) as RequestJson).id;
    };
    /** Waits until each was granted (a short lease may already be ending on a very busy machine). */
    const grantedAll = async (ids: string[]) => {
      for (const id of ids) {
        const r = await fetch(`${server.url}/api/v1/requests/${id}?until=active,revoking,revoked,failed&timeout=60`, { headers: { authorization: `Bearer ${token}` } });
        assert.notEqual(((await r.json()) as RequestJson).status, 'failed', id);
      }
    };
    // Healthy leases, one whose rule will vanish by hand, and leases that expire while the server is down.
    const healthy = await Promise.all(Array.from({ length: 5 }, () => ask('30m')));
    const lost = await ask('30m');
    const expiring = await Promise.all(Array.from({ length: 10 }, () => ask('12s')));
    await grantedAll([...healthy, lost, ...expiring]);
    const expiresAt = Math.max(...(await Promise.all(expiring.map(async (id) => {
      const r = await fetch(`${server.url}/api/v1/requests/${id}`, { headers: { authorization: `Bearer ${token}` } });
      return Date.parse(((await r.json()) as { expires_at: string }).expires_at);
    }))));

    // Grants in the middle of their visudo check when the server dies.
    await rm(open);
    await writeFile(arrivals, '');
    const granting = await Promise.all(Array.from({ length: 10 }, () => ask('30m')));
    await waitUntil('the grants to reach visudo', async () => ((await readFile(arrivals, 'utf8')).split('\n').length > granting.length ? true : undefined), 60_000, 50);
    await server.crash();

    // While it is down: the leases expire, someone deletes a rule and plants one.
    await waitUntil('the short leases to expire', async () => (Date.now() > expiresAt ? true : undefined), 60_000, 100);
    await unlink(join(deployment.sudoers, `lease-${lost}`));
    await writeFile(join(deployment.sudoers, `lease-${STRAY_ID}`), STRAY_RULE, { mode: 0o440 });
    await writeFile(open, '');

    server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });
    const round = await waitUntil('the first reconciliation', async () => reconciliationLine(server.output), 120_000, 100);
    await loginAs(deployment, server.url, 'bob');
    const audit = await leaseJson<AuditJson[]>(['audit', '--json', '--limit', '1000'], { LEASE_HOME: deployment.home('bob') });
    const drift = audit.filter((e) => e.action.startsWith('grant.')).map((e) => [e.action, e.subject]);
    assert.deepEqual(drift.sort(), [['grant.missing', lost], ['grant.orphaned', STRAY_ID], ['grant.regranted', lost]].sort(), server.output);
    assert.deepEqual([round.revoked, round.missing], [1, 1]);
    assert.equal(existsSync(join(deployment.sudoers, `lease-${STRAY_ID}`)), false, 'the stray rule was removed');

    // Meanwhile recovery finished every grant and revocation.
    const again = await apiLogin(server.url, 'alice');
    const status = async (id: string) => {
      const r = await fetch(`${server.url}/api/v1/requests/${id}?until=active,revoked,failed&timeout=60`, { headers: { authorization: `Bearer ${again}` } });
      return ((await r.json()) as RequestJson).status;
    };
    for (const id of [...healthy, ...granting, lost]) assert.equal(await status(id), 'active', id);
    for (const id of expiring) assert.equal(await status(id), 'revoked', id);
    for (const id of [...healthy, ...granting, lost]) assert.ok(existsSync(join(deployment.sudoers, `lease-${id}`)), `${id} (${id === lost ? 'granted again' : 'kept'})`);
  });

  it('with server.reconcile.missing: fail, ends a lease whose rule vanished as failed, through its revoke', async () => {
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    const serverFile = join(deployment.config, 'server.yaml');
    await writeFile(serverFile, `${await readFile(serverFile, 'utf8')}  reconcile:\n    missing: fail\n`);
    let server = await startServer({ config: deployment.config, data: deployment.data });
    cleanups.push(() => server.stop());
    const token = await apiLogin(server.url, 'alice');
    const created = await fetch(`${server.url}/api/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'debug', provider: 'box', duration: '30m', reason: 'reconcile fail mode' }),
    });
    const { id } = (await created.json()) as RequestJson;
    const active = await fetch(`${server.url}/api/v1/requests/${id}?until=active,failed&timeout=60`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await active.json()) as RequestJson).status, 'active');
    await server.stop();
    await unlink(join(deployment.sudoers, `lease-${id}`));

    // The first round after a start finds it.
    server = await startServer({ config: deployment.config, data: deployment.data, port: Number(new URL(server.url).port) });
    const again = await apiLogin(server.url, 'alice');
    const ended = await waitUntil('the lease to be failed', async () => {
      const r = await fetch(`${server.url}/api/v1/requests/${id}`, { headers: { authorization: `Bearer ${again}` } });
      const request = (await r.json()) as RequestJson & { outcome: { code: string } | null };
      return request.status === 'failed' ? request : undefined;
    }, 120_000, 100);
    assert.equal(ended.outcome?.code, 'grant_missing');
    await loginAs(deployment, server.url, 'bob');
    const actions = (await leaseJson<AuditJson[]>(['audit', '--json', '--subject', id], { LEASE_HOME: deployment.home('bob') })).map((e) => e.action);
    assert.deepEqual(actions.filter((a) => a.startsWith('grant.') || a === 'lease.revoked' || a === 'request.failed'), ['grant.missing', 'lease.revoked', 'request.failed']);
    assert.equal(existsSync(join(deployment.sudoers, `lease-${id}`)), false);
  });
});
