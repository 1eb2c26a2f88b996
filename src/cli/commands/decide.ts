import type { Command } from 'commander';
import { authenticatedClient } from '../context.js';
import { printJson } from '../output.js';
import { printRequest, type RequestView } from '../requests-view.js';

export function registerDecide(program: Command): void {
  for (const [verb, description] of [
    ['approve', 'approve a request awaiting approval (never your own)'],
    ['deny', 'deny a request awaiting approval'],
  ] as const) {
    program
      .command(`${verb} <id>`)
      .description(description)
      .option('--reason <text>', 'why (recorded in the audit trail)')
      .option('--server <url>', 'the Lease server URL (default: the last login)')
      .option('--json', 'print the request as JSON')
      .action(async (id: string, opts: { reason?: string; server?: string; json?: boolean }) => {
        const { client } = await authenticatedClient(opts.server);
        const request = await client.post<RequestView>(`/api/v1/requests/${encodeURIComponent(id)}/${verb}`, opts.reason ? { reason: opts.reason } : {});
        if (opts.json) printJson(request);
        else printRequest(request);
      });
  }
}
