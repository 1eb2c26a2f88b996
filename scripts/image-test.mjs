// The image test (`npm run test:deploy`): builds the Dockerfile with a real dockerd and runs the
// image until its HEALTHCHECK says healthy, then stops it with SIGTERM. Not part of `npm test`:
// it takes minutes and, with the vfs storage driver, gigabytes (all removed at the end).
// - dockerd, debootstrap: Debian packages `docker.io`, `debootstrap` (installed here as root).
// - No registry is reachable, so the base image is made locally: a Debian bookworm rootfs
//   (debootstrap from Debian's archive, with python3, make and g++ for better-sqlite3) plus this
//   machine's Node (binary, headers and npm under /usr/local, where the official node images keep
//   them), cached in ${XDG_CACHE_HOME:-~/.cache}/lease/image-base/, imported with `docker import`
//   and passed to the Dockerfile as BUILD_IMAGE and RUNTIME_IMAGE.
// - dockerd runs with its own data root in a temp dir, --storage-driver=vfs --bridge=none
//   --iptables=false; builds and the container use the host network.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, renameSync, cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lease', 'image-base');
const nodeVersion = process.version;
const baseTar = join(cache, `bookworm-node-${nodeVersion}-3.tar`);
const started = Date.now();
const log = (message) => console.log(`image-test [${Math.round((Date.now() - started) / 1000)} s]: ${message}`);

function sh(command, args, options = {}) {
  const res = spawnSync(command, args, { stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', ...options });
  if (res.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${res.status}`);
  return res.stdout ?? '';
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

if (process.getuid?.() !== 0) throw new Error('the image test runs dockerd: run it as root');
for (const [cmd, pkg] of [['dockerd', 'docker.io'], ['debootstrap', 'debootstrap']]) {
  if (!has(cmd)) {
    log(`installing ${pkg} (Debian package)`);
    sh('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

if (!existsSync(baseTar)) {
  log(`making the base rootfs (Debian bookworm + Node ${nodeVersion}) into ${baseTar}`);
  mkdirSync(cache, { recursive: true });
  const rootfs = mkdtempSync(join(cache, 'rootfs-'));
  // mkdtemp makes it 0700, and the tarball's "./" would carry that to the image's "/": nobody but
  // root could then reach /usr/local/bin/node (the container's user 10001 got "node: not found").
  chmodSync(rootfs, 0o755);
  try {
    sh('debootstrap', ['--variant=minbase', '--include=python3,make,g++,ca-certificates', 'bookworm', rootfs, 'http://deb.debian.org/debian']);
    const node = process.execPath;
    const prefix = join(node, '..', '..');
    cpSync(node, join(rootfs, 'usr/local/bin/node'));
    cpSync(join(prefix, 'include', 'node'), join(rootfs, 'usr/local/include/node'), { recursive: true });
    cpSync(join(prefix, 'lib', 'node_modules', 'npm'), join(rootfs, 'usr/local/lib/node_modules/npm'), { recursive: true });
    sh('ln', ['-sf', '../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr/local/bin/npm')]);
    // This machine's trust store (its way to the npm registry may pass a TLS proxy with its own
    // CA) and npm told to use it, as the machine's own npm is; the Dockerfile is unchanged.
    cpSync('/etc/ssl/certs/ca-certificates.crt', join(rootfs, 'etc/ssl/certs/ca-certificates.crt'));
    mkdirSync(join(rootfs, 'usr/local/etc'), { recursive: true });
    writeFileSync(join(rootfs, 'usr/local/etc/npmrc'), 'cafile=/etc/ssl/certs/ca-certificates.crt\n');
    sh('chroot', [rootfs, 'apt-get', 'clean']);
    rmSync(join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    sh('tar', ['-C', rootfs, '-cf', `${baseTar}.partial`, '.']);
    renameSync(`${baseTar}.partial`, baseTar);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

const work = mkdtempSync(join(tmpdir(), 'lease-image-'));
const socket = `unix://${work}/docker.sock`;
const docker = (args, options) => sh('docker', ['--host', socket, ...args], options);
log(`starting dockerd (data root ${work}/data)`);
const daemon = spawn('dockerd', [
  '--host', socket, '--data-root', join(work, 'data'), '--exec-root', join(work, 'exec'), '--pidfile', join(work, 'dockerd.pid'),
  '--storage-driver=vfs', '--bridge=none', '--iptables=false', '--ip6tables=false',
], { stdio: ['ignore', 'ignore', 'pipe'] });
let daemonLog = '';
daemon.stderr.on('data', (chunk) => (daemonLog = (daemonLog + chunk).slice(-8000)));

async function waitFor(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

let failed = false;
try {
  await waitFor('dockerd', () => spawnSync('docker', ['--host', socket, 'info'], { stdio: 'ignore' }).status === 0, 120_000);
  // An imported tarball has no image config: give it the PATH the official node images set.
  docker(['import', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', baseTar, 'lease-test-base:local']);
  log('building the image');
  docker(['build', '--network', 'host', '--build-arg', 'BUILD_IMAGE=lease-test-base:local', '--build-arg', 'RUNTIME_IMAGE=lease-test-base:local', '-t', 'lease:test', root], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  const user = docker(['image', 'inspect', '--format', '{{.Config.User}}', 'lease:test'], { capture: true }).trim();
  if (user !== '10001:10001') throw new Error(`the image runs as "${user}", not 10001:10001`);

  const config = join(work, 'config');
  mkdirSync(config);
  writeFileSync(join(config, 'server.yaml'), 'version: "1.0"\nserver:\n  session_ttl: 1h\nlogging:\n  level: info\n');
  const port = await freePort();
  log(`running it read-only on 127.0.0.1:${port}`);
  const id = docker(['run', '-d', '--network', 'host', '--read-only', '--tmpfs', '/tmp', '-v', `${config}:/etc/lease:ro`, '-v', 'lease-data:/var/lib/lease', '-e', 'LEASE_HOST=127.0.0.1', '-e', `LEASE_PORT=${port}`, 'lease:test'], { capture: true }).trim();
  await waitFor('a healthy container', () => docker(['inspect', '--format', '{{.State.Health.Status}}', id], { capture: true }).trim() === 'healthy', 240_000);
  const ready = await fetch(`http://127.0.0.1:${port}/ready`);
  if (ready.status !== 200) throw new Error(`/ready answered ${ready.status}`);
  log('healthy; /ready answers 200; stopping it with SIGTERM');
  docker(['stop', '-t', '15', id]);
  const exit = docker(['inspect', '--format', '{{.State.ExitCode}}', id], { capture: true }).trim();
  if (exit !== '0') throw new Error(`the server exited ${exit} on SIGTERM`);
  docker(['logs', id]);
  log('passed: built, healthy, stopped cleanly');
} catch (err) {
  failed = true;
  console.error(`image-test: FAILED: ${err instanceof Error ? err.message : String(err)}\n--- dockerd (last lines) ---\n${daemonLog}`);
} finally {
  daemon.kill('SIGTERM');
  await new Promise((resolve) => daemon.once('exit', resolve));
  // dockerd leaves its network namespace mounted in the exec root.
  spawnSync('umount', [join(work, 'exec', 'netns', 'default')], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
