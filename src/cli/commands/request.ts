import type { Command } from 'commander';
import type { ApiClient } from '../client.js';
import { authenticatedClient } from '../context.js';
import { CliError } from '../errors.js';
import { printJson } from '../output.js';
import { FINAL_STATUSES } from '../../core/index.js';
import { printRequest, type RequestView } from '../requests-view.js';

export function registerRequest(program: Command): void {
  program
    .command('request')
    .description('ask for a role on a provider for a while, with a reason')
    .requiredOption('--role <id>', 'role id')
    .requiredOption('--provider <id>', 'provider id')
    .requiredOption('--duration <d>', 'how long: 90s, 10m, 1h or ISO-8601 PT1H')
    .requiredOption('--reason <text>', 'why you need it (recorded in the audit trail)')
    .option('--workflow <id>', 'workflow to use, when the role allows several')
    .option('--wait', 'return once the request is active or has ended')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '600')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the request as JSON')
    .action(async (opts: { role: string; provider: string; duration: string; reason: string; workflow?: string; wait?: boolean; timeout: string; server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      let request = await client.post<RequestView>('/api/v1/requests', {
        role: opts.role,
        provider: opts.provider,
        duration: opts.duration,
        reason: opts.reason,
        ...(opts.workflow ? { workflow: opts.workflow } : {}),
      });
      if (opts.wait) request = await waitFor(client, request, ['active', ...FINAL_STATUSES], Number(opts.timeout) * 1000);
      if (opts.json) printJson(request);
      else printRequest(request);
      if (opts.wait && (request.status === 'denied' || request.status === 'failed')) process.exitCode = 1;
    });
}

/** Waits (server-side long poll) until the request has one of `statuses` or the timeout passes. */
export async function waitFor(client: ApiClient, start: RequestView, statuses: readonly string[], timeoutMs: number): Promise<RequestView> {
  const deadline = Date.now() + timeoutMs;
  let request = start;
  while (!statuses.includes(request.status)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new CliError(`timed out waiting for ${request.id} (status ${request.status})`);
    const seconds = Math.max(1, Math.min(60, Math.ceil(remaining / 1000)));
    request = await client.get<RequestView>(`/api/v1/requests/${encodeURIComponent(request.id)}?until=${statuses.join(',')}&timeout=${seconds}`);
  }
  return request;
}
