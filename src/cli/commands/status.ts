import type { Command } from 'commander';
import { authenticatedClient } from '../context.js';
import { printJson } from '../output.js';
import { printRequest, type RequestView } from '../requests-view.js';

export function registerStatus(program: Command): void {
  program
    .command('status <id>')
    .alias('show')
    .description('show one request, with its approval stages')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the request as JSON')
    .action(async (id: string, opts: { server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const request = await client.get<RequestView>(`/api/v1/requests/${encodeURIComponent(id)}`);
      if (opts.json) printJson(request);
      else printRequest(request);
    });
}
