// A real Kubernetes API server for the kubernetes provider's tests: kube-apiserver (built from
// k8s.io/kubernetes by scripts/provision.mjs into ${XDG_CACHE_HOME:-~/.cache}/lease/kube-apiserver/
// <version>/, or $LEASE_KUBE_APISERVER) over etcd (Debian `etcd-server`, or $LEASE_ETCD), both on
// free loopback ports with their data in a temp dir, stopped when the test ends.
// - authentication: a static token file: an admin token for Lease (group system:masters), one
//   token per test user (the user name is their e-mail, as Lease names them) so a test can act
//   AS a user, and a `lease-limited` token with no rights; a client CA with an admin client
//   certificate (for the client-certificate connection);
// - authorization: RBAC only (no controller-manager: the built-in view/edit/admin ClusterRoles
//   have no rules, so tests bring their own ClusterRoles);
// - a self-signed serving certificate for 127.0.0.1 (its CA is what Lease is told to trust).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './ports.js';
import { requireComponent } from './require-component.js';
import { registerTestSecret } from './secrets.js';
import { stopProcess } from './stop-process.js';
import { hasCommand } from './system.js';

/** Keep in step with scripts/kube-apiserver/build.mjs. */
export const KUBERNETES_VERSION = 'v1.35.4';
const HOW_TO_GET =
  'run `node scripts/provision.mjs` (builds kube-apiserver from the Go module proxy into ~/.cache/lease/kube-apiserver, 8–25 min the first time, and installs the Debian package etcd-server), or set LEASE_KUBE_APISERVER to a kube-apiserver binary and LEASE_ETCD to an etcd binary';
const READY_TIMEOUT_MS = 180_000;

export function kubeApiserverBinary(): string {
  if (process.env.LEASE_KUBE_APISERVER) return process.env.LEASE_KUBE_APISERVER;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lease', 'kube-apiserver', KUBERNETES_VERSION, 'kube-apiserver');
}

function etcdBinary(): string | undefined {
  if (process.env.LEASE_ETCD) return process.env.LEASE_ETCD;
  return hasCommand('etcd') ? 'etcd' : undefined;
}

/** What a SubjectAccessReview asks about: the namespace, the API group, and the user's groups (as their authenticator gives them). */
export interface AccessOptions {
  namespace?: string;
  group?: string;
  groups?: string[];
}

