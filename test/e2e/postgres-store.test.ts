// `lease server` on PostgreSQL (server.store type postgres, the URL from LEASE_STORE_URL) with the
// embedded engine: the lifecycle runs with nothing in a SQLite file, a second server on the same
// database is refused (exit 2, naming the fix), and a restart keeps requests, sessions and the
// audit chain. Real PostgreSQL (test/support/postgres.ts).
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { LEASE_BIN, ROOT, leaseJson, runLease, startServer, tempDir, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { startTemporalDevServer } from '../support/temporal.js';
import { HOW_TO_GET_POSTGRES, postgresBinDir, startPostgres, type PostgresServer } from '../support/postgres.js';
import { createDeployment, loginAs, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
}

const available = postgresBinDir() !== undefined;
const skip = !available && process.env.CI !== 'true' ? `PostgreSQL is not available: ${HOW_TO_GET_POSTGRES}` : false;
if (skip) console.warn(`\n⚠ SKIPPED the PostgreSQL store e2e: ${skip}\n`);

describe('lease server on PostgreSQL', { skip }, () => {
  let postgres: PostgresServer;
  let deployment: Deployment;
  let server: ServerProcess | undefined;
  let storeEnv: NodeJS.ProcessEnv;
  const env = (user: string) => ({ LEASE_HOME: deployment.home(user) });

  before(async () => {
    if (!available) throw new Error(`PostgreSQL is not available: ${HOW_TO_GET_POSTGRES} (CI=true: required components must be present)`);
    postgres = await startPostgres();
    const admin = new pg.Client({ connectionString: postgres.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE lease');
    await admin.end();
    storeEnv = { LEASE_STORE_URL: postgres.url(undefined, undefined, 'lease') };
    deployment = await createDeployment({ visudo: false });
    await writeFile(join(deployment.config, 'server.yaml'), 'version: "1.0"\nserver:\n  admins:\n    groups: [ops]\n  store:\n    type: postgres\n    pool_size: 4\n');
    server = await startServer({ config: deployment.config, data: deployment.data, env: storeEnv });
    for (const user of ['alice', 'bob'] as const) await loginAs(deployment, server.url, user);
  });

  after(async () => {
    await server?.stop();
    await deployment?.cleanup();
    await postgres?.stop();
  });

  it('grants on request and revokes at expiry, with the state in PostgreSQL and no SQLite file', async () => {
    const request = await leaseJson<RequestJson>(['request', '--role', 'debug', '--provider', 'box', '--duration', '5s', '--reason', 'INC-7 on postgres', '--wait', '--json'], env('alice'));
    assert.equal(request.status, 'active');
    const ended = await waitUntil(
      'revocation at expiry',
      async () => {
        const s = await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'));
        return s.status === 'revoked' ? s : undefined;
      },
      60_000,
      250,
    );
    assert.equal(ended.status, 'revoked');
    assert.equal(existsSync(join(deployment.data, 'lease.db')), false, 'nothing went to SQLite');
    const raw = new pg.Client({ connectionString: storeEnv.LEASE_STORE_URL });
    await raw.connect();
    try {
      const { rows } = await raw.query<{ status: string }>('SELECT status FROM requests WHERE id = $1', [request.id]);
      assert.equal(rows[0]?.status, 'revoked');
    } finally {
      await raw.end();
    }
    const verify = await runLease(['audit', '--verify'], { env: env('bob') });
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /intact/);
  });

  it('a second server with the embedded engine on the same database exits 2, saying how to run several', async () => {
    const other = await tempDir();
    try {
      const second = await runLease(['server', '--config', deployment.config, '--data', other.path, '--port', '0'], { env: storeEnv });
      assert.equal(second.code, 2, second.stdout + second.stderr);
      assert.match(second.stderr, /another Lease server with the embedded workflow engine is using the PostgreSQL database/);
      assert.match(second.stderr, /server\.engine: temporal/);
      assert.ok(!second.stderr.includes(postgres.superuser.password), 'the URL\'s password is not printed');
    } finally {
      await other.cleanup();
    }
    assert.equal((await fetch(`${server!.url}/ready`)).status, 200, 'the first server is unaffected');
  });

  it('a restart keeps requests, sessions, a running lease and the audit chain', async () => {
    const running = await leaseJson<RequestJson>(['request', '--role', 'debug', '--provider', 'box', '--duration', '10m', '--reason', 'across a restart', '--wait', '--json'], env('alice'));
    assert.equal(running.status, 'active');
    const before = await leaseJson<RequestJson[]>(['list', '--json'], env('alice'));
    // The same port: the CLI's sessions name the server by its URL.
    const port = Number(new URL(server!.url).port);
    await server!.stop();
    server = await startServer({ config: deployment.config, data: deployment.data, env: storeEnv, port });
    const after = await leaseJson<RequestJson[]>(['list', '--json'], env('alice'));
    assert.deepEqual(after.map((r) => [r.id, r.status]), before.map((r) => [r.id, r.status]), 'the same requests, the session still valid');
    const revoked = await leaseJson<RequestJson>(['revoke', running.id, '--json'], env('alice'));
    assert.equal(revoked.status, 'revoked');
    const entries = await leaseJson<Array<{ action: string }>>(['audit', '--json', '--limit', '1000'], env('bob'));
    assert.ok(entries.filter((e) => e.action === 'server.started').length >= 2, 'both starts are in one chain');
    const verify = await runLease(['audit', '--verify'], { env: env('bob') });
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /intact/);
  });
});

describe('a lease worker on PostgreSQL (Temporal engine)', { skip }, () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('the server (worker: false) and a lease worker share the configured PostgreSQL store; neither takes the embedded lock', async (t) => {
    if (!available) throw new Error(`PostgreSQL is not available: ${HOW_TO_GET_POSTGRES} (CI=true: required components must be present)`);
    const temporal = await startTemporalDevServer(t);
    if (!temporal) return;
    const postgres = await startPostgres();
    cleanups.push(() => postgres.stop());
    const storeEnv = { LEASE_STORE_URL: postgres.url() };
    const deployment = await createDeployment({ visudo: false });
    cleanups.push(deployment.cleanup);
    await writeFile(
      join(deployment.config, 'server.yaml'),
      `version: "1.0"\nserver:\n  engine: temporal\n  worker: false\n  store: {type: postgres}\n  admins:\n    groups: [ops]\nservices:\n  temporal:\n    address: ${temporal.address}\n    namespace: default\n    task_queue: lease-e2e-postgres\n`,
    );
    const server = await startServer({ config: deployment.config, data: deployment.data, env: storeEnv });
    cleanups.push(() => server.stop());
    const worker = spawn(process.execPath, [LEASE_BIN, 'worker', '--config', deployment.config, '--data', deployment.data], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...storeEnv } });
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
    // A second server on the Temporal engine is a replica, not refused.
    const replica = await startServer({ config: deployment.config, data: deployment.data, env: storeEnv });
    cleanups.push(() => replica.stop());
    await loginAs(deployment, server.url, 'alice');
    const env = { LEASE_HOME: deployment.home('alice') };
    const request = await leaseJson<RequestJson>(['request', '--role', 'debug', '--provider', 'box', '--duration', '10m', '--reason', 'worker on postgres', '--wait', '--json'], env);
    assert.equal(request.status, 'active');
    assert.ok(existsSync(join(deployment.sudoers, `lease-${request.id}`)), 'the worker ran the grant');
    assert.equal(existsSync(join(deployment.data, 'lease.db')), false, 'nothing went to SQLite');
    const raw = new pg.Client({ connectionString: storeEnv.LEASE_STORE_URL });
    await raw.connect();
    try {
      assert.equal((await raw.query<{ status: string }>('SELECT status FROM requests WHERE id = $1', [request.id])).rows[0]?.status, 'active');
    } finally {
      await raw.end();
    }
  });
});
