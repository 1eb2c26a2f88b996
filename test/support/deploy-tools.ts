// The tools that check the deployment artefacts under deploy/ (built by scripts/provision.mjs
// from the Go module proxy into ${XDG_CACHE_HOME:-~/.cache}/lease/<tool>/<version>/, or named
// by $LEASE_HELM, $LEASE_KUBECONFORM, $LEASE_COMPOSE_SPEC), and the Kubernetes OpenAPI document
// the manifests are validated against (k8s.io/kubernetes's api/openapi-spec/swagger.json, the
// module the kube-apiserver build downloads).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { KUBERNETES_VERSION } from './kube-apiserver.js';
import { requireComponent } from './require-component.js';

/** Keep in step with scripts/deploy-tools/build.mjs. */
const TOOLS = {
  helm: { env: 'LEASE_HELM', version: 'v4.3.2' },
  kubeconform: { env: 'LEASE_KUBECONFORM', version: 'v0.8.0' },
  'compose-spec': { env: 'LEASE_COMPOSE_SPEC', version: 'v2.16.2' },
} as const;
export type DeployTool = keyof typeof TOOLS;

const HOW_TO_GET =
  'run `node scripts/provision.mjs` (builds helm, kubeconform and the compose-spec loader from the Go module proxy into ~/.cache/lease, a few minutes the first time; needs the Go toolchain)';

export function leaseCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lease');
}

export function deployToolPath(tool: DeployTool): string {
  const { env, version } = TOOLS[tool];
  return process.env[env] || join(leaseCacheDir(), tool, version, tool);
}

/** The tool's path, or undefined when it is missing (the test was skipped, or failed under CI=true). */
export function requireDeployTool(t: TestContext, tool: DeployTool): string | undefined {
  const path = deployToolPath(tool);
  return requireComponent(t, `${tool} ${TOOLS[tool].version}`, existsSync(path), HOW_TO_GET) ? path : undefined;
}

export function kubernetesOpenApiPath(): string {
  return join(leaseCacheDir(), 'go', 'mod', `k8s.io/kubernetes@${KUBERNETES_VERSION}`, 'api', 'openapi-spec', 'swagger.json');
}

export function requireKubernetesOpenApi(t: TestContext): string | undefined {
  const path = kubernetesOpenApiPath();
  return requireComponent(t, `the Kubernetes ${KUBERNETES_VERSION} OpenAPI document`, existsSync(path), 'run `node scripts/provision.mjs` (downloads the k8s.io/kubernetes module from the Go module proxy)') ? path : undefined;
}

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (they are quick; a busy machine gets two minutes). */
export function runTool(path: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): ToolResult {
  const res = spawnSync(path, args, {
    encoding: 'utf8',
    timeout: 120_000,
    cwd: options.cwd,
    env: { ...process.env, HELM_CACHE_HOME: join(leaseCacheDir(), 'helm-home', 'cache'), HELM_CONFIG_HOME: join(leaseCacheDir(), 'helm-home', 'config'), HELM_DATA_HOME: join(leaseCacheDir(), 'helm-home', 'data'), ...options.env },
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
