// What `npm start` offers a newcomer: the example config starts, prints how to log in, and the
// demo user can get the demo role granted and revoked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LEASE_BIN, leaseJson, ROOT, runLease, startServer, tempDir, type ServerProcess } from '../support/lease-process.js';

describe('the demo configuration (npm start)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: ServerProcess;

  before(async () => {
    dir = await tempDir();
    // The working directory and the data directory are apart, to see where the demo writes.
    await mkdir(join(dir.path, 'work'));
    server = await startServer({ config: join(ROOT, 'examples'), data: join(dir.path, 'data'), cwd: join(dir.path, 'work') });
  });

  after(async () => {
    await server?.stop();
    await dir?.cleanup();
  });

  it('prints the URL and how to log in with this very bin (never npx: that name is another package)', () => {
    assert.match(server.output, /listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(server.output, /alice \/ alice-demo-password/);
    // Run from outside the checkout and not on the PATH, so the bin's absolute path.
    assert.ok(server.output.includes(`| node ${LEASE_BIN} login --server ${server.url} `), server.output);
    assert.ok(server.output.includes(`node ${LEASE_BIN} request --role debug --duration 10m`), server.output);
    assert.doesNotMatch(server.output, /npx/);
  });

  it('keeps idle connections open longer than clients and load balancers do (no close/reuse race)', async () => {
    const r = await fetch(`${server.url}/health`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('keep-alive'), 'timeout=65');
  });

  it('lets alice get the debug role granted and revoked', async () => {
    const env = { LEASE_HOME: join(dir.path, 'home') };
    const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env, input: 'alice-demo-password\n' });
    assert.equal(login.code, 0, login.stderr);
    const request = await leaseJson<{ id: string; status: string }>(['request', '--role', 'debug', '--duration', '5m', '--reason', 'demo', '--wait', '--json'], env);
    assert.equal(request.status, 'active', JSON.stringify(request));
    // The demo's relative sudoers_dir is under --data, wherever the server was started from.
    const file = join(dir.path, 'data', 'sudoers.d', `lease-${request.id}`);
    assert.ok(existsSync(file));
    const revoked = await leaseJson<{ status: string }>(['revoke', request.id, '--json'], env);
    assert.equal(revoked.status, 'revoked');
    assert.equal(existsSync(file), false);
  });

  it('writes only under --data: nothing in the working directory or beside the config', async () => {
    assert.deepEqual(await readdir(join(dir.path, 'work')), []);
    assert.deepEqual((await readdir(dir.path)).sort(), ['data', 'home', 'work']);
    const beside = await readdir(join(ROOT, 'examples'), { withFileTypes: true });
    assert.deepEqual(beside.filter((entry) => entry.isDirectory()).map((entry) => entry.name), []);
  });
});