export interface KubeApiServer {
  /** https://127.0.0.1:<port> */
  server: string;
  /** PEM of the CA that signed the serving certificate. */
  ca: string;
  /** Lease's token (system:masters). */
  adminToken: string;
  /** A token whose user (`lease-limited`) has no rights until a test binds some. */
  limitedToken: string;
  /** A client certificate and key of user `lease-cert` in group system:masters. */
  clientCert: { cert: string; key: string };
  /** The bearer token of each test user, by user name. */
  tokens: Record<string, string>;
  /** A kubeconfig (YAML) for the admin token, with its CA inline. */
  kubeconfig(token?: string): string;
  /** Calls the API as the admin (or with `token`): status and parsed body. */
  call<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  /** SubjectAccessReview (what `kubectl auth can-i --as <user>` asks): may `user` do it? */
  can(user: string, verb: string, resource: string, options?: AccessOptions): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * Starts etcd and kube-apiserver and waits until /readyz answers; undefined when a component is
 * missing (the test was skipped, or failed under CI=true). `groups` gives a test user groups
 * (the token file's groups column), as an OIDC authenticator would from the groups claim.
 */
export async function startKubeApiServer(t: TestContext, options: { users?: string[]; groups?: Record<string, string[]> } = {}): Promise<KubeApiServer | undefined> {
  const binary = kubeApiserverBinary();
  const etcd = etcdBinary();
  if (!requireComponent(t, `kube-apiserver ${KUBERNETES_VERSION} and etcd`, existsSync(binary) && etcd !== undefined && hasCommand('openssl'), HOW_TO_GET)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'lease-kube-'));
  const children: Array<{ child: ChildProcess; exited: Promise<unknown> }> = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const { child, exited } of children.reverse()) await stopProcess(child, exited);
      await rm(dir, { recursive: true, force: true });
    })());
  t.after(stop);

  await makeCertificates(dir);
  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const adminToken = randomBytes(24).toString('hex');
  const limitedToken = randomBytes(24).toString('hex');
  registerTestSecret(adminToken, limitedToken);
  const tokens: Record<string, string> = {};
  const lines = [`${adminToken},lease-admin,lease-admin,"system:masters"`, `${limitedToken},lease-limited,lease-limited`];
  for (const user of options.users ?? []) {
    tokens[user] = randomBytes(24).toString('hex');
    registerTestSecret(tokens[user]);
    const groups = options.groups?.[user];
    lines.push(`${tokens[user]},${user},${user}${groups?.length ? `,"${groups.join(',')}"` : ''}`);
  }
  await writeFile(join(dir, 'tokens.csv'), `${lines.join('\n')}\n`, { mode: 0o600 });

  const start = (name: string, command: string, args: string[]) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-6_000)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    children.push({ child, exited });
    return { name, child, exited, output: () => stderr };
  };
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  const etcdProcess = start('etcd', etcd!, [
    '--name', 'lease-test',
    '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', etcdUrl,
    '--advertise-client-urls', etcdUrl,
    '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
    '--initial-cluster', `lease-test=http://127.0.0.1:${etcdPeer}`,
    '--log-level', 'error',
  ]);
  const apiserver = start('kube-apiserver', binary, [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${securePort}`,
    `--tls-cert-file=${join(dir, 'serving.crt')}`,
    `--tls-private-key-file=${join(dir, 'serving.key')}`,
    `--client-ca-file=${join(dir, 'ca.crt')}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--anonymous-auth=false',
    `--service-account-key-file=${join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    '--disable-admission-plugins=ServiceAccount',
    '--service-cluster-ip-range=10.96.0.0/24',
    '--endpoint-reconciler-type=none',
    '--enable-priority-and-fairness=false',
    '--profiling=false',
    `--cert-dir=${join(dir, 'certs')}`,
    '--v=0',
  ]);
  const ca = await readFile(join(dir, 'ca.crt'), 'utf8');
  const clientCert = { cert: await readFile(join(dir, 'client.crt'), 'utf8'), key: await readFile(join(dir, 'client.key'), 'utf8') };
  const server = `https://127.0.0.1:${securePort}`;

  const call = <T>(method: string, path: string, body?: unknown, token = adminToken) => httpsJson<T>(server, ca, method, path, body, token);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    for (const p of [etcdProcess, apiserver]) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) {
        await stop();
        throw new Error(`${p.name} exited while starting:\n${p.output()}`);
      }
    }
    const ready = await call('GET', '/readyz').catch(() => undefined);
    if (ready?.status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kube-apiserver not ready after ${READY_TIMEOUT_MS} ms:\n${apiserver.output()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    server,
    ca,
    adminToken,
    limitedToken,
    clientCert,
    tokens,
    kubeconfig: (token = adminToken) => kubeconfigYaml(server, ca, token),
    call,
    async can(user, verb, resource, opts = {}) {
      const review = await call<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user, ...(opts.groups ? { groups: opts.groups } : {}), resourceAttributes: { verb, resource, group: opts.group ?? '', ...(opts.namespace ? { namespace: opts.namespace } : {}) } },
      });
      if (review.status !== 201 && review.status !== 200) throw new Error(`SubjectAccessReview answered ${review.status}`);
      return review.body.status?.allowed === true;
    },
    stop,
  };
}

/** Waits (RBAC changes reach the authorizer's cache within ~100 ms) until `user` may (or may not) do it. */
export async function waitForAccess(kube: KubeApiServer, expected: boolean, user: string, verb: string, resource: string, options: AccessOptions = {}, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await kube.can(user, verb, resource, options)) === expected) return;
    if (Date.now() > deadline) throw new Error(`${user} ${expected ? 'still cannot' : 'still can'} ${verb} ${resource} ${options.namespace ? `in ${options.namespace}` : 'cluster-wide'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function kubeconfigYaml(server: string, ca: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(ca).toString('base64')}`,
    'users:',
    '- name: lease',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: test',
    '  context: { cluster: test, user: lease }',
    'current-context: test',
    '',
  ].join('\n');
}

function httpsJson<T>(server: string, ca: string, method: string, path: string, body: unknown, token: string): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(new URL(path, server), { method, ca, headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON (readyz answers "ok")
        }
        resolve({ status: res.statusCode ?? 0, body: parsed as T });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A CA; a serving certificate for 127.0.0.1/localhost; an admin client certificate; the service-account key pair. */
async function makeCertificates(dir: string): Promise<void> {
  const ssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=lease-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = async (name: string, subject: string, ext: string) => {
    await writeFile(join(dir, `${name}.ext`), ext);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  await leaf('serving', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await leaf('client', '/O=system:masters/CN=lease-cert', 'extendedKeyUsage=clientAuth\n');
  ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key');
  ssl('pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}
