// Builds (once) the OpenTelemetry Collector the tracing tests run: ocb (the collector builder,
// from the Go module proxy) turns manifest.yaml into a collector with an OTLP receiver and a
// file exporter. Cached OUTSIDE the checkout, keyed by the collector release (a cold build
// takes about 3–6 minutes on 2 cores): ${XDG_CACHE_HOME:-~/.cache}/lease/otelcol-<version>/otelcol-lease,
// with the Go module and build caches shared with the other Go builds (…/lease/go).
// $LEASE_OTELCOL names an existing collector binary instead. test/support/otel-collector.ts
// finds it the same way.
//
//   node scripts/otel-collector/build.mjs        build when missing; prints the binary's path
//
// Exported for scripts/provision.mjs: provisionOtelCollector() → true when a binary is ready.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The collector release: ocb's version and the core modules' in manifest.yaml. */
export const OTELCOL_VERSION = 'v0.165.0';

const here = new URL('.', import.meta.url).pathname;

function leaseCacheDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lease');
}

export function otelCollectorPath() {
  if (process.env.LEASE_OTELCOL) return process.env.LEASE_OTELCOL;
  return join(leaseCacheDir(), `otelcol-${OTELCOL_VERSION}`, 'otelcol-lease');
}

function works(path) {
  return existsSync(path) && spawnSync(path, ['components'], { stdio: 'ignore' }).status === 0;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function provisionOtelCollector() {
  const target = otelCollectorPath();
  if (works(target)) return true;
  if (process.env.LEASE_OTELCOL) {
    console.error(`provision: LEASE_OTELCOL=${target} is not a working OpenTelemetry Collector`);
    return false;
  }
  if (!has('go')) return false;
  const dir = join(leaseCacheDir(), `otelcol-${OTELCOL_VERSION}`);
  const go = join(leaseCacheDir(), 'go');
  const env = {
    ...process.env,
    GOPATH: join(go, 'path'),
    GOMODCACHE: join(go, 'mod'),
    GOCACHE: join(go, 'build'),
    GOBIN: dir,
    GOFLAGS: '',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
  };
  mkdirSync(dir, { recursive: true });
  console.log(`provision: building the OpenTelemetry Collector (ocb ${OTELCOL_VERSION}) into ${dir}; a cold build takes 3–6 minutes on 2 cores`);
  const started = Date.now();
  const builder = join(dir, 'builder');
  if (!existsSync(builder)) {
    const install = spawnSync('go', ['install', `go.opentelemetry.io/collector/cmd/builder@${OTELCOL_VERSION}`], { stdio: 'inherit', env });
    if (install.status !== 0 || !existsSync(builder)) return false;
  }
  const work = join(dir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  copyFileSync(join(here, 'manifest.yaml'), join(work, 'manifest.yaml'));
  const build = spawnSync(builder, ['--config', 'manifest.yaml', '--ldflags=-s -w'], { cwd: work, stdio: 'inherit', env });
  const built = join(work, 'build', 'otelcol-lease');
  if (build.status !== 0 || !works(built)) return false;
  renameSync(built, target);
  rmSync(work, { recursive: true, force: true });
  console.log(`provision: OpenTelemetry Collector built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!provisionOtelCollector()) {
    console.error('OpenTelemetry Collector: build failed (needs the Go toolchain and the Go module proxy)');
    process.exit(1);
  }
  console.log(otelCollectorPath());
}
