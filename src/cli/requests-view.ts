// Shared by the request commands: the API's request shape and how it prints.
import type { RequestView } from '../server/api/schemas.js';
import { printLine, printTable } from './output.js';

export type { RequestView };

/** Who asked, as `<identity provider>:<user>`: the same user id at two identity providers is two people. */
export function requesterOf(r: RequestView): string {
  return `${r.requester.provider}:${r.requester.id}`;
}

export function printRequest(r: RequestView): void {
  printLine(`${r.id}  ${r.status}`);
  printLine(`  role      ${r.role} on ${r.provider}`);
  printLine(`  duration  ${r.duration}${r.expires_at ? `  (expires ${r.expires_at})` : ''}`);
  printLine(`  reason    ${r.reason}`);
  printLine(`  requester ${requesterOf(r)}${r.requester.email ? ` <${r.requester.email}>` : ''}`);
  if (r.outcome) printLine(`  outcome   ${r.outcome.code}: ${r.outcome.message}`);
}

/** A table of requests; `withRequester` adds who asked (lists of everyone's requests). */
export function printRequestTable(requests: RequestView[], options: { withRequester?: boolean } = {}): void {
  const requester = options.withRequester ?? false;
  printTable(
    ['ID', 'STATUS', 'ROLE', 'PROVIDER', ...(requester ? ['REQUESTER'] : []), 'EXPIRES'],
    requests.map((r) => [r.id, r.status, r.role, r.provider, ...(requester ? [requesterOf(r)] : []), r.expires_at ?? '-']),
  );
}
