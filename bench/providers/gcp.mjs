// The gcp provider for bench/providers.mjs, against its contract server
// (src/providers/gcp/contract-server.fake.ts, loaded through tsx: fakes are not built into
// dist/). Each lease i is another user, so every grant adds its own conditional binding to the
// one project policy; the reconciliation's listing is one getIamPolicy of 1,000 bindings.
// The contract server does not enforce Google's policy size limit (about 64 KB): 1,000 Lease
// bindings would exceed it on Google, so the reconcile figure measures Lease, not a real project.
import { tsImport } from 'tsx/esm/api';
import { gcpProviderFactory } from '../../dist/providers/gcp/index.js';

const PROJECT = 'lease-bench-project';

export async function setUp() {
  const { GcpContractServer } = await tsImport('../../src/providers/gcp/contract-server.fake.ts', import.meta.url);
  const server = await new GcpContractServer({ projectId: PROJECT, predefinedRoles: [{ name: 'roles/storage.objectViewer', title: 'Storage Object Viewer' }] }).start();
  const key = server.serviceAccountKey(`lease@${PROJECT}.iam.gserviceaccount.com`).json;
  return {
    name: 'gcp',
    factory: gcpProviderFactory,
    config: { project_id: PROJECT, service_account_key: key, endpoint: server.endpoint, iam_endpoint: server.iamEndpoint },
    configDir: process.cwd(),
    identity: (i) => ({ id: `bench${i}`, email: `bench${i}@example.com`, email_verified: true, groups: ['bench'], provider: 'local', provider_type: 'local' }),
    role: { id: 'bench', name: 'Bench', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['gcp:roles/storage.objectViewer'] },
    stop: () => server.stop(),
  };
}
