// The chart's manifests are accepted by a real Kubernetes API server (kube-apiserver v1.35, the
// one the kubernetes provider's tests run): each rendered object is created with a server-side
// dry run (`dryRun=All`, what `kubectl apply --dry-run=server` asks) and strict field
// validation, so defaulting, validation and admission run on it and nothing is stored.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { requireDeployTool, runTool } from '../support/deploy-tools.js';
import { startKubeApiServer, type KubeApiServer } from '../support/kube-apiserver.js';
import { ROOT } from '../support/lease-process.js';

const CHART = join(ROOT, 'deploy', 'helm', 'lease');
const NAMESPACE = 'access';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  [field: string]: unknown;
}

/** The collection URL of a kind, from the API server's discovery documents. */
async function collectionPath(kube: KubeApiServer, apiVersion: string, kind: string): Promise<string> {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const discovery = await kube.call<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', base);
  assert.equal(discovery.status, 200, `${apiVersion} is not served`);
  const resource = discovery.body.resources.find((r) => r.kind === kind && !r.name.includes('/'));
  assert.ok(resource, `${apiVersion} has no ${kind}`);
  return resource.namespaced ? `${base}/namespaces/${NAMESPACE}/${resource.name}` : `${base}/${resource.name}`;
}

function render(helm: string, args: string[]): Manifest[] {
  const r = runTool(helm, ['template', 'lease', CHART, '--namespace', NAMESPACE, ...args]);
  assert.equal(r.status, 0, r.stderr);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest).filter((m) => m !== null);
}

describe('Helm chart on a real kube-apiserver', () => {
  it('every object of the default and the production render passes a server-side dry run with strict field validation', { timeout: 300_000 }, async (t) => {
    const helm = requireDeployTool(t, 'helm');
    if (!helm) return;
    const kube = await startKubeApiServer(t);
    if (!kube) return;
    const ns = await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
    assert.equal(ns.status, 201, JSON.stringify(ns.body));

    const renders = { default: render(helm, []), production: render(helm, ['--values', join(CHART, 'ci', 'production-values.yaml')]) };
    for (const [name, manifests] of Object.entries(renders)) {
      const checked: string[] = [];
      for (const manifest of manifests) {
        // The Prometheus Operator's CRD is not installed on a bare API server.
        if (manifest.kind === 'ServiceMonitor') continue;
        const path = await collectionPath(kube, manifest.apiVersion, manifest.kind);
        const created: { status: number; body: { message?: string } } = await kube.call<{ message?: string }>('POST', `${path}?dryRun=All&fieldValidation=Strict`, manifest);
        assert.equal(created.status, 201, `${name}: ${manifest.kind}/${manifest.metadata.name}: ${created.body.message ?? JSON.stringify(created.body)}`);
        checked.push(manifest.kind);
      }
      t.diagnostic(`${name}: accepted ${checked.join(', ')}`);
    }
    // A dry run stores nothing.
    const left = await kube.call<{ items: unknown[] }>('GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`);
    assert.deepEqual(left.body.items, []);

    // The same request refuses what the cluster would refuse: a misspelt field.
    const deployment = renders.default.find((m) => m.kind === 'Deployment')!;
    const broken = structuredClone(deployment) as Manifest & { spec: Record<string, unknown> };
    broken.spec.replica = 2;
    const refused = await kube.call<{ message?: string }>('POST', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments?dryRun=All&fieldValidation=Strict`, broken);
    assert.ok(refused.status >= 400 && refused.status < 500, `status ${refused.status}`);
    assert.match(refused.body.message ?? '', /unknown field "spec.replica"/);
  });
});
