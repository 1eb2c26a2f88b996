// The Helm chart (deploy/helm/lease) renders, passes `helm lint`, validates strictly against the
// Kubernetes API's own schemas (kubeconform), refuses settings that cannot work, and writes a
// configuration that Lease itself accepts.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { requireDeployTool, requireKubernetesOpenApi, runTool } from '../support/deploy-tools.js';
import { writeKubeconformSchemas } from '../support/kube-schemas.js';
import { ROOT, runLease } from '../support/lease-process.js';

const CHART = join(ROOT, 'deploy', 'helm', 'lease');
const PRODUCTION = join(CHART, 'ci', 'production-values.yaml');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are read field by field, as the assertions say
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec?: any; data?: Record<string, string> };

function helmTemplate(helm: string, args: string[]): { status: number | null; manifests: Manifest[]; stdout: string; stderr: string } {
  const r = runTool(helm, ['template', 'lease', CHART, '--namespace', 'access', ...args]);
  const manifests = r.status === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest).filter((m) => m !== null) : [];
  return { ...r, manifests };
}

function render(t: TestContext, helm: string, args: string[]): Manifest[] {
  const r = helmTemplate(helm, args);
  assert.equal(r.status, 0, `helm template ${args.join(' ')} failed:\n${r.stderr}`);
  t.diagnostic(`rendered ${r.manifests.map((m) => m.kind).join(', ')}`);
  return r.manifests;
}

function find(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.find((m) => m.kind === kind);
  assert.ok(found, `no ${kind} rendered`);
  return found;
}

