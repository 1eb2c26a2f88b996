// The kubernetes provider for bench/providers.mjs, against a real kube-apiserver over etcd
// (test/support/kube-apiserver.ts, loaded through tsx; built by scripts/provision.mjs). Each
// lease i is another user bound to one ClusterRole in one namespace: a grant checks the
// ClusterRole and creates one RoleBinding; a listing is one paged LIST per RBAC kind.
import { tsImport } from 'tsx/esm/api';
import { kubernetesProviderFactory } from '../../dist/providers/kubernetes/index.js';

export async function setUp() {
  const { startKubeApiServer } = await tsImport('../../test/support/kube-apiserver.ts', import.meta.url);
  const cleanups = [];
  // startKubeApiServer takes a test context: only its name, after() and skip() are used.
  const context = { name: 'bench kubernetes', after: (fn) => cleanups.push(fn), skip: (message) => { throw new Error(message); } };
  const kube = await startKubeApiServer(context);
  if (!kube) throw new Error('kube-apiserver is missing: run node scripts/provision.mjs');
  await kube.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  await kube.call('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'bench-reader' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
  });
  return {
    name: 'kubernetes',
    factory: kubernetesProviderFactory,
    config: { server: kube.server, token: kube.adminToken, ca: kube.ca },
    configDir: process.cwd(),
    identity: (i) => ({ id: `bench${i}`, email: `bench${i}@example.com`, email_verified: true, groups: ['bench'], provider: 'local', provider_type: 'local' }),
    role: { id: 'bench', name: 'Bench', permissions: { allow: [], deny: [] }, resources: { allow: ['k8s:namespace/bench'], deny: [] }, nativeRoles: ['kubernetes:bench-reader'] },
    stop: async () => {
      for (const fn of cleanups.reverse()) await fn();
    },
  };
}
