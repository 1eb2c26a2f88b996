// Shared by the request commands: the API's request shape and how it prints.
import type { RequestView } from '../server/api/schemas.js';
import { printLine, printTable } from './output.js';

export type { RequestView };

export function printRequest(r: RequestView): void {
  printLine(`${r.id}  ${r.status}`);
  printLine(`  role      ${r.role} on ${r.provider}`);
  printLine(`  duration  ${r.duration}${r.expires_at ? `  (expires ${r.expires_at})` : ''}`);
  printLine(`  reason    ${r.reason}`);
  printLine(`  requester ${r.requester.email ?? r.requester.id}`);
  if (r.outcome) printLine(`  outcome   ${r.outcome.code}: ${r.outcome.message}`);
}

export function printRequestTable(requests: RequestView[]): void {
  printTable(
    ['ID', 'STATUS', 'ROLE', 'PROVIDER', 'EXPIRES'],
    requests.map((r) => [r.id, r.status, r.role, r.provider, r.expires_at ?? '-']),
  );
}