describe('Helm chart', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lease-helm-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('passes helm lint with the default and the production values', (t) => {
    const helm = requireDeployTool(t, 'helm');
    if (!helm) return;
    for (const args of [[], ['--values', PRODUCTION]]) {
      const r = runTool(helm, ['lint', '--strict', CHART, ...args]);
      assert.equal(r.status, 0, `helm lint ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
    }
  });

  it('renders one hardened server by default: SQLite on a volume, embedded engine, Recreate', (t) => {
    const helm = requireDeployTool(t, 'helm');
    if (!helm) return;
    const manifests = render(t, helm, []);
    assert.deepEqual(manifests.map((m) => m.kind).sort(), ['ConfigMap', 'Deployment', 'NetworkPolicy', 'PersistentVolumeClaim', 'Service', 'ServiceAccount']);
    const deployment = find(manifests, 'Deployment');
    assert.equal(deployment.spec.replicas, 1);
    assert.equal(deployment.spec.strategy.type, 'Recreate');
    const pod = deployment.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.automountServiceAccountToken, false);
    const [container] = pod.containers;
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
    assert.equal(container.livenessProbe.httpGet.path, '/health');
    assert.equal(container.readinessProbe.httpGet.path, '/ready');
    assert.ok(container.resources.limits.memory);
    assert.deepEqual(container.volumeMounts.map((v: { mountPath: string }) => v.mountPath).sort(), ['/etc/lease', '/tmp', '/var/lib/lease']);
    assert.match(deployment.spec.template.metadata.annotations['checksum/config'], /^[0-9a-f]{64}$/);
  });

  it('renders the production set-up: 3 replicas, Temporal, PostgreSQL from a Secret, shared keys, PDB, Ingress with TLS', (t) => {
    const helm = requireDeployTool(t, 'helm');
    if (!helm) return;
    const manifests = render(t, helm, ['--values', PRODUCTION]);
    const deployment = find(manifests, 'Deployment');
    assert.equal(deployment.spec.replicas, 3);
    assert.equal(deployment.spec.strategy.type, 'RollingUpdate');
    const pod = deployment.spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: { name: string }) => [e.name, e]));
    assert.deepEqual(env.LEASE_STORE_URL.valueFrom.secretKeyRef, { name: 'lease-postgres', key: 'url' });
    assert.deepEqual(env.OIDC_CLIENT_SECRET.valueFrom.secretKeyRef, { name: 'lease-oidc', key: 'client-secret' });
    assert.equal(pod.initContainers[0].name, 'keys', 'the keys are copied from their Secret');
    assert.equal(pod.volumes.find((v: { name: string }) => v.name === 'keys').secret.secretName, 'lease-keys');
    assert.ok(pod.volumes.find((v: { name: string }) => v.name === 'data').emptyDir);
    assert.equal(find(manifests, 'PodDisruptionBudget').spec.maxUnavailable, 1);
    assert.equal(find(manifests, 'Ingress').spec.tls[0].secretName, 'lease-tls');
    assert.equal(find(manifests, 'ServiceMonitor').spec.endpoints[0].path, '/metrics');
    const policy = find(manifests, 'NetworkPolicy');
    assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
    const egressPorts = policy.spec.egress.flatMap((rule: { ports: Array<{ port: number }> }) => rule.ports.map((p) => p.port));
    assert.deepEqual(egressPorts, [53, 53, 5432, 7233, 443]);
    const server = find(manifests, 'ConfigMap').data!['server.yaml']!;
    assert.match(server, /engine: temporal/);
    assert.match(server, /url: \$\{LEASE_STORE_URL\}/, 'the store URL is a reference, never the secret');
  });

  it('refuses settings that cannot work, saying what to change', (t) => {
    const helm = requireDeployTool(t, 'helm');
    if (!helm) return;
    const cases: Array<[string[], RegExp]> = [
      [['--set', 'replicaCount=2'], /replicaCount > 1 needs engine: temporal/],
      [['--set', 'replicaCount=2', '--set', 'engine=temporal', '--set', 'temporal.address=t:7233'], /replicaCount > 1 needs store.type: postgres/],
      [['--values', PRODUCTION, '--set', 'keys.existingSecret='], /needs keys.existingSecret/],
      [['--values', PRODUCTION, '--set', 'persistence.enabled=true'], /needs persistence.enabled: false/],
      [['--set', 'engine=temporal'], /needs temporal.address/],
      [['--set', 'store.type=postgres'], /needs store.postgres.existingSecret/],
      [['--set', 'engine=temporl'], /engine: expected embedded or temporal/],
    ];
    for (const [args, message] of cases) {
      const r = helmTemplate(helm, args);
      assert.notEqual(r.status, 0, `${args.join(' ')} rendered`);
      assert.match(r.stderr, message);
    }
  });

  it('rolls the pods when the configuration changes', (t) => {
    const helm = requireDeployTool(t, 'helm');
    if (!helm) return;
    const checksum = (args: string[]) => find(render(t, helm, args), 'Deployment').spec.template.metadata.annotations['checksum/config'];
    assert.notEqual(checksum([]), checksum(['--set', 'config.server.session_ttl=2h']));
  });

  it('validates strictly against the Kubernetes API schemas (kubeconform)', async (t) => {
    const helm = requireDeployTool(t, 'helm');
    const kubeconform = requireDeployTool(t, 'kubeconform');
    const openApi = requireKubernetesOpenApi(t);
    if (!helm || !kubeconform || !openApi) return;
    const schemas = join(dir, 'schemas');
    const sets = { default: [], production: ['--values', PRODUCTION] };
    for (const [name, args] of Object.entries(sets)) {
      const r = runTool(helm, ['template', 'lease', CHART, '--namespace', 'access', ...args]);
      assert.equal(r.status, 0, r.stderr);
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, r.stdout);
      const kinds = parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest).filter((m) => m !== null);
      const missing = await writeKubeconformSchemas(openApi, kinds, schemas);
      // The Prometheus Operator's custom resource has no schema in the Kubernetes API.
      assert.deepEqual(missing.map((m) => m.kind), name === 'production' ? ['ServiceMonitor'] : []);
      const check = runTool(kubeconform, ['-strict', '-summary', '-skip', 'ServiceMonitor', '-schema-location', join(schemas, '{{ .ResourceKind }}{{ .KindSuffix }}.json'), file]);
      t.diagnostic(`${name}: ${check.stdout.trim()}`);
      assert.equal(check.status, 0, `${name}:\n${check.stdout}${check.stderr}`);
      assert.match(check.stdout, /Invalid: 0, Errors: 0/);
    }
    // The schemas catch what the cluster would refuse: a misspelt field, a wrong type.
    const broken = readFileSync(join(dir, 'default.yaml'), 'utf8').replace('terminationGracePeriodSeconds: 30', 'terminationGracePeriodSecond: 30').replace('replicas: 1', 'replicas: "one"');
    await writeFile(join(dir, 'broken.yaml'), broken);
    const check = runTool(kubeconform, ['-strict', '-schema-location', join(schemas, '{{ .ResourceKind }}{{ .KindSuffix }}.json'), join(dir, 'broken.yaml')]);
    assert.notEqual(check.status, 0);
    assert.match(check.stdout, /terminationGracePeriodSecond/);
    assert.match(check.stdout, /replicas/);
  });

  it('writes a configuration that lease config validate accepts', async (t) => {
    const helm = requireDeployTool(t, 'helm');
    if (!helm) return;
    for (const [name, args] of Object.entries({ default: [], production: ['--values', PRODUCTION] })) {
      const config = find(render(t, helm, args), 'ConfigMap');
      const configDir = join(dir, `config-${name}`);
      await mkdir(configDir, { recursive: true });
      for (const [file, text] of Object.entries(config.data!)) await writeFile(join(configDir, file), text);
      const r = await runLease(['config', 'validate', configDir], {
        env: { LEASE_STORE_URL: 'postgres://lease:x@127.0.0.1:5432/lease', OIDC_CLIENT_SECRET: 'not-a-real-secret' },
      });
      assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
    }
  });
});
