import type { Command } from 'commander';
import { authenticatedClient } from '../context.js';
import { printJson, printLine, printTable } from '../output.js';
import type { ReviewView } from '../../server/api/schemas.js';
import { printRequestTable, type RequestView } from '../requests-view.js';

export function registerReviews(program: Command): void {
  const reviews = program.command('reviews').description('break-glass reviews (administrators)');
  reviews
    .command('list', { isDefault: true })
    .description('list break-glass reviews, newest first')
    .option('--open', 'only those still open')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the reviews as JSON')
    .action(async (opts: { open?: boolean; server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const { reviews: list } = await client.get<{ reviews: ReviewView[] }>(`/api/v1/reviews${opts.open ? '?status=open' : ''}`);
      if (opts.json) return printJson({ reviews: list });
      printTable(
        ['ID', 'STATUS', 'REQUEST', 'ROLE', 'REQUESTER', 'OPENED', 'CLOSED BY'],
        list.map((r) => [r.id, r.status, r.request_id, r.request?.role ?? '-', r.request?.requester ?? '-', r.opened_at, r.closed_by ?? '-']),
      );
    });
  reviews
    .command('close <id>')
    .description('close a break-glass review with what it found (not your own request)')
    .requiredOption('--comment <text>', 'what the review found (recorded in the audit trail)')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the review as JSON')
    .action(async (id: string, opts: { comment: string; server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const review = await client.post<ReviewView>(`/api/v1/reviews/${encodeURIComponent(id)}/close`, { comment: opts.comment });
      if (opts.json) printJson(review);
      else printLine(`${review.id}  closed by ${review.closed_by ?? '?'} (${review.request_id})`);
    });
}

export function registerApprovals(program: Command): void {
  program
    .command('approvals')
    .description('requests you may approve now, with the stage they await')
    .option('--server <url>', 'the Lease server URL (default: the last login)')
    .option('--json', 'print the requests as JSON')
    .action(async (opts: { server?: string; json?: boolean }) => {
      const { client } = await authenticatedClient(opts.server);
      const body = await client.get<{ requests: RequestView[] }>('/api/v1/approvals');
      if (opts.json) printJson(body);
      else printRequestTable(body.requests, { withRequester: true });
    });
}
