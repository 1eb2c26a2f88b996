// What only the PostgreSQL store has to prove: the Store semantics themselves are the shared
// suite (../*.test.ts, run on both backends). Here: migrations, several processes on one database
// (replicas), the embedded engine's lock, and a failed statement inside a transaction.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { HOW_TO_GET_POSTGRES, postgresBinDir, startPostgres, type PostgresServer } from '../../../test/support/postgres.js';
import { ManualClock, type Clock } from '../../core/index.js';
import { StoreIntegrityError, StoreMigrationError } from '../errors.js';
import { requestRecord } from '../temp-store.fake.js';
import type { Store } from '../types.js';
import { openPostgresStore, postgresDutyLocks, StoreLocked } from './index.js';
import { MIGRATION_NAMES } from './migrations/index.js';

const available = postgresBinDir() !== undefined;
const skip = !available && process.env.CI !== 'true' ? `PostgreSQL is not available: ${HOW_TO_GET_POSTGRES}` : false;
if (skip) console.warn(`\n⚠ SKIPPED the PostgreSQL store tests: ${skip}\n`);

describe('PostgreSQL store', { skip }, () => {
  let server: PostgresServer;
  let admin: pg.Client;
  let databases = 0;
  const opened: { end(): Promise<void> }[] = [];

  before(async () => {
    if (!available) throw new Error(`PostgreSQL is not available: ${HOW_TO_GET_POSTGRES} (CI=true: required components must be present)`);
    server = await startPostgres();
    admin = new pg.Client({ connectionString: server.url() });
    await admin.connect();
  });
  after(async () => {
    for (const item of opened.reverse()) await item.end().catch(() => undefined);
    await admin?.end();
    await server?.stop();
  });

  async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function freshDatabase(): Promise<string> {
    const name = `lease_pg_${++databases}`;
    await admin.query(`CREATE DATABASE ${name}`);
    return server.url(undefined, undefined, name);
  }

  async function open(url: string, options: { exclusive?: boolean; clock?: Clock } = {}): Promise<Store> {
    const store = await openPostgresStore({ url, poolSize: 4, clock: options.clock ?? new ManualClock(), ...options });
    opened.push({ end: () => store.close() });
    return store;
  }

  async function rawClient(url: string): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    opened.push({ end: () => client.end() });
    return client;
  }

  it('migrations create every table and record themselves; two processes opening a new database together migrate it once', async () => {
    const url = await freshDatabase();
    const [first, second] = await Promise.all([open(url), open(url)]);
    await first.requests.insert(requestRecord());
    assert.equal((await second.requests.get('req_1'))?.id, 'req_1');
    const raw = await rawClient(url);
    const tables = (await raw.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)).rows.map((r) => r.name);
    for (const table of ['requests', 'workflow_instances', 'workflow_inbox', 'grants', 'audit_log', 'host_tasks', 'decisions', 'reviews', 'revoked_sessions', 'lease_notices']) {
      assert.ok(tables.includes(table), `${table} in ${tables.join(', ')}`);
    }
    assert.deepEqual((await raw.query<{ name: string }>('SELECT name FROM kysely_migration ORDER BY name')).rows.map((r) => r.name), [...MIGRATION_NAMES]);
  });

  it('refuses a database migrated by a newer Lease', async () => {
    const url = await freshDatabase();
    await (await open(url)).close();
    const raw = await rawClient(url);
    await raw.query(`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_the_future', '2030-01-01T00:00:00.000Z')`);
    await assert.rejects(openPostgresStore({ url }), (err) => err instanceof StoreMigrationError && /9999_from_the_future/.test(err.message));
  });

  it('the database itself refuses to update, delete or truncate audit entries', async () => {
    const url = await freshDatabase();
    const store = await open(url);
    await store.audit.append({ actor: 'alice', action: 'request.created', subject: 'req_1', data: {} });
    const raw = await rawClient(url);
    await assert.rejects(raw.query(`UPDATE audit_log SET actor = 'mallory'`), /append-only/);
    await assert.rejects(raw.query('DELETE FROM audit_log'), /append-only/);
    await assert.rejects(raw.query('TRUNCATE audit_log'), /append-only/);
    assert.deepEqual(await store.audit.verify(), { ok: true, count: 1 });
  });

  it('two replicas running read-then-write transactions on one row lose no update', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    await a.requests.insert(requestRecord({ duration_ms: 0 }));
    const bump = (store: Store) =>
      store.transaction(async (tx) => {
        const current = await tx.requests.get('req_1');
        await tx.requests.update('req_1', { duration_ms: (current?.duration_ms ?? 0) + 1 });
      });
    await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 ? a : b)));
    assert.equal((await a.requests.get('req_1'))?.duration_ms, 40);
  });

  it('two replicas appending to the audit log, alone and inside transactions, keep one unbroken chain', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const entry = (n: number) => ({ actor: 'alice', action: 'test', subject: `s${n}`, data: { n } });
    await Promise.all(
      Array.from({ length: 60 }, (_, n) => {
        const store = n % 2 ? a : b;
        if (n % 3 === 0) return store.audit.append(entry(n));
        return store.transaction(async (tx) => {
          await tx.requests.insert(requestRecord({ id: `req_${n}` }));
          await tx.audit.append(entry(n));
        });
      }),
    );
    const seqs = (await a.audit.list()).map((e) => e.seq);
    assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 1));
    assert.deepEqual(await b.audit.verify(), { ok: true, count: 60 });
    assert.equal(await a.requests.count(), 40);
  });

  it('a transaction whose fn caught a failed statement and went on is rolled back, not committed in part', async () => {
    const store = await open(await freshDatabase());
    const task = { id: 't1', key: 'grant:p:r', host: 'h', provider: 'p', kind: 'grant' as const, request_id: null, payload: {}, status: 'pending' as const, attempt: 1, deliver_before: null, created_at: 'x', updated_at: 'x' };
    await store.hostTasks.insert(task);
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.requests.insert(requestRecord({ id: 'written before' }));
        // PostgreSQL aborts the whole transaction at a failed statement (here a duplicate key).
        await tx.hostTasks.insert(task).catch(() => undefined);
        return 'carried on';
      }),
      (err) => err instanceof Error && 'code' in err && err.code === '23505',
    );
    assert.equal(await store.requests.get('written before'), undefined);
  });

  it('a record referring to a missing request fails at commit with store_integrity', async () => {
    const store = await open(await freshDatabase());
    await assert.rejects(
      store.transaction(async (tx) => tx.grants.upsert({ request_id: 'nope', provider: 'p', record: {}, granted_at: 'x' })),
      (err) => err instanceof StoreIntegrityError && err.code === 'store_integrity',
    );
  });

  it('a duty lock is held by one replica at a time; released or its connection lost, another takes it', async () => {
    const url = await freshDatabase();
    const a = postgresDutyLocks(url, () => undefined);
    const b = postgresDutyLocks(url, () => undefined);
    opened.push({ end: () => a.close() }, { end: () => b.close() });
    const held = await a.tryHold('reconciler');
    assert.ok(held?.held, 'the first replica takes the free duty');
    assert.equal(await b.tryHold('reconciler'), undefined, 'the second one is refused while it is held');
    assert.ok((await b.tryHold('requester-mail'))?.held, 'other duties are independent');
    await held.release();
    assert.equal(held.held, false);
    const taken = await b.tryHold('reconciler');
    assert.ok(taken?.held, 'released, it goes to the other replica');
    // The holder's connection dies (a crashed replica): PostgreSQL releases its locks.
    const { rowCount } = await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = $1)`,
      [new URL(url).pathname.slice(1)],
    );
    assert.ok(rowCount && rowCount > 0, 'the holder\'s connection was found');
    await waitFor(() => taken.held === false);
    const again = await a.tryHold('reconciler');
    assert.ok(again?.held, 'a lost connection frees the duty for the others');
  });

  it('with the embedded engine a second process is refused while the first holds the database, and may open once it has closed', async () => {
    const url = await freshDatabase();
    const first = await open(url, { exclusive: true });
    await assert.rejects(openPostgresStore({ url, exclusive: true }), (err) => {
      assert.ok(err instanceof StoreLocked);
      assert.match(err.message, /another Lease server with the embedded workflow engine/);
      assert.match(err.message, /server\.engine: temporal/);
      assert.ok(!err.message.includes(server.superuser.password), 'no password in the message');
      return true;
    });
    const shared = await open(url);
    assert.equal(await shared.requests.count(), 0, 'a process without the lock (a worker) opens it');
    await first.close();
    const second = await open(url, { exclusive: true });
    assert.equal(await second.requests.count(), 0);
  });
});
