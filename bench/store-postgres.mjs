// The PostgreSQL store's cost per call and under load, against a real PostgreSQL 15 started by
// test/support/postgres.ts (loaded through tsx: test helpers are not built into dist/) with
// PostgreSQL's default durability (fsync, synchronous_commit, full-page writes on; tests turn
// them off).
//   node bench/store-postgres.mjs [--calls=2000] [--transactions=1000] [--pool=10]
// Prints p50/p99 of single-caller calls (requests.insert/update/get, workflows.save,
// audit.append, a transaction {save, update, append}), then transactions/s with every
// transaction started at once on one store and on two stores sharing the database (replicas).
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { openPostgresStore } from '../dist/store/postgres/index.js';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const CALLS = Number(args.calls ?? 2000);
const TRANSACTIONS = Number(args.transactions ?? 1000);
const POOL = Number(args.pool ?? 10);

const { startPostgres } = await tsImport('../test/support/postgres.ts', import.meta.url);
const server = await startPostgres({ durable: true });
const admin = new pg.Client({ connectionString: server.url() });
await admin.connect();
const settings = [];
for (const name of ['fsync', 'synchronous_commit', 'full_page_writes']) settings.push(`${name} ${(await admin.query(`SHOW ${name}`)).rows[0][name]}`);
let databases = 0;
async function freshStore(count = 1) {
  const name = `bench_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = server.url(undefined, undefined, name);
  return Promise.all(Array.from({ length: count }, () => openPostgresStore({ url, poolSize: POOL })));
}

const record = (id) => ({
  id,
  identity: { id: 'alice', email: 'alice@example.com', groups: ['ops'], provider: 'local', provider_type: 'local' },
  role: 'admin',
  provider: 'aws-prod',
  workflow: null,
  reason: 'bench',
  duration_ms: 3_600_000,
  status: 'pending',
  created_at: new Date().toISOString(),
  updated_at: new Date().toISOString(),
  granted_at: null,
  expires_at: null,
  ended_at: null,
  outcome: null,
  break_glass: false,
  start_at: null,
  extended_from: null,
  timeout_at: null,
});

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timed(name, fn) {
  const times = [];
  for (let i = 0; i < CALLS; i++) {
    const start = performance.now();
    await fn(i);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const us = (ms) => `${Math.round(ms * 1000)} µs`;
  console.log(`${name.padEnd(40)} p50 ${us(percentile(times, 50)).padStart(9)}   p99 ${us(percentile(times, 99)).padStart(9)}`);
}

/** One request's step as the workflow engine writes it: checkpoint, request status, audit entry. */
const step = (tx, i) =>
  tx.transaction(async (t) => {
    await t.workflows.save(`req_${i}`, { state: { step: i }, status: 'running', wake_at: Date.now() + 60_000 });
    await t.requests.update(`req_${i}`, { status: 'active' });
    await t.audit.append({ actor: 'lease', action: 'lease.granted', subject: `req_${i}`, data: { i } });
  });

async function seed(store, count) {
  for (let i = 0; i < count; i++) {
    await store.requests.insert(record(`req_${i}`));
    await store.workflows.insert({ id: `req_${i}`, workflow: 'default', state: {}, status: 'running', wake_at: null, updated_at: new Date().toISOString() });
  }
}

try {
  console.log(`PostgreSQL store, single caller, ${CALLS} calls each (pool ${POOL}; ${settings.join(', ')}; data in ${process.env.TMPDIR ?? '/tmp'})`);
  const [store] = await freshStore();
  await timed('requests.insert', (i) => store.requests.insert(record(`ins_${i}`)));
  await timed('requests.update', (i) => store.requests.update(`ins_${i}`, { status: 'active' }));
  await timed('requests.get', (i) => store.requests.get(`ins_${i}`));
  await seed(store, CALLS);
  await timed('workflows.save', (i) => store.workflows.save(`req_${i}`, { state: { i }, status: 'running', wake_at: null }));
  await timed('audit.append', (i) => store.audit.append({ actor: 'alice', action: 'bench', subject: `s${i}`, data: { i } }));
  await timed('transaction {save, update, append}', (i) => step(store, i));
  await store.close();

  for (const replicas of [1, 2]) {
    const stores = await freshStore(replicas);
    await seed(stores[0], TRANSACTIONS);
    const start = performance.now();
    await Promise.all(Array.from({ length: TRANSACTIONS }, (_, i) => step(stores[i % replicas], i)));
    const seconds = (performance.now() - start) / 1000;
    const verified = await stores[0].audit.verify();
    console.log(
      `${TRANSACTIONS} concurrent transactions {save, update, append} on ${replicas} store${replicas > 1 ? 's (replicas)' : ''}: ${(TRANSACTIONS / seconds).toFixed(0)} transactions/s (${(seconds * 1000).toFixed(0)} ms; chain ${verified.ok ? 'verifies' : 'BROKEN'}, ${verified.count} entries)`,
    );
    for (const s of stores) await s.close();
  }
} finally {
  await admin.end();
  await server.stop();
}
