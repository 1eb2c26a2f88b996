import type { Command } from 'commander';
import type { ProviderView, RoleView } from '../../server/api/schemas.js';
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
  program
    .command('providers')
    .description('list the configured providers')
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
}
