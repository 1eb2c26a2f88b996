import type { Command } from 'commander';
import { authenticatedClient } from '../context.js';
import { printJson } from '../output.js';
import { FINAL_STATUSES } from '../../core/request.js';
import { printRequest, type RequestView } from '../requests-view.js';
import { waitFor } from './request.js';

export function registerRevoke(program: Command): void {
  program
    .command('revoke <id>')
    .description('revoke a request now and wait until it has ended')
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .option('--no-wait', 'return as soon as the revocation is accepted')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the request as JSON')
    .action(async (id: string, opts: { reason?: string; wait: boolean; server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      let request = await client.post<RequestView>(`/api/v1/requests/${encodeURIComponent(id)}/revoke`, opts.reason ? { reason: opts.reason } : {});
      if (opts.wait) request = await waitFor(client, request, FINAL_STATUSES, 120_000);
      if (opts.json) printJson(request);
      else printRequest(request);
    });
}
