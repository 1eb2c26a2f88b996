// The approval rules, in one place for every route that can move a request forward (approve,
// deny, and lease.authorize before it grants): approvers are the role's approvers (any stage)
// or administrators; nobody approves their own request; each approver counts once; one denial
// ends it; stages are approved in order, each by `required` distinct approvers of its own.
import { PolicyDenied, identityMatches, sameIdentity, type Identity } from '../../core/index.js';
import type { ResolvedRole } from '../../config/index.js';
import type { DecisionRecord, RequestRecord } from '../../store/index.js';
import type { AccessControl } from './access-control.js';
import { isOnCallApproval } from './on-call-approval.js';

/** Whether `identity` may decide on requests for `role` (the requester aside). */
export function isApprover(identity: Identity, role: ResolvedRole | undefined, access: AccessControl): boolean {
  return access.isAdmin(identity) || (role?.approvals !== undefined && identityMatches(identity, role.approvals.approvers));
}

/** Whether `identity` may approve at stage `index` of the role: one of its approvers, or an administrator. */
export function isStageApprover(identity: Identity, role: ResolvedRole, index: number, access: AccessControl): boolean {
  const stage = role.approvals?.stages[index];
  return stage !== undefined && (access.isAdmin(identity) || identityMatches(identity, stage.approvers));
}

export interface ApprovalProgress {
  /** Per stage, the approvers (`<provider>:<user>`) counted for it, in the order they approved. */
  stages: Array<{ approvedBy: string[] }>;
  /** Index of the stage awaiting approval; null once every stage is approved (or none is needed). */
  stage: number | null;
  /** The first denial, which ends the request. */
  denial: DecisionRecord | undefined;
}

/**
 * Where a request stands, from its decisions in the order they were made, checked against the
 * current configuration: an approval counts for the stage awaiting approval when it was made,
 * if its approver is one of that stage's (approvers who are no longer approvers do not count);
 * the requester never counts; each approver counts once, for one stage.
 */
export function approvalProgress(request: RequestRecord, role: ResolvedRole | undefined, decisions: readonly DecisionRecord[], access: AccessControl): ApprovalProgress {
  const stages = role?.approvals?.stages ?? [];
  const progress: ApprovalProgress = { stages: stages.map(() => ({ approvedBy: [] })), stage: stages.length > 0 ? 0 : null, denial: undefined };
  const counted = new Set<string>();
  for (const d of decisions) {
    if (sameIdentity(d.identity, request.identity) || !isApprover(d.identity, role, access)) continue;
    if (!d.approved) {
      progress.denial ??= d;
      continue;
    }
    if (progress.stage === null || counted.has(d.approver) || !isStageApprover(d.identity, role!, progress.stage, access)) continue;
    counted.add(d.approver);
    const current = progress.stages[progress.stage]!;
    current.approvedBy.push(d.approver);
    if (current.approvedBy.length >= stages[progress.stage]!.required) progress.stage = progress.stage + 1 < stages.length ? progress.stage + 1 : null;
  }
  // Lease's own approval of a requester on call satisfies every stage (on-call-approval.ts).
  if (progress.denial === undefined && decisions.some((d) => isOnCallApproval(d, role))) progress.stage = null;
  return progress;
}

/** Whether the request needs its role's approvals: not a break-glass request, not an extension the role lets through. */
export function needsApproval(request: RequestRecord, role: ResolvedRole | undefined): boolean {
  if (role?.approvals === undefined) return false;
  if (request.break_glass && role.breakGlass) return false;
  if (request.extended_from !== null && role.extendWithoutApproval) return false;
  return true;
}

/**
 * Throws PolicyDenied unless the role's approval rule is met by the recorded decisions, checked
 * against the current configuration: approvers who are no longer approvers do not count.
 */
export function checkApprovalsMet(request: RequestRecord, role: ResolvedRole | undefined, decisions: readonly DecisionRecord[], access: AccessControl): void {
  if (!needsApproval(request, role)) return;
  const progress = approvalProgress(request, role, decisions, access);
  if (progress.denial) throw new PolicyDenied('approval_denied', `request ${request.id} was denied by ${progress.denial.approver}`);
  if (progress.stage === null) return;
  const stages = role!.approvals!.stages;
  const stage = stages[progress.stage]!;
  const given = progress.stages.reduce((sum, s) => sum + s.approvedBy.length, 0);
  const required = role!.approvals!.required;
  throw new PolicyDenied(
    'approval_required',
    stages.length === 1
      ? `role "${role!.id}" needs ${required} approval${required === 1 ? '' : 's'} from its approvers before it is granted; ${given} given`
      : `role "${role!.id}" needs its ${stages.length} approval stages before it is granted; "${stage.name}" has ${progress.stages[progress.stage]!.approvedBy.length} of ${stage.required}`,
  );
}
