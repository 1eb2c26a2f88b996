import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { TargetRefused } from '../cloud/index.js';
import { kubernetesConfigSchema } from './config.js';
import { fromKubeconfig, resolveConnection } from './connection.js';

const T = 'kubernetes provider "k8s"';
const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const kubeconfig = (user: string, cluster = `certificate-authority-data: ${Buffer.from(CA).toString('base64')}`) => `apiVersion: v1
kind: Config
current-context: one
clusters:
- name: c1
  cluster:
    server: https://k8s.example.com:6443/
    ${cluster}
users:
- name: u1
  user:
    ${user}
contexts:
- name: one
  context: { cluster: c1, user: u1 }
- name: two
  context: { cluster: c1, user: nobody }
`;

describe('kubernetes connection', () => {
  test('an inline kubeconfig: server, CA, token of the current context', async () => {
    const c = await resolveConnection(kubernetesConfigSchema.parse({ kubeconfig: kubeconfig('token: abc') }), '/nowhere', T);
    assert.equal(c.server, 'https://k8s.example.com:6443');
    assert.equal(c.ca, CA);
    assert.equal(await c.token(), 'abc');
    assert.equal(c.source, 'the inline kubeconfig context "one"');
  });

  test('a kubeconfig file: relative paths from its directory; tokenFile read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-kubeconfig-'));
    try {
      await writeFile(join(dir, 'ca.crt'), CA);
      await writeFile(join(dir, 'token'), 'from-file\n');
      await writeFile(join(dir, 'config'), kubeconfig('tokenFile: token', 'certificate-authority: ca.crt'));
      const c = await resolveConnection(kubernetesConfigSchema.parse({ kubeconfig: 'config' }), dir, T);
      assert.equal(c.ca, CA);
      assert.equal(await c.token(), 'from-file');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refuses what Lease cannot use, naming it: exec plugins, insecure-skip-tls-verify, a missing context, no credentials', async () => {
    await assert.rejects(fromKubeconfig(kubeconfig('exec: { command: aws }'), '/', 'k', undefined, T), (e: unknown) => e instanceof TargetRefused && /authenticates with exec/.test(e.message));
    await assert.rejects(fromKubeconfig(kubeconfig('token: x', 'insecure-skip-tls-verify: true'), '/', 'k', undefined, T), /insecure-skip-tls-verify/);
    await assert.rejects(fromKubeconfig(kubeconfig('token: x'), '/', 'k', 'three', T), /has no context "three"/);
    await assert.rejects(fromKubeconfig(kubeconfig('token: x'), '/', 'k', 'two', T), /has no token, tokenFile or client certificate/);
    await assert.rejects(resolveConnection(kubernetesConfigSchema.parse({ kubeconfig: '/no/such/kubeconfig' }), '/', T), /cannot read the kubeconfig \/no\/such\/kubeconfig \(ENOENT\)/);
  });

  test('nothing configured: the in-cluster service account when KUBERNETES_SERVICE_HOST is set, else $KUBECONFIG', async () => {
    await assert.rejects(resolveConnection(kubernetesConfigSchema.parse({}), '/', T, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }), /in-cluster CA/);
    const dir = await mkdtemp(join(tmpdir(), 'lease-kubeconfig-'));
    try {
      await writeFile(join(dir, 'config'), kubeconfig('token: env'));
      const c = await resolveConnection(kubernetesConfigSchema.parse({ context: 'one' }), '/', T, { KUBECONFIG: join(dir, 'config') });
      assert.equal(await c.token(), 'env');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
