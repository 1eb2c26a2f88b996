// Builds (once) the kube-apiserver the kubernetes provider's tests run against, from the Go module
// proxy: `go build k8s.io/kubernetes/cmd/kube-apiserver` with scripts/kube-apiserver/go.mod.
// The binary is cached OUTSIDE the checkout, keyed by version (a cold build takes 8–25 minutes
// on 2 cores): ${XDG_CACHE_HOME:-~/.cache}/lease/kube-apiserver/<version>/kube-apiserver, with the
// Go module and build caches beside it (${XDG_CACHE_HOME:-~/.cache}/lease/go). $LEASE_KUBE_APISERVER
// names an existing binary instead. test/support/kube-apiserver.ts finds it the same way.
//
//   node scripts/kube-apiserver/build.mjs        build when missing; prints the binary's path
//
// Exported for scripts/provision.mjs: provisionKubeApiserver() → true when a binary is ready.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KUBERNETES_VERSION = 'v1.35.4';

const here = new URL('.', import.meta.url).pathname;

export function leaseCacheDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lease');
}

export function kubeApiserverPath() {
  if (process.env.LEASE_KUBE_APISERVER) return process.env.LEASE_KUBE_APISERVER;
  return join(leaseCacheDir(), 'kube-apiserver', KUBERNETES_VERSION, 'kube-apiserver');
}

function works(path) {
  return existsSync(path) && spawnSync(path, ['--version'], { stdio: 'ignore' }).status === 0;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function provisionKubeApiserver() {
  const target = kubeApiserverPath();
  if (works(target)) return true;
  if (process.env.LEASE_KUBE_APISERVER) {
    console.error(`provision: LEASE_KUBE_APISERVER=${target} is not a working kube-apiserver`);
    return false;
  }
  if (!has('go')) return false;
  const dir = join(leaseCacheDir(), 'kube-apiserver', KUBERNETES_VERSION);
  const work = join(dir, 'build');
  const go = join(leaseCacheDir(), 'go');
  mkdirSync(work, { recursive: true });
  copyFileSync(join(here, 'go.mod'), join(work, 'go.mod'));
  console.log(
    `provision: building kube-apiserver (k8s.io/kubernetes ${KUBERNETES_VERSION}) into ${dir}; ` +
      'a cold build takes 8–25 minutes on 2 cores (the Go module and build caches are kept in ' +
      `${go}, so a second build is quick)`,
  );
  const started = Date.now();
  const partial = join(dir, 'kube-apiserver.partial');
  const res = spawnSync(
    'go',
    ['build', '-mod=mod', '-trimpath', '-ldflags=-s -w', '-o', partial, 'k8s.io/kubernetes/cmd/kube-apiserver'],
    {
      cwd: work,
      stdio: 'inherit',
      env: {
        ...process.env,
        GOPATH: join(go, 'path'),
        GOMODCACHE: join(go, 'mod'),
        GOCACHE: join(go, 'build'),
        GOFLAGS: '',
        GOTOOLCHAIN: 'local',
        CGO_ENABLED: '0',
      },
    },
  );
  if (res.status !== 0 || !works(partial)) {
    rmSync(partial, { force: true });
    return false;
  }
  renameSync(partial, target);
  console.log(`provision: kube-apiserver built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!provisionKubeApiserver()) {
    console.error('kube-apiserver: build failed (needs the Go toolchain and the Go module proxy)');
    process.exit(1);
  }
  console.log(kubeApiserverPath());
}
