import type { Command } from 'commander';
import type { NativeRoleView, ProviderView, RoleView } from '../../server/api/schemas.js';
import { authenticatedClient } from '../context.js';
import { printJson, printTable } from '../output.js';

export function registerCatalog(program: Command): void {
  program
    .command('roles')
    .description('list the roles you can see, and whether you may request each')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (opts: { server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const { roles } = await client.get<{ roles: RoleView[] }>('/api/v1/roles');
      if (opts.json) return printJson(roles);
      printTable(
        ['ROLE', 'NAME', 'PROVIDERS', 'MAX', 'YOU'],
        roles.map((r) => [r.id, r.name, r.providers.join(','), r.max_duration, r.requestable ? 'yes' : 'no']),
      );
    });
  const providers = program
    .command('providers')
    .description('list the configured providers (`lease providers roles PROVIDER`: its native roles)')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (opts: { server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const { providers } = await client.get<{ providers: ProviderView[] }>('/api/v1/providers');
      if (opts.json) return printJson(providers);
      printTable(
        ['PROVIDER', 'NAME', 'TYPE', 'ENABLED', 'CAPABILITIES'],
        providers.map((p) => [p.id, p.name, p.type, p.enabled ? 'yes' : 'no', p.capabilities.join(',')]),
      );
    });
  providers
    .command('roles <provider>')
    .description('list the native roles or policies of a provider that a role may inherit (inherits: [<provider>:<id>])')
    .option('--search <text>', 'only those whose id, name or description contains this (case-insensitive)')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (provider: string, opts: { search?: string; limit?: string; server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const query = new URLSearchParams();
      if (opts.search) query.set('search', opts.search);
      if (opts.limit) query.set('limit', opts.limit);
      const { roles } = await client.get<{ roles: NativeRoleView[] }>(`/api/v1/providers/${encodeURIComponent(provider)}/roles${query.size ? `?${query}` : ''}`);
      if (opts.json) return printJson(roles);
      printTable(['ID', 'NAME', 'DESCRIPTION'], roles.map((r) => [r.id, r.name, r.description ?? '']));
    });
}
