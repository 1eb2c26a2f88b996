// Background duties with two replicas on one PostgreSQL database and one Temporal dev server:
// every replica runs the loops, one at a time does each duty (here the audit file forwarder and
// the reconciler). While both run, each audit entry reaches the receiver once; when the replica
// doing it is killed (-9), the other takes the duty over and delivers the rest, in order.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent } from '../../src/audit/index.js';
import { postgresBinDir, requirePostgres, startPostgres, type PostgresServer } from '../support/postgres.js';
import { requireComponent } from '../support/require-component.js';
import { leaseJson, startServer, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { HOW_TO_GET_TEMPORAL, startTemporal, temporalCli, type TemporalDevServer } from '../support/temporal.js';
import { apiLogin, createDeployment, loginAs, replicaServerYaml, type Deployment } from './fixtures.js';

/** The replicas whose output says they took the duty named so. */
function holders(replicas: ServerProcess[], duty: string): ServerProcess[] {
  return replicas.filter((r) => r.output.split('\n').some((line) => line.includes(`"duty":"${duty}"`) && line.includes('background duty taken')));
}

async function received(file: string): Promise<AuditEvent[]> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? '' : Promise.reject(err)));
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEvent);
}

describe('background duties on two replicas (PostgreSQL, Temporal)', () => {
  let postgres: PostgresServer | undefined;
  let temporal: TemporalDevServer | undefined;
  let deployment: Deployment;
  let replicas: ServerProcess[] = [];
  const ready = (t: TestContext) => requirePostgres(t, postgres) && requireComponent(t, 'the Temporal CLI', temporal !== undefined, HOW_TO_GET_TEMPORAL);

  before(async () => {
    if (postgresBinDir() === undefined || temporalCli() === undefined) return;
    postgres = await startPostgres();
    temporal = await startTemporal();
    deployment = await createDeployment({ visudo: false });
    await writeFiles(deployment.config, {
      'server.yaml': replicaServerYaml({ temporal, taskQueue: 'lease-e2e-duties', postgres: true }),
      'audit.yaml': `audit:
  forwarders:
    - { type: file, name: archive, path: audit.jsonl, batch_size: 5 }
  poll_interval: 1s
`,
    });
    const env = { LEASE_STORE_URL: postgres.url() };
    replicas = [await startServer({ config: deployment.config, data: deployment.data, env }), await startServer({ config: deployment.config, data: deployment.data, env })];
  });

  after(async () => {
    for (const replica of replicas) await replica.stop();
    await deployment?.cleanup();
    await postgres?.stop();
    await temporal?.stop();
  });

  it('one replica forwards the audit log and one reconciles; killed, the other takes over and the receiver still gets every entry in order', async (t) => {
    if (!ready(t)) return;
    const file = join(deployment.data, 'audit.jsonl');
    const forwarder = await waitUntil('a replica to take the forwarder duty', async () => holders(replicas, 'audit-forwarder:archive')[0], 60_000);
    assert.equal(holders(replicas, 'audit-forwarder:archive').length, 1, 'one replica forwards');
    await waitUntil('a replica to take the reconciler duty', async () => (holders(replicas, 'reconciler').length > 0 ? true : undefined), 60_000);
    assert.equal(holders(replicas, 'reconciler').length, 1, 'one replica reconciles');
    for (const replica of replicas) assert.doesNotMatch(replica.output, /background duty lost/);

    // Entries written through both replicas: logins are audited.
    for (let i = 0; i < 12; i++) await apiLogin(replicas[i % 2]!.url, i % 3 === 0 ? 'bob' : 'alice');
    await loginAs(deployment, replicas[0]!.url, 'bob');
    const head = async () => (await leaseJson<Array<{ seq: number }>>(['audit', '--json', '--limit', '1000'], { LEASE_HOME: deployment.home('bob') })).at(-1)!.seq;
    const first = await head();
    await waitUntil('the forwarder to reach the head of the log', async () => ((await received(file)).some((e) => e.seq === first) ? true : undefined), 60_000);
    const whileBoth = await received(file);
    assert.deepEqual(
      whileBoth.map((e) => e.seq),
      Array.from({ length: whileBoth.length }, (_, i) => i + 1),
      'while both replicas run, every entry is written once, in order',
    );

    // The forwarding replica crashes; the survivor takes the duty over.
    const survivor = replicas.find((r) => r !== forwarder)!;
    await forwarder.crash();
    replicas = [survivor];
    for (let i = 0; i < 6; i++) await apiLogin(survivor.url, 'alice');
    await loginAs(deployment, survivor.url, 'bob');
    const last = await head();
    await waitUntil('the survivor to take the forwarder duty and deliver the rest', async () => ((await received(file)).some((e) => e.seq === last) ? true : undefined), 120_000);
    assert.equal(holders([survivor], 'audit-forwarder:archive').length, 1, 'the survivor took the duty');
    const firsts: number[] = [];
    for (const e of await received(file)) if (!firsts.includes(e.seq)) firsts.push(e.seq);
    assert.deepEqual(firsts.slice(0, last), Array.from({ length: last }, (_, i) => i + 1), 'nothing is lost and the order holds (a batch may come twice)');
  });
});
