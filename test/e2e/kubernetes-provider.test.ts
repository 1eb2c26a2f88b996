// The kubernetes provider end to end: `lease server` against a real kube-apiserver through the
// CLI. One provider in Thand's shape (a kubeconfig file and a context), one with Lease's own keys
// (server + token) reaching the API server through a small proxy that can hold one call, for the
// kill -9 test. What is checked is what the API server stores and what its authorizer answers
// for the requester (SubjectAccessReview, as `kubectl auth can-i --as` asks).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { hashPassword } from '../../src/identity/index.js';
import { startKubeApiServer, waitForAccess, type KubeApiServer } from '../support/kube-apiserver.js';
import { leaseJson, runLease, startServer, tempDir, waitUntil, writeFiles, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const PASSWORD = 'k8s-e2e-Pw-7q';
registerTestSecret(PASSWORD);
const STRAY_ID = 'req_0000000000stray00000000000';
const ALICE = 'alice@example.com';
const RBAC = '/apis/rbac.authorization.k8s.io/v1';

interface RequestJson {
  id: string;
  status: string;
  expires_at: string | null;
  outcome?: { code: string; message: string } | null;
}

/** Forwards plain HTTP on loopback to the API server (HTTPS, its CA); `hold(method, path)` keeps the answer to the first matching call until released (the API server has done it). */
class HoldProxy {
  private server?: Server;
  private held?: { method: string; path: RegExp; reached: () => void; release: Promise<void> };
  constructor(private readonly kube: KubeApiServer) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await read(req);
        const answer = await forward(this.kube, req, body);
        const held = this.held;
        if (held && req.method === held.method && held.path.test(req.url ?? '')) {
          this.held = undefined;
          held.reached();
          await held.release;
        }
        res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
      })().catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  hold(method: string, path: RegExp): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((resolve) => (reached = resolve));
    const releaseP = new Promise<void>((resolve) => (release = resolve));
    this.held = { method, path, reached, release: releaseP };
    return { reached: reachedP, release };
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function forward(kube: KubeApiServer, req: IncomingMessage, body: Buffer): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection'].includes(k)).map(([k, v]) => [k, String(v)]));
    const out = httpsRequest(new URL(req.url ?? '/', kube.server), { method: req.method ?? 'GET', headers, ca: kube.ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, type: String(res.headers['content-type'] ?? 'application/json'), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('kubernetes provider through lease server and the CLI, against kube-apiserver', async (t) => {
  const kube = await startKubeApiServer(t, { users: [ALICE] });
  if (!kube) return;
  for (const ns of ['team-a', 'team-b']) assert.equal((await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status, 201);
  assert.equal((await kube.call('POST', `${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] })).status, 201);
  const proxy = new HoldProxy(kube);
  const proxyUrl = await proxy.start();
  t.after(() => proxy.stop());

  const dir = await tempDir();
  t.after(() => dir.cleanup());
  const hash = await hashPassword(PASSWORD);
  await writeFiles(dir.path, {
    'kube/config': kube.kubeconfig(),
    'config/server.yaml': `version: "1.0"\nserver:\n  admins:\n    groups: [ops]\n`,
    'config/users.yaml': `version: "1.0"
providers:
  local:
    provider: local
    config:
      users:
        alice: { password_hash: '${hash}', email: ${ALICE}, groups: [eng] }
        bob: { password_hash: '${hash}', email: bob@example.com, groups: [eng, ops] }
`,
    // Thand's shape, unchanged: a kubeconfig file and a context.
    'config/providers.yaml': `version: "1.0"
providers:
  k8s:
    name: Cluster
    description: The test cluster
    provider: kubernetes
    config:
      kubeconfig: ../kube/config
      context: test
    enabled: true
`,
    // Lease's own keys: the API server (here the holding proxy) and a token from the environment.
    'config/lease-k8s.yaml': `version: "1.0"
providers:
  k8s-direct:
    provider: kubernetes
    config:
      server: ${proxyUrl}
      token: \${LEASE_TEST_K8S_TOKEN}
`,
    'config/roles.yaml': `version: "1.0"
roles:
  k8s-pods:
    name: Read pods
    description: Read pods in team-a and team-b, and their config maps
    inherits:
      - kubernetes:pod-reader
    permissions:
      allow: ["get:configmaps"]
    resources:
      allow: ["k8s:namespace/team-a", "k8s:namespace/team-b"]
    scopes:
      groups: [eng]
    providers: [k8s, k8s-direct]
`,
  });
  const serverEnv = { LEASE_TEST_K8S_TOKEN: kube.adminToken };
  const config = `${dir.path}/config`;
  const data = `${dir.path}/data`;
  let server: ServerProcess = await startServer({ config, data, env: serverEnv });
  t.after(() => server.stop());
  const home = (user: string) => ({ LEASE_HOME: `${dir.path}/home/${user}` });
  for (const user of ['alice', 'bob']) {
    const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', user, '--password-stdin'], { env: home(user), input: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
  }
  const request = (provider: string, duration: string) =>
    leaseJson<RequestJson>(['request', '--role', 'k8s-pods', '--provider', provider, '--duration', duration, '--reason', 'INC-12 look at pods', '--wait', '--json'], home('alice'));
  const labelled = async (kind: string, id: string) => (await kube.call<{ items: Array<{ metadata: { name: string; namespace?: string; annotations?: Record<string, string> } }> }>('GET', `${RBAC}/${kind}?labelSelector=${encodeURIComponent(`lease.dev/request=${id}`)}`)).body.items;

  await t.test('a request is active: bindings in both namespaces, the requester may list pods; revoking takes it away', async () => {
    const lease = await request('k8s', '30m');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    const bindings = await labelled('rolebindings', lease.id);
    assert.equal(bindings.length, 4, 'pod-reader and the built Role, in two namespaces');
    for (const b of bindings) assert.equal(b.metadata.annotations?.['lease.dev/expires-at'], lease.expires_at);
    await waitForAccess(kube, true, ALICE, 'list', 'pods', { namespace: 'team-a' });
    await waitForAccess(kube, true, ALICE, 'get', 'configmaps', { namespace: 'team-b' });
    assert.equal((await kube.call('GET', '/api/v1/namespaces/team-b/pods', undefined, kube.tokens[ALICE])).status, 200);
    assert.equal((await leaseJson<RequestJson>(['revoke', lease.id, '--json'], home('alice'))).status, 'revoked');
    assert.equal((await labelled('rolebindings', lease.id)).length, 0);
    assert.equal((await labelled('roles', lease.id)).length, 0);
    await waitForAccess(kube, false, ALICE, 'list', 'pods', { namespace: 'team-a' });
    assert.equal((await kube.call('GET', '/api/v1/namespaces/team-b/pods', undefined, kube.tokens[ALICE])).status, 403);
  });

  await t.test('lease providers roles lists the ClusterRoles', async () => {
    const r = await runLease(['providers', 'roles', 'k8s', '--search', 'pod'], { env: home('alice') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod-reader/);
  });

  await t.test('a short lease is revoked at its expiry: bindings gone, access denied', async () => {
    const lease = await request('k8s', '6s');
    assert.equal(lease.status, 'active', JSON.stringify(lease));
    await waitForAccess(kube, true, ALICE, 'list', 'pods', { namespace: 'team-a' });
    await waitUntil('revocation at expiry', async () => ((await leaseJson<RequestJson>(['status', lease.id, '--json'], home('alice'))).status === 'revoked' ? true : undefined), 120_000, 250);
    assert.equal((await labelled('rolebindings', lease.id)).length, 0);
    await waitForAccess(kube, false, ALICE, 'list', 'pods', { namespace: 'team-a' });
  });

  await t.test('kill -9 while the API server has made a binding and Lease has not heard: after the restart, exactly one grant or none', async () => {
    const held = proxy.hold('POST', /\/namespaces\/team-b\/rolebindings$/);
    const started = await runLease(['request', '--role', 'k8s-pods', '--provider', 'k8s-direct', '--duration', '30m', '--reason', 'crash test', '--json'], { env: home('alice') });
    assert.equal(started.code, 0, started.stderr);
    const { id } = JSON.parse(started.stdout) as RequestJson;
    await held.reached;
    const port = Number(new URL(server.url).port);
    await server.crash();
    held.release();
    server = await startServer({ config, data, env: serverEnv, port });
    const final = await waitUntil('the grant to settle', async () => {
      const s = await leaseJson<RequestJson>(['status', id, '--json'], home('alice'));
      return ['active', 'failed'].includes(s.status) ? s : undefined;
    }, 120_000, 200);
    const bindings = await labelled('rolebindings', id);
    if (final.status === 'active') {
      assert.equal(bindings.length, 4, 'each binding exactly once');
      assert.equal(new Set(bindings.map((b) => `${b.metadata.namespace}/${b.metadata.name}`)).size, 4);
      assert.equal((await labelled('roles', id)).length, 2);
    } else {
      assert.equal(bindings.length, 0, 'a failed grant was undone');
    }
    await leaseJson(['revoke', id, '--json'], home('alice')).catch(() => undefined);
    await waitUntil('the bindings removed', async () => ((await labelled('rolebindings', id)).length === 0 ? true : undefined), 60_000, 200);
    assert.equal((await labelled('roles', id)).length, 0);
  });

  await t.test('drift: bindings deleted behind Lease are grant.missing and granted again; a stray labelled binding is grant.orphaned and removed', async () => {
    const lease = await request('k8s', '30m');
    for (const b of await labelled('rolebindings', lease.id)) {
      assert.equal((await kube.call('DELETE', `${RBAC}/namespaces/${b.metadata.namespace}/rolebindings/${b.metadata.name}`)).status, 200);
    }
    const stray = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'lease-req-0000000000stray00000000000', labels: { 'lease.dev/request': STRAY_ID, 'lease.dev/provider': 'k8s' } }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: ALICE }], roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' } };
    assert.equal((await kube.call('POST', `${RBAC}/namespaces/team-a/rolebindings`, stray)).status, 201);
    // A reconciliation round runs at every start.
    const port = Number(new URL(server.url).port);
    await server.stop();
    server = await startServer({ config, data, env: serverEnv, port });
    const audit = async (subject: string) => (await leaseJson<Array<{ action: string }>>(['audit', '--json', '--subject', subject], home('bob'))).map((e) => e.action);
    await waitUntil('grant.orphaned for the stray binding', async () => ((await audit(STRAY_ID)).includes('grant.orphaned') ? true : undefined), 120_000, 250);
    await waitUntil('grant.missing for the deleted bindings', async () => ((await audit(lease.id)).includes('grant.missing') ? true : undefined), 120_000, 250);
    assert.equal((await labelled('rolebindings', STRAY_ID)).length, 0);
    await waitUntil('the missing bindings granted again', async () => ((await labelled('rolebindings', lease.id)).length === 4 ? true : undefined), 60_000, 250);
    await leaseJson(['revoke', lease.id, '--json'], home('alice'));
    assert.equal((await labelled('rolebindings', lease.id)).length, 0);
    await waitForAccess(kube, false, ALICE, 'list', 'pods', { namespace: 'team-a' });
  });

  await t.test("never prints Lease's token", () => {
    assert.ok(!server.output.includes(kube.adminToken), 'no token in the server log');
  });
});
