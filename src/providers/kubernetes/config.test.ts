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
    assert.deepEqual(kubernetesConfigSchema.parse({ kubeconfig: '~/.kube/config', context: 'prod' }), { kubeconfig: '~/.kube/config', context: 'prod', username: 'email', username_prefix: '', group_prefix: '' });
    assert.deepEqual(kubernetesConfigSchema.parse({}), { username: 'email', username_prefix: '', group_prefix: '' });
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

  test('a role naming a Kubernetes group badly (k8s:group/<name>) is reported with its file and path; a good one loads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-k8s-config-'));
    try {
      const providers = `version: "1.0"\nproviders:\n  k8s-prod:\n    provider: kubernetes\n    config:\n      server: https://k8s.example.com\n      token: x\n      group_prefix: "oidc:"\n`;
      const roles = (allow: string, deny = '[]') => `version: "1.0"\nroles:\n  k8s-sre:\n    name: SRE\n    description: SRE group on team-a\n    inherits: [kubernetes:view]\n    resources:\n      allow: ${allow}\n      deny: ${deny}\n    providers: [k8s-prod]\n`;
      await writeFile(join(dir, 'providers.yaml'), providers);
      await writeFile(join(dir, 'roles.yaml'), roles('["k8s:namespace/team-a", "k8s:group/oidc:sre", "kubernetes:group/platform team"]', '["k8s:group/*", "k8s:group/"]'));
      const err = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError);
      const issues = err.issues.map((i) => `${i.file.endsWith('roles.yaml') ? 'roles.yaml' : i.file}:${i.path} ${i.message}`);
      assert.equal(issues.length, 3, issues.join('\n'));
      assert.ok(issues.some((i) => i.startsWith('roles.yaml:roles.k8s-sre.resources.allow[2] ') && /whitespace/.test(i)), issues.join('\n'));
      assert.ok(issues.some((i) => i.startsWith('roles.yaml:roles.k8s-sre.resources.deny[0] ') && /wildcards/.test(i)), issues.join('\n'));
      assert.ok(issues.some((i) => i.startsWith('roles.yaml:roles.k8s-sre.resources.deny[1] ') && /expected a group name/.test(i)), issues.join('\n'));

      await writeFile(join(dir, 'roles.yaml'), roles('["k8s:namespace/team-a", "K8S:group/system:masters"]'));
      const system = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(system instanceof ConfigError);
      assert.match(system.issues.map((i) => `${i.path} ${i.message}`).join('\n'), /roles\.k8s-sre\.resources\.allow\[1\] .*system: groups/);

      await writeFile(join(dir, 'roles.yaml'), roles('["k8s:namespace/team-a", "k8s:group/oidc:sre", "k8s:group//eng/sre"]'));
      const config = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() });
      assert.ok(config.roles.has('k8s-sre'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
