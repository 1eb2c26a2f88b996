// `npm run bench` (after the build): for each bench/providers/<type>.mjs, grant and revoke
// latency (p50/p99 over --leases, default 50, one call at a time) against that provider's test
// target, and the time of one full reconciliation round (reconcileGrants, what the server's
// Reconciler runs every 5 minutes: both listings of the target and every store read) over
// --reconcile active leases (default 1,000) recorded in a real SQLite store.
//
// A bench/providers/<type>.mjs exports `async function setUp()` returning
// `{ name, factory, config, configDir, identity(i), role, stop() }`; `factory` comes from
// dist/providers/<type>/index.js, `config` is the provider's `config:` block, `identity(i)` the
// requester of lease i and `role` the GrantRole granted. `--only=<name>` runs one of them.
// Optionally `extra(access, input, n)` times other calls: it returns `{ <what>: [ms, ...] }`.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newId, silentLogger, systemClock, toIso } from '../dist/core/index.js';
import { openSqliteStore } from '../dist/store/index.js';
import { reconcileGrants } from '../dist/server/services/reconcile.js';

const option = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const LEASES = Number(option('leases', 50));
const RECONCILE_N = Number(option('reconcile', 1000));
/** Calls at once while setting up (and tearing down) the leases of the reconciliation round. */
const CONCURRENCY = Number(option('concurrency', 8));
const ONLY = option('only', undefined);
const LEASE_MS = 60 * 60 * 1000;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const ms = (n) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

async function inPool(items, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      await fn(item);
    }
  }));
}

async function benchProvider(file) {
  const bench = await (await import(file)).setUp();
  const dataDir = await mkdtemp(join(tmpdir(), `lease-bench-${bench.name}-`));
  try {
    const config = bench.factory.configSchema.parse(bench.config);
    const instance = bench.factory.create({ id: `bench-${bench.name}`, name: bench.name, enabled: true, config, deps: { dataDir, configDir: bench.configDir, logger: silentLogger } });
    const access = instance.access;
    if (!access) throw new Error(`${bench.name}: the factory made no access provider`);
    const input = (i) => ({ requestId: newId('req'), identity: bench.identity(i), role: bench.role, expiresAt: toIso(Date.now() + LEASE_MS) });

    // Latency: one lease at a time, so each figure is one call's.
    const grants = [];
    const revokes = [];
    const records = [];
    for (let i = 0; i < LEASES; i++) {
      const t0 = performance.now();
      records.push(await access.grant(input(i)));
      grants.push(performance.now() - t0);
    }
    for (const record of records) {
      const t0 = performance.now();
      await access.revoke(record);
      revokes.push(performance.now() - t0);
    }
    grants.sort((a, b) => a - b);
    revokes.sort((a, b) => a - b);
    const extra = Object.entries(bench.extra ? await bench.extra(access, input, LEASES) : {}).map(([what, times]) => {
      const sorted = [...times].sort((a, b) => a - b);
      return `${what} p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}`;
    });

    // Reconciliation: RECONCILE_N active leases on the target and in the store.
    const store = await openSqliteStore({ file: join(dataDir, 'lease.db'), clock: systemClock });
    const leases = Array.from({ length: RECONCILE_N }, (_, i) => input(i));
    const t0 = performance.now();
    await inPool(leases, async (lease) => {
      const record = await access.grant(lease);
      const now = toIso(Date.now());
      await store.transaction(async (tx) => {
        await tx.requests.insert({
          id: lease.requestId, identity: lease.identity, role: bench.role.id, provider: instance.id, workflow: null, reason: 'bench',
          duration_ms: LEASE_MS, status: 'active', created_at: now, updated_at: now, granted_at: now, expires_at: lease.expiresAt, ended_at: null, outcome: null,
        });
        await tx.grants.upsert({ request_id: lease.requestId, provider: instance.id, record, granted_at: now });
      });
    });
    const setUpMs = performance.now() - t0;
    const r0 = performance.now();
    const report = await reconcileGrants({ store, providers: new Map([[instance.id, instance]]), logger: silentLogger, clock: systemClock });
    const reconcileMs = performance.now() - r0;
    const drift = report.revoked.length + report.missing.length;
    await inPool(leases, async (lease) => access.revoke((await store.grants.get(lease.requestId, instance.id)).record));
    await store.close();
    if (report.checked !== RECONCILE_N || drift !== 0) throw new Error(`${bench.name}: the reconciliation saw ${report.checked} grants and ${drift} drift (expected ${RECONCILE_N} and 0)`);
    return {
      provider: bench.name,
      grant: `p50 ${ms(percentile(grants, 50))}, p99 ${ms(percentile(grants, 99))}`,
      revoke: `p50 ${ms(percentile(revokes, 50))}, p99 ${ms(percentile(revokes, 99))}`,
      extra,
      reconcile: `${ms(reconcileMs)} for ${RECONCILE_N} active leases (${ms(setUpMs)} to grant them, ${CONCURRENCY} at a time)`,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await bench.stop();
  }
}

const dir = new URL('./providers/', import.meta.url);
const files = (await readdir(dir)).filter((f) => f.endsWith('.mjs') && (!ONLY || f === `${ONLY}.mjs`)).sort();
if (files.length === 0) throw new Error(`no bench/providers/*.mjs${ONLY ? ` named ${ONLY}` : ''}`);
console.log(`providers: grant/revoke latency over ${LEASES} leases, one at a time; one reconciliation round over ${RECONCILE_N} active leases`);
for (const file of files) {
  const result = await benchProvider(new URL(file, dir).href);
  console.log(`  ${result.provider}: grant ${result.grant}; revoke ${result.revoke}`);
  for (const line of result.extra) console.log(`  ${result.provider}: ${line}`);
  console.log(`  ${result.provider}: reconcile ${result.reconcile}`);
}
