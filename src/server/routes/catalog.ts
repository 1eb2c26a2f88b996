// Read-only views of the configuration: roles (as the caller may request them) and providers.
import { formatIsoDuration, identityMatches } from '../../core/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import { route } from '../api/route.js';
import { providerListSchema, roleListSchema } from '../api/schemas.js';

export function catalogRoutes(config: LoadedConfig, providers: Map<string, ProviderInstance>) {
  return [
    route({
      method: 'get',
      path: '/api/v1/roles',
      summary: 'Enabled roles, with whether the caller may request each',
      tag: 'catalog',
      auth: true,
      response: roleListSchema,
      handler: async ({ identity }) => ({
        roles: [...config.roles.values()]
          .filter((r) => r.enabled)
          .map((r) => ({
            id: r.id,
            name: r.name,
            description: r.description,
            providers: r.providers,
            max_duration: formatIsoDuration(r.maxDurationMs),
            workflow: r.workflow ?? null,
            permissions: { allow: r.permissions.allow, deny: r.permissions.deny },
            requestable: identityMatches(identity, r.requesters),
          })),
      }),
    }),
    route({
      method: 'get',
      path: '/api/v1/providers',
      summary: 'Configured providers and their capabilities',
      tag: 'catalog',
      auth: true,
      response: providerListSchema,
      handler: async () => ({
        providers: [...providers.values()].map((p) => ({ id: p.id, name: p.name, type: p.type, enabled: p.enabled, capabilities: p.capabilities })),
      }),
    }),
  ];
}
