// Micro-measure of the SQLite store (file database in a temp dir, WAL, synchronous=NORMAL):
// µs per single-caller call, and the wall time of 1,000 concurrent three-write transactions.
// Run: node --import tsx src/store/micro-bench.fake.ts   (the .fake.ts suffix keeps it out of dist/)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from './sqlite.js';
import { requestRecord } from './temp-store.fake.js';
import type { Store } from './types.js';

const N = Number(process.env.N ?? 5000);
const CONCURRENT = Number(process.env.CONCURRENT ?? 1000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WARM_UP = 200;

async function perOp(label: string, count: number, op: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < WARM_UP; i++) await op(count + i); // warm-up on ids beyond count
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await op(i);
  const us = Number(process.hrtime.bigint() - start) / 1000 / count;
  console.log(`${label.padEnd(34)} ${us.toFixed(1).padStart(7)} µs/op`);
}

async function concurrentTransactions(store: Store, ids: string[]): Promise<number> {
  const start = process.hrtime.bigint();
  await Promise.all(
    ids.map((id, i) =>
      store.transaction(async (tx) => {
        await tx.workflows.save(id, { state: { step: i, vars: { approved: true } }, status: 'running', wake_at: i });
        await tx.requests.update(id, { status: 'revoked', ended_at: new Date().toISOString() });
        await tx.audit.append({ actor: 'lease', action: 'lease.revoked', subject: id, data: { provider: 'aws-prod', reason: 'expired' } });
      }),
    ),
  );
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const dir = await mkdtemp(join(tmpdir(), 'lease-bench-'));
const store = await openSqliteStore({ file: join(dir, 'lease.db') });
try {
  const state = { document: { do: [{ grant: { call: 'lease.grant' } }] }, state: { position: ['do', 0], vars: { approved: false } } };
  const ids = Array.from({ length: N + WARM_UP }, (_, i) => `req_${i}`);
  await perOp('requests.insert', N, (i) => store.requests.insert(requestRecord({ id: ids[i]! })));
  await perOp('requests.update', N, (i) => store.requests.update(ids[i]!, { status: 'active', granted_at: new Date().toISOString() }));
  await perOp('workflows.insert', N, (i) =>
    store.workflows.insert({ id: ids[i]!, workflow: 'default', state, status: 'running', wake_at: i, updated_at: new Date().toISOString() }),
  );
  await perOp('workflows.save', N, (i) => store.workflows.save(ids[i]!, { state, status: 'running', wake_at: i + 1 }));
  await perOp('requests.get', N, (i) => store.requests.get(ids[i]!));
  await perOp('audit.append', N, (i) =>
    store.audit.append({ actor: 'lease', action: 'lease.granted', subject: ids[i]!, data: { provider: 'aws-prod', n: i } }),
  );
  await perOp('transaction {save, update, append}', N, (i) =>
    store.transaction(async (tx) => {
      await tx.workflows.save(ids[i]!, { state, status: 'running', wake_at: i });
      await tx.requests.update(ids[i]!, { status: 'active' });
      await tx.audit.append({ actor: 'lease', action: 'lease.granted', subject: ids[i]!, data: { n: i } });
    }),
  );

  // The floor on this machine: a raw better-sqlite3 autocommit UPDATE of the same table and file.
  const raw = new Database(join(dir, 'lease.db'));
  raw.pragma('synchronous = NORMAL');
  const rawUpdate = raw.prepare('UPDATE requests SET status = ?, updated_at = ? WHERE id = ?');
  await perOp('(raw better-sqlite3 UPDATE)', N, (i) => Promise.resolve(rawUpdate.run('active', new Date().toISOString(), ids[i]!)));
  raw.close();

  const batch = ids.slice(0, CONCURRENT);
  const times: number[] = [];
  const commits = () => (store as { stats?: () => { commits: number } }).stats?.().commits ?? Number.NaN;
  const commitsBefore = commits();
  for (let r = 0; r < ROUNDS; r++) times.push(await concurrentTransactions(store, batch));
  const commitsPerRound = (commits() - commitsBefore) / ROUNDS;
  times.sort((a, b) => a - b);
  console.log(
    `${CONCURRENT} concurrent transactions {save, update, append}: median ${times[Math.floor(ROUNDS / 2)]!.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)}), ${commitsPerRound} commits each`,
  );
  const verification = await store.audit.verify();
  if (!verification.ok) throw new Error(`audit chain broken: ${JSON.stringify(verification)}`);
} finally {
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
