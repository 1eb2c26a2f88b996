import type { Command } from 'commander';
import { authenticatedClient } from '../context.js';
import { printError, printJson } from '../output.js';
import { FINAL_STATUSES } from '../../core/request.js';
import { printRequest, type RequestView } from '../requests-view.js';
import { waitFor } from './request.js';

export function registerExtend(program: Command): void {
  program
    .command('extend <id>')
    .description('ask for more time on your active lease (within the role\'s max_duration; through its approvals unless it allows extensions without)')
    .requiredOption('--duration <d>', 'how much longer: 30m, 1h or ISO-8601')
    .option('--reason <text>', 'why (recorded in the audit trail)')
    .option('--wait', 'return once the extension is applied or has ended')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '600')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the extension request as JSON')
    .action(async (id: string, opts: { duration: string; reason?: string; wait?: boolean; timeout: string; server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      let extension = await client.post<RequestView>(`/api/v1/requests/${encodeURIComponent(id)}/extend`, {
        duration: opts.duration,
        ...(opts.reason ? { reason: opts.reason } : {}),
      });
      if (opts.wait) {
        printError(`${extension.id}: ${extension.status} (extension of ${id}; waiting)`);
        extension = await waitFor(client, extension, FINAL_STATUSES, Number(opts.timeout) * 1000, (r) => printError(`${r.id}: ${r.status}`));
      }
      if (opts.json) printJson(extension);
      else printRequest(extension);
      if (opts.wait && extension.status !== 'extended') process.exitCode = 1;
    });
}
