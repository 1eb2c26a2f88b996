// `npm run bench`: the whole system on PostgreSQL and Temporal, with one and with two
// `lease server` replicas. A real PostgreSQL 15 with its default durability (fsync on, as
// bench/store-postgres.mjs) and a Temporal dev server (state in memory unless --temporal=file),
// both from test/support/ (loaded through tsx: test helpers are not built into dist/); servers with `server.store: postgres` and
// `server.engine: temporal`, each running its own worker. The replicas of a run share one
// database, one data directory (the key set), one Temporal namespace and task queue; each run
// gets a fresh database and task queue. Clients go round robin over the replicas, as a load
// balancer would, through the public HTTP API only:
//   request → active p50/p99 (sequential, auto-approved role on the sudo provider writing into
//   a temp directory) and sustained requests/s (concurrent clients; accepted, then all granted).
//   node bench/replicas.mjs [--latency=200] [--throughput=2000] [--concurrency=32] [--replicas=1,2] [--temporal=memory|file]
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { tsImport } from 'tsx/esm/api';
import { fmt, loginBenchUser, measureRequestToActive, measureThroughput, percentile, requestClient, writeRequestBenchConfig } from './request-load.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const LATENCY_N = Number(args.latency ?? 200);
const THROUGHPUT_N = Number(args.throughput ?? 2000);
const CONCURRENCY = Number(args.concurrency ?? 32);
const REPLICAS = (args.replicas ?? '1,2').split(',').map(Number);
// memory (default): the dev server's SQLite file syncs each of its writes, which would bound the
// figures long before Lease does; a production Temporal cluster's persistence is not that file.
const TEMPORAL_STATE = args.temporal ?? 'memory';
if (!['memory', 'file'].includes(TEMPORAL_STATE)) throw new Error('--temporal is memory or file');
// Not counted: each worker's first workflow and activity tasks load and warm its code.
const WARM_UP_N = 10;

const { startPostgres } = await tsImport('../test/support/postgres.ts', import.meta.url);
const { startTemporal } = await tsImport('../test/support/temporal.ts', import.meta.url);
const { startServer } = await tsImport('../test/support/lease-process.ts', import.meta.url);

const password = 'bench-password';

// CPU accounting from /proc (Linux), in clock ticks of 10 ms (CLK_TCK 100).
const TICK_MS = 10;
async function processCpuMs(pid) {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
}
async function machineTicks() {
  const [, ...fields] = (await readFile('/proc/stat', 'utf8')).split('\n')[0].trim().split(/\s+/).map(Number);
  const idle = fields[3] + fields[4]; // idle, iowait
  return { busy: fields.reduce((a, b) => a + b, 0) - idle, total: fields.reduce((a, b) => a + b, 0) };
}

