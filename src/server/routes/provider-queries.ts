// Direct questions to a provider: its native roles (catalog), and an active lease's credentials
// or console sign-in URL. The secret answers are never cached on the way (Cache-Control: no-store).
import { route } from '../api/route.js';
import { accessCredentialsViewSchema, consoleUrlViewSchema, nativeRoleListSchema, nativeRoleQuerySchema } from '../api/schemas.js';
import type { ProviderQueries } from '../services/provider-queries.js';
import { sshAuthorityRoutes } from './ssh.js';

export function providerQueryRoutes(queries: ProviderQueries) {
  return [
    route({
      method: 'get',
      path: '/api/v1/providers/{id}/roles',
      summary: 'The provider\'s native roles or policies a role may inherit (administrators, and those who may request a role on it)',
      tag: 'catalog',
      auth: true,
      query: nativeRoleQuerySchema,
      response: nativeRoleListSchema,
      errors: [400, 403, 404, 409, 502, 503],
      handler: async ({ params, query, identity }) => ({ roles: await queries.nativeRoles(identity, params.id as string, query) }),
    }),
    route({
      method: 'post',
      path: '/api/v1/requests/{id}/credentials',
      summary: 'Short-lived credentials for your own active lease (e.g. AWS STS); never stored by Lease',
      tag: 'requests',
      auth: true,
      response: accessCredentialsViewSchema,
      errors: [400, 403, 404, 409, 502, 503],
      handler: async ({ params, identity, c }) => {
        c.header('cache-control', 'no-store');
        return queries.credentials(identity, params.id as string);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/requests/{id}/console',
      summary: 'A sign-in URL to the target\'s web console for your own active lease',
      tag: 'requests',
      auth: true,
      response: consoleUrlViewSchema,
      errors: [400, 403, 404, 409, 502, 503],
      handler: async ({ params, identity, c }) => {
        c.header('cache-control', 'no-store');
        return queries.consoleUrl(identity, params.id as string);
      },
    }),
    ...sshAuthorityRoutes(queries),
  ];
}
