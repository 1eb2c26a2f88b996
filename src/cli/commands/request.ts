import type { Command } from 'commander';
import type { ApiClient } from '../client.js';
import { authenticatedClient } from '../context.js';
import { CliError } from '../errors.js';
import { printError, printJson } from '../output.js';
import { FINAL_STATUSES, requestStatusSchema } from '../../core/request.js';
import { printRequest, type RequestView } from '../requests-view.js';

export function registerRequest(program: Command): void {
  program
    .command('request')
    .description('ask for a role on a provider for a while, with a reason')
    .requiredOption('--role <id>', 'role id')
    .option('--provider <id>', 'provider id (may be left out when the role has only one)')
    .requiredOption('--duration <d>', 'how long: 90s, 10m, 1h or ISO-8601 PT1H')
    .requiredOption('--reason <text>', 'why you need it (recorded in the audit trail)')
    .option('--workflow <id>', 'workflow to use, when the role allows several')
    .option('--break-glass', 'emergency: granted at once without approval, every channel notified, reviewed afterwards (roles with break_glass: true)')
    .option('--start <time>', 'scheduled start, ISO-8601 (2026-05-01T09:00:00Z): granted then; approvals may come before')
    .option('--wait', 'return once the request is active or has ended; prints its id and each status change on stderr meanwhile')
    .option('--timeout <seconds>', 'with --wait: give up after this many seconds', '600')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the request as JSON')
    .action(async (opts: { role: string; provider?: string; duration: string; reason: string; workflow?: string; breakGlass?: boolean; start?: string; wait?: boolean; timeout: string; server?: string; json?: boolean }) => {
      const timeout = Number(opts.timeout);
      if (opts.wait && !(timeout > 0)) throw new CliError(`--timeout must be a number of seconds, got "${opts.timeout}"`, 2);
      const { client } = await authenticatedClient(opts.server);
      let request = await client.post<RequestView>('/api/v1/requests', {
        role: opts.role,
        ...(opts.provider !== undefined ? { provider: opts.provider } : {}),
        duration: opts.duration,
        reason: opts.reason,
        ...(opts.workflow ? { workflow: opts.workflow } : {}),
        ...(opts.breakGlass ? { break_glass: true } : {}),
        ...(opts.start !== undefined ? { start_at: opts.start } : {}),
      });
      if (opts.wait) {
        // On stderr, so stdout stays the one result (and --json one document); the id comes
        // first, so an interrupted wait still says which request to follow.
        printError(`${request.id}: ${request.status} (waiting; Ctrl-C stops waiting, not the request: lease status ${request.id})`);
        request = await waitFor(client, request, ['active', ...FINAL_STATUSES], timeout * 1000, (r) => printError(`${r.id}: ${r.status}`));
      }
      if (opts.json) printJson(request);
      else printRequest(request);
      if (opts.wait && (request.status === 'denied' || request.status === 'failed' || request.status === 'expired')) process.exitCode = 1;
    });
}

/**
 * Waits (server-side long poll) until the request has one of `statuses` or the timeout passes,
 * calling `onChange` with each status it moves through on the way.
 */
export async function waitFor(
  client: ApiClient,
  start: RequestView,
  statuses: readonly string[],
  timeoutMs: number,
  onChange: (request: RequestView) => void = () => undefined,
): Promise<RequestView> {
  const deadline = Date.now() + timeoutMs;
  let request = start;
  while (!statuses.includes(request.status)) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new CliError(`timed out waiting for ${request.id} (status ${request.status})`);
    const seconds = Math.max(1, Math.min(60, Math.ceil(remaining / 1000)));
    // Any status but the current one answers the poll, so each change is seen as it happens.
    const until = requestStatusSchema.options.filter((s) => s !== request.status);
    const next = await client.get<RequestView>(`/api/v1/requests/${encodeURIComponent(request.id)}?until=${until.join(',')}&timeout=${seconds}`);
    if (next.status !== request.status) onChange(next);
    request = next;
  }
  return request;
}
