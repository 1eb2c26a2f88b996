// `npm run bench`: what tracing costs on the request path. Runs `lease server` (embedded engine,
// SQLite, sudo provider in a temp dir) with server.tracing off, then on, sending every span (ratio
// 1) to a real OpenTelemetry Collector (the ocb build scripts/provision.mjs makes), and prints
// request→active latency (sequential) and requests/s granted (concurrent clients) for each, and
// the difference. Everything goes through the public HTTP API of a real server process.
//   node bench/tracing.mjs [--latency=300] [--throughput=2000] [--concurrency=16]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otelCollectorPath } from '../scripts/otel-collector/build.mjs';
import { fmt, loginBenchUser, measureRequestToActive, percentile, pool, requestClient, writeRequestBenchConfig } from './request-load.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const LATENCY_N = arg('latency', 300);
const THROUGHPUT_N = arg('throughput', 2000);
const CONCURRENCY = arg('concurrency', 16);
const WARMUP_N = 30;

const collectorBin = otelCollectorPath();
if (!existsSync(collectorBin)) {
  console.error(`bench/tracing: no OpenTelemetry Collector at ${collectorBin}: run node scripts/provision.mjs`);
  process.exit(1);
}

const dir = await mkdtemp(join(tmpdir(), 'lease-bench-tracing-'));
const password = 'bench-password';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function waitForOutput(child, stream, pattern, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    child[stream].on('data', (d) => {
      out += d;
      const m = pattern.exec(out);
      if (m) resolve(m[1] ?? m[0]);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited ${code}:\n${out}`)));
  });
}

const stop = (child) => {
  if (child.exitCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  return new Promise((r) => child.once('exit', r));
};

async function startCollector() {
  const port = await freePort();
  const config = join(dir, 'otelcol.yaml');
  await writeFile(config, `receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  file:
    path: ${JSON.stringify(join(dir, 'spans.jsonl'))}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`);
  const child = spawn(collectorBin, ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForOutput(child, 'stderr', /Everything is ready/, 'the collector');
  return { child, endpoint: `http://127.0.0.1:${port}` };
}

/** One server run: warm-up, sequential request→active latencies, then concurrent throughput (all granted). */
async function measure(label, tracing) {
  const runDir = join(dir, label);
  const configDir = await writeRequestBenchConfig(runDir, password);
  await writeFile(join(configDir, 'server.yaml'), `version: "1.0"\nserver:\n  tracing: ${tracing}\n`);
  const child = spawn(process.execPath, [join(ROOT, 'bin/lease.js'), 'server', '--config', configDir, '--data', join(runDir, 'data'), '--port', '0'], {
    env: { ...process.env, LEASE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await waitForOutput(child, 'stdout', /listening on (http:\/\/\S+)/, 'lease server');
    const client = requestClient(url, await loginBenchUser(url, password));
    const requestActive = async () => {
      const created = await client.createRequest('1h');
      const r = created.status === 'active' ? created : await client.getRequest(created.id, '?until=active,failed,denied&timeout=30');
      if (r.status !== 'active') throw new Error(`request ${r.id} ${r.status}`);
    };
    await measureRequestToActive([client], WARMUP_N);
    const { observed: latencies } = await measureRequestToActive([client], LATENCY_N);
    const t0 = performance.now();
    await pool(THROUGHPUT_N, CONCURRENCY, requestActive);
    const perSecond = THROUGHPUT_N / ((performance.now() - t0) / 1000);
    client.close();
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond };
  } finally {
    await stop(child);
  }
}

let collector;
try {
  collector = await startCollector();
  const off = await measure('off', '{ enabled: false }');
  const on = await measure('on', `{ enabled: true, endpoint: ${JSON.stringify(collector.endpoint)}, sample_ratio: 1 }`);
  const spans = (await readFile(join(dir, 'spans.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const diff = (a, b) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)} %`;
  console.log(`\nTracing overhead (embedded runtime, SQLite, sudo provider; every span sent to a local OpenTelemetry Collector; node ${process.version})`);
  console.log(`request → active p50   off ${fmt(off.p50)}   on ${fmt(on.p50)}   ${diff(off.p50, on.p50)}   (n=${LATENCY_N}, sequential)`);
  console.log(`request → active p99   off ${fmt(off.p99)}   on ${fmt(on.p99)}   ${diff(off.p99, on.p99)}`);
  console.log(`granted requests/s     off ${off.perSecond.toFixed(0)}   on ${on.perSecond.toFixed(0)}   ${diff(off.perSecond, on.perSecond)}   (n=${THROUGHPUT_N}, ${CONCURRENCY} concurrent clients)`);
  console.log(`(${spans} export batches reached the collector)`);
} finally {
  if (collector) await stop(collector.child);
  await rm(dir, { recursive: true, force: true });
}
