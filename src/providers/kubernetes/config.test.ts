import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../config/index.js';
import { defaultRegistry } from '../../server/provider-types.js';
import { kubernetesConfigSchema } from './config.js';

const paths = (value: unknown) => (kubernetesConfigSchema.safeParse(value).error?.issues ?? []).map((i) => i.path.join('.')).sort();

describe('kubernetes config', () => {
  test("loads Thand's keys (kubeconfig, context), and nothing at all (in-cluster, then the default kubeconfig)", () => {
    assert.deepEqual(kubernetesConfigSchema.parse({ kubeconfig: '~/.kube/config', context: 'prod' }), { kubeconfig: '~/.kube/config', context: 'prod', username: 'email', username_prefix: '' });
    assert.deepEqual(kubernetesConfigSchema.parse({}), { username: 'email', username_prefix: '' });
  });

  test('loads a direct connection: server with a token, a token file or a client certificate', () => {
    assert.equal(kubernetesConfigSchema.parse({ server: 'https://k8s.example.com:6443/', token: 't', ca: 'ca.pem' }).server, 'https://k8s.example.com:6443');
    assert.deepEqual(paths({ server: 'https://k8s.example.com', token_file: '/var/run/token' }), []);
    assert.deepEqual(paths({ server: 'https://k8s.example.com', client_certificate: 'c.pem', client_key: 'k.pem', username: 'id', username_prefix: 'oidc:' }), []);
  });

  test('refuses unknown keys, http off loopback, a mix of kubeconfig and server, credentials without a server, half a client certificate', () => {
    assert.deepEqual(paths({ kubeconfig: 'x', namespace: 'a' }), ['']);
    assert.deepEqual(paths({ server: 'http://k8s.example.com', token: 't' }), ['server']);
    assert.deepEqual(paths({ kubeconfig: 'x', server: 'https://k8s.example.com', token: 't' }), ['server', 'token']);
    assert.deepEqual(paths({ token: 't' }), ['server']);
    assert.deepEqual(paths({ server: 'https://k8s.example.com' }), ['token']);
    assert.deepEqual(paths({ server: 'https://k8s.example.com', client_certificate: 'c.pem' }), ['client_key']);
    assert.deepEqual(paths({ server: 'https://k8s.example.com', token: 't', token_file: 'f' }), ['token_file']);
    assert.deepEqual(paths({ server: 'https://k8s.example.com', token: 't', context: 'prod' }), ['context']);
    assert.deepEqual(paths({ username: 'upn' }), ['username']);
    assert.equal(kubernetesConfigSchema.safeParse({ server: 'http://127.0.0.1:8080', token: 't' }).success, true);
  });

  test('a bad kubernetes config is reported with its file and path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-k8s-config-'));
    try {
      await writeFile(join(dir, 'providers.yaml'), `version: "1.0"\nproviders:\n  k8s-prod:\n    provider: kubernetes\n    config:\n      server: http://k8s.example.com\n      token: x\n      insecure: true\n`);
      const err = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError);
      const issues = err.issues.map((i) => `${i.file.endsWith('providers.yaml') ? 'providers.yaml' : i.file}:${i.path} ${i.message}`);
      assert.ok(issues.some((i) => i.startsWith('providers.yaml:providers.k8s-prod.config.server')), issues.join('\n'));
      assert.ok(issues.some((i) => /insecure/.test(i)), issues.join('\n'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
