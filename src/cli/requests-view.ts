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
  if (r.break_glass) printLine('  BREAK-GLASS: granted without approval; an administrator reviews it');
  if (r.start_at) printLine(`  starts    ${r.start_at}`);
  if (r.extended_from) printLine(`  extends   ${r.extended_from}`);
  if (r.approvals) {
    const a = r.approvals;
    a.stages.forEach((stage, i) => {
      const mark = a.stage === i ? '  <- awaiting' : '';
      printLine(`  stage ${i + 1}/${a.stages.length} ${stage.name}: ${stage.approved_by.length}/${stage.required} approved${stage.approved_by.length ? ` (${stage.approved_by.join(', ')})` : ''}${mark}`);
    });
    for (const d of a.decisions) printLine(`  ${d.approved ? 'approved' : 'denied  '}  by ${d.approver} via ${d.channel} at ${d.at}${d.reason ? `: ${d.reason}` : ''}`);
    if (a.timeout_at && r.status === 'pending') printLine(`  expires unapproved at ${a.timeout_at}`);
  }
}

/** The status, with the approval stage awaiting a decision: `pending (stage 1/2)`. */
export function statusOf(r: RequestView): string {
  const a = r.approvals;
  if (a && a.stage !== null && r.status === 'pending') return `${r.status} (stage ${a.stage + 1}/${a.stages.length})`;
  return r.break_glass ? `${r.status} (break-glass)` : r.status;
}

/** A table of requests; `withRequester` adds who asked (lists of everyone's requests). */
export function printRequestTable(requests: RequestView[], options: { withRequester?: boolean } = {}): void {
  const requester = options.withRequester ?? false;
  printTable(
    ['ID', 'STATUS', 'ROLE', 'PROVIDER', ...(requester ? ['REQUESTER'] : []), 'EXPIRES'],
    requests.map((r) => [r.id, statusOf(r), r.role, r.provider, ...(requester ? [requesterOf(r)] : []), r.expires_at ?? '-']),
  );
}