/** One run: `replicas` servers on a fresh database and task queue; resolves with its figures. */
let runs = 0;
async function measure(postgres, admin, temporal, replicas) {
  const run = ++runs;
  const database = `lease_bench_${run}`;
  await admin.query(`CREATE DATABASE ${database}`);
  const dir = await mkdtemp(join(tmpdir(), `lease-bench-replicas-${run}-`));
  const servers = [];
  const clients = [];
  try {
    const config = await writeRequestBenchConfig(dir, password);
    await writeFile(join(config, 'server.yaml'), `version: "1.0"
server:
  store: { type: postgres }
  engine: temporal
services:
  temporal:
    address: ${temporal.address}
    namespace: ${temporal.namespace}
    task_queue: lease-bench-${run}
`);
    const env = { LEASE_STORE_URL: postgres.url(undefined, undefined, database), LEASE_LOG_LEVEL: 'warn' };
    // One after the other: the first migrates the database and creates the key set, the others open them.
    for (let i = 0; i < replicas; i++) servers.push(await startServer({ config, data: join(dir, 'data'), env }));
    const token = await loginBenchUser(servers[0].url, password);
    for (const server of servers) clients.push(requestClient(server.url, token));

    const load = loadavg()[0];
    await measureRequestToActive(clients, WARM_UP_N);
    const latency = await measureRequestToActive(clients, LATENCY_N);
    if (THROUGHPUT_N === 0) return { replicas, load, latency };
    const serversCpu = async () => (await Promise.all(servers.map((s) => processCpuMs(s.child.pid)))).reduce((a, b) => a + b, 0);
    const [cpu0, machine0] = [await serversCpu(), await machineTicks()];
    const throughput = await measureThroughput(clients, THROUGHPUT_N, CONCURRENCY);
    const [cpu1, machine1] = [await serversCpu(), await machineTicks()];
    throughput.leaseCpuMs = (cpu1 - cpu0) / THROUGHPUT_N;
    throughput.machineBusy = (machine1.busy - machine0.busy) / (machine1.total - machine0.total);
    return { replicas, load, latency, throughput };
  } finally {
    for (const client of clients) client.close();
    for (const server of servers) await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const postgres = await startPostgres({ durable: true });
let temporal;
let admin;
const results = [];
try {
  temporal = await startTemporal({ inMemory: TEMPORAL_STATE === 'memory' });
  admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  const fsync = (await admin.query('SHOW fsync')).rows[0].fsync;
  const synchronousCommit = (await admin.query('SHOW synchronous_commit')).rows[0].synchronous_commit;
  for (const replicas of REPLICAS) results.push(await measure(postgres, admin, temporal, replicas));

  console.log(`\nLease on PostgreSQL + Temporal by number of replicas (PostgreSQL 15: fsync ${fsync}, synchronous_commit ${synchronousCommit}; Temporal dev server, state ${TEMPORAL_STATE === 'memory' ? 'in memory' : 'in its SQLite file'}; sudo provider in a temp dir; ${cpus().length} cores; node ${process.version})`);
  const ms = (values, p) => (values.length ? fmt(percentile(values, p)) : '—');
  const perSecond = (value) => (value === undefined ? '—' : value.toFixed(0));
  const columns = [
    ['replicas', 8, (r) => String(r.replicas)],
    ['request → active p50', 22, (r) => ms(r.latency.observed, 50)],
    ['p99', 11, (r) => ms(r.latency.observed, 99)],
    ['recorded p50', 14, (r) => ms(r.latency.recorded, 50)],
    ['p99', 11, (r) => ms(r.latency.recorded, 99)],
    ['granted req/s', 15, (r) => perSecond(r.throughput?.granted)],
    ['accepted req/s', 16, (r) => perSecond(r.throughput?.accepted)],
    ['lease CPU/req', 15, (r) => (r.throughput ? fmt(r.throughput.leaseCpuMs) : '—')],
    ['CPU busy', 10, (r) => (r.throughput ? `${(r.throughput.machineBusy * 100).toFixed(0)}%` : '—')],
    ['load', 6, (r) => r.load.toFixed(1)],
  ];
  console.log(columns.map(([title, width], i) => (i === 0 ? title.padEnd(width) : title.padStart(width))).join(''));
  for (const result of results) console.log(columns.map(([, width, value], i) => (i === 0 ? value(result).padEnd(width) : value(result).padStart(width))).join(''));
  console.log(`request → active: n=${LATENCY_N} one at a time, round robin over the replicas, each awaited with the long poll on the replica that took it (a step`);
  console.log('  committed by the other replica reaches that poll within its 1 s re-read); recorded: the server\'s created_at → granted_at of the same requests.');
  console.log(`req/s: n=${THROUGHPUT_N} from ${CONCURRENCY} concurrent clients, round robin; accepted = all answered 201, granted = none left pending or granting.`);
  console.log('lease CPU/req: CPU time of all replicas per request over that phase; CPU busy: the whole machine\'s, every process (PostgreSQL, Temporal,');
  console.log('  this client, other work); load: the 1-minute load average when the run began.');
} finally {
  await admin?.end();
  await temporal?.stop();
  await postgres.stop();
}
