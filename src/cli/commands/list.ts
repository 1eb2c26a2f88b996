import type { Command } from 'commander';
import { authenticatedClient } from '../context.js';
import { printJson, printLine } from '../output.js';
import { printRequestTable, type RequestView } from '../requests-view.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list your requests, newest first')
    .option('--status <list>', 'only these statuses, comma-separated')
    .option('--all', 'every user\'s requests (administrators)')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print as JSON')
    .action(async (opts: { status?: string; all?: boolean; server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const query = new URLSearchParams();
      if (opts.status) query.set('status', opts.status);
      if (opts.all) query.set('all', 'true');
      const { requests } = await client.get<{ requests: RequestView[] }>(`/api/v1/requests${query.size ? `?${query}` : ''}`);
      if (opts.json) printJson(requests);
      else if (requests.length === 0) {
        const hint = opts.all || opts.status ? '' : ' (lease request asks for one)';
        printLine(`no requests${opts.all ? '' : ' of yours'}${opts.status ? ` with status ${opts.status}` : ''}${hint}`);
      }
      else printRequestTable(requests, { withRequester: opts.all ?? false });
    });
}
