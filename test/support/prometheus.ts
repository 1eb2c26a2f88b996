// A real Prometheus (Debian package `prometheus`) scraping a Lease server's /metrics on
// 127.0.0.1 every second, from a temporary config and data directory; and promtool, which
// checks the text format. Two jobs scrape the same target: one with the right bearer token, one
// with a wrong one (its target must be down).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './lease-process.js';
import { freePort } from './ports.js';
import { stopProcess } from './stop-process.js';

export const PROMETHEUS_HOW_TO_GET = 'install the Debian package `prometheus` (apt-get install prometheus): `node scripts/provision.mjs` as root does it, or set LEASE_PROMETHEUS and LEASE_PROMTOOL';

const prometheusBin = () => process.env.LEASE_PROMETHEUS ?? '/usr/bin/prometheus';
const promtoolBin = () => process.env.LEASE_PROMTOOL ?? '/usr/bin/promtool';

export function prometheusAvailable(): boolean {
  return existsSync(prometheusBin()) && existsSync(promtoolBin());
}

/**
 * `promtool check metrics` over a scrape's text: each problem it reports, one per line. A text
 * format error is a problem too (and is never about a single metric name).
 */
export function promtoolCheckMetrics(text: string): string[] {
  const r = spawnSync(promtoolBin(), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.status === 0) return [];
  const problems = `${r.stdout}${r.stderr}`.split('\n').filter((line) => line.trim() !== '');
  return problems.length > 0 ? problems : [`promtool exited ${r.status}`];
}

export interface TargetHealth {
  job: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface Prometheus {
  url: string;
  targets(): Promise<TargetHealth[]>;
  /** The value of an instant query with one series (job="lease"), or undefined. */
  value(query: string): Promise<number | undefined>;
  /** Waits until job `job`'s target has the given health. */
  waitTarget(job: string, health: 'up' | 'down'): Promise<TargetHealth>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `target` (host:port): job `lease` with `token`, job `lease-wrong-token` with another. */
export async function startPrometheus(target: string, token: string): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-prometheus-'));
  const port = await freePort();
  const job = (name: string, credentials: string) => `  - job_name: ${name}
    metrics_path: /metrics
    authorization:
      type: Bearer
      credentials: ${JSON.stringify(credentials)}
    static_configs:
      - targets: [${JSON.stringify(target)}]
`;
  await writeFile(join(dir, 'prometheus.yml'), `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
${job('lease', token)}${job('lease-wrong-token', `not-${token}`)}`);
  const child = spawn(prometheusBin(), [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcess(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}:\n${output}`);
      const r = await fetch(`${url}/-/ready`).catch(() => undefined);
      return r?.status === 200 ? true : undefined;
    }, 60_000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  const targets = async (): Promise<TargetHealth[]> => {
    const r = await fetch(`${url}/api/v1/targets`);
    const body = (await r.json()) as { data: { activeTargets: Array<{ labels: { job: string }; health: TargetHealth['health']; lastError: string }> } };
    return body.data.activeTargets.map((t) => ({ job: t.labels.job, health: t.health, lastError: t.lastError }));
  };
  return {
    url,
    targets,
    async value(query) {
      const r = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await r.json()) as { data: { result: Array<{ value: [number, string] }> } };
      const first = body.data.result[0];
      return first === undefined ? undefined : Number(first.value[1]);
    },
    waitTarget: (name, health) => waitUntil(`the ${name} target to be ${health}`, async () => (await targets()).find((t) => t.job === name && t.health === health), 60_000, 200),
    stop,
  };
}
