// Builds (once) the command-line tools that check the deployment artefacts under deploy/, from the
// Go module proxy with `go install <module>/<cmd>@<version>`:
// - helm (helm.sh/helm/v4): renders the chart (`helm lint`, `helm template`);
// - kubeconform (github.com/yannh/kubeconform): validates the rendered manifests against schemas;
// - compose-spec (github.com/compose-spec/compose-go/v2 cmd): the Compose Specification loader that
//   `docker compose` itself uses, to validate deploy/compose.yaml (`docker compose config`).
// Binaries are cached OUTSIDE the checkout, keyed by tool and version:
// ${XDG_CACHE_HOME:-~/.cache}/lease/<tool>/<version>/<tool>, with the Go module and build caches
// shared with the kube-apiserver build (${XDG_CACHE_HOME:-~/.cache}/lease/go). A cold build of all
// three takes a few minutes on 2 cores. $LEASE_HELM, $LEASE_KUBECONFORM and $LEASE_COMPOSE_SPEC
// name existing binaries instead. test/support/deploy-tools.ts finds them the same way.
//
//   node scripts/deploy-tools/build.mjs        build what is missing; prints the binaries' paths
//
// Exported for scripts/provision.mjs: provisionDeployTools() → the tools that could not be built.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KUBERNETES_VERSION } from '../kube-apiserver/build.mjs';

/** Keep in step with test/support/deploy-tools.ts. */
export const DEPLOY_TOOLS = [
  { name: 'helm', env: 'LEASE_HELM', module: 'helm.sh/helm/v4/cmd/helm', version: 'v4.3.2', check: ['version', '--short'] },
  { name: 'kubeconform', env: 'LEASE_KUBECONFORM', module: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.8.0', check: ['-v'] },
  { name: 'compose-spec', env: 'LEASE_COMPOSE_SPEC', module: 'github.com/compose-spec/compose-go/v2/cmd', binary: 'cmd', version: 'v2.16.2', check: ['-h'] },
];

function leaseCacheDir() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lease');
}

export function deployToolPath(tool) {
  if (process.env[tool.env]) return process.env[tool.env];
  return join(leaseCacheDir(), tool.name, tool.version, tool.name);
}

function works(tool, path) {
  // `compose-spec -h` prints its usage and exits 0 (flag.ErrHelp → exit 0 is not promised), so
  // only the binary's presence and executability are judged for it.
  if (!existsSync(path)) return false;
  const res = spawnSync(path, tool.check, { stdio: 'ignore', timeout: 30_000 });
  return res.error === undefined && (res.status === 0 || tool.name === 'compose-spec');
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function build(tool) {
  const dir = join(leaseCacheDir(), tool.name, tool.version);
  const bin = join(dir, 'bin');
  const go = join(leaseCacheDir(), 'go');
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  console.log(`provision: building ${tool.name} (${tool.module}@${tool.version}) into ${dir}`);
  const res = spawnSync('go', ['install', '-trimpath', '-ldflags=-s -w', `${tool.module}@${tool.version}`], {
    stdio: 'inherit',
    env: {
      ...process.env,
      GOBIN: bin,
      GOPATH: join(go, 'path'),
      GOMODCACHE: join(go, 'mod'),
      GOCACHE: join(go, 'build'),
      GOFLAGS: '',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    },
  });
  const built = join(bin, tool.binary ?? tool.name);
  if (res.status !== 0 || !works(tool, built)) return false;
  renameSync(built, join(dir, tool.name));
  rmSync(bin, { recursive: true, force: true });
  return true;
}

/** The Kubernetes OpenAPI document the chart's manifests are validated against (test/support/kube-schemas.ts). */
export function kubernetesOpenApiPath() {
  return join(leaseCacheDir(), 'go', 'mod', `k8s.io/kubernetes@${KUBERNETES_VERSION}`, 'api', 'openapi-spec', 'swagger.json');
}

/** Downloads the k8s.io/kubernetes module (already there when kube-apiserver was built here). */
function provisionKubernetesOpenApi() {
  if (existsSync(kubernetesOpenApiPath())) return true;
  if (!has('go')) return false;
  const go = join(leaseCacheDir(), 'go');
  console.log(`provision: downloading k8s.io/kubernetes@${KUBERNETES_VERSION} (its OpenAPI document) into ${go}`);
  spawnSync('go', ['mod', 'download', `k8s.io/kubernetes@${KUBERNETES_VERSION}`], {
    stdio: 'inherit',
    cwd: leaseCacheDir(),
    env: { ...process.env, GOPATH: join(go, 'path'), GOMODCACHE: join(go, 'mod'), GOCACHE: join(go, 'build'), GOFLAGS: '', GOTOOLCHAIN: 'local' },
  });
  return existsSync(kubernetesOpenApiPath());
}

export function provisionDeployTools() {
  const missing = [];
  if (!provisionKubernetesOpenApi()) missing.push({ name: `the Kubernetes ${KUBERNETES_VERSION} OpenAPI document (go mod download k8s.io/kubernetes@${KUBERNETES_VERSION})` });
  for (const tool of DEPLOY_TOOLS) {
    const target = deployToolPath(tool);
    if (works(tool, target)) continue;
    if (process.env[tool.env]) {
      console.error(`provision: ${tool.env}=${target} is not a working ${tool.name}`);
      missing.push(tool);
      continue;
    }
    if (!has('go') || !build(tool)) missing.push(tool);
  }
  return missing;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const missing = provisionDeployTools();
  for (const tool of DEPLOY_TOOLS) console.log(`${tool.name}: ${deployToolPath(tool)}${missing.includes(tool) ? ' (missing)' : ''}`);
  console.log(`Kubernetes OpenAPI: ${kubernetesOpenApiPath()}`);
  if (missing.length) process.exit(1);
}
