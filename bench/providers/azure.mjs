// The azure provider for bench/providers.mjs, against its contract server
// (src/providers/azure/contract-server.fake.ts, loaded through tsx: fakes are not built into
// dist/). Each lease i is another user, so every grant makes its own role assignment; pages of
// 200, so a listing of 1,000 assignments takes several nextLink round trips as in Azure.
import { tsImport } from 'tsx/esm/api';
import { azureProviderFactory } from '../../dist/providers/azure/index.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const SUBSCRIPTION = '22222222-2222-4222-8222-222222222222';
const CLIENT = '33333333-3333-4333-8333-333333333333';
const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const USERS = 2000;

const userId = (i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

export async function setUp() {
  const { AzureContractServer } = await tsImport('../../src/providers/azure/contract-server.fake.ts', import.meta.url);
  const secret = `bench-${crypto.randomUUID()}`;
  const server = await new AzureContractServer({
    tenantId: TENANT,
    subscriptionId: SUBSCRIPTION,
    clientId: CLIENT,
    clientSecret: secret,
    pageSize: 200,
    users: Array.from({ length: USERS }, (_, i) => ({ id: userId(i), userPrincipalName: `bench${i}@example.com`, mail: `bench${i}@example.com` })),
    roleDefinitions: [{ name: READER, roleName: 'Reader' }],
  }).start();
  return {
    name: 'azure',
    factory: azureProviderFactory,
    config: {
      tenant_id: TENANT,
      subscription_id: SUBSCRIPTION,
      client_id: CLIENT,
      client_secret: secret,
      authority: server.authority,
      endpoint: server.armEndpoint,
      graph_endpoint: server.graphEndpoint,
    },
    configDir: process.cwd(),
    identity: (i) => ({ id: `bench${i}`, email: `bench${i}@example.com`, email_verified: true, groups: ['bench'], provider: 'local', provider_type: 'local' }),
    role: { id: 'bench', name: 'Bench', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: ['azure:Reader'] },
    stop: () => server.stop(),
  };
}
