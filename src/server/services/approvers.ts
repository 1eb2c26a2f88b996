// The approval rules, in one place for every route that can move a request forward (approve,
// deny, and lease.authorize before it grants): approvers are the role's `approvals.approvers`
// or administrators; nobody approves their own request; each approver counts once; one denial
// ends it; a role that names approvers is granted only after `required` distinct approvals.
import { PolicyDenied, identityMatches, sameIdentity, type Identity } from '../../core/index.js';
import type { ResolvedRole } from '../../config/index.js';
import type { DecisionRecord, RequestRecord } from '../../store/index.js';
import type { AccessControl } from './access-control.js';
import { isOnCallApproval } from './on-call-approval.js';

/** Whether `identity` may decide on requests for `role` (the requester aside). */
export function isApprover(identity: Identity, role: ResolvedRole | undefined, access: AccessControl): boolean {
  return access.isAdmin(identity) || (role?.approvals !== undefined && identityMatches(identity, role.approvals.approvers));
}

/**
 * Throws PolicyDenied unless the role's approval rule is met by the recorded decisions, checked
 * against the current configuration: approvers who are no longer approvers do not count.
 */
export function checkApprovalsMet(request: RequestRecord, role: ResolvedRole | undefined, decisions: readonly DecisionRecord[], access: AccessControl): void {
  if (role?.approvals === undefined) return;
  // Lease's own approval of a requester on call satisfies the whole rule (on-call-approval.ts).
  if (decisions.some((d) => isOnCallApproval(d, role)) && decisions.every((d) => d.approved)) return;
  const denial = decisions.find((d) => !d.approved);
  if (denial) throw new PolicyDenied('approval_denied', `request ${request.id} was denied by ${denial.approver}`);
  const approvers = new Set(
    decisions.filter((d) => !sameIdentity(d.identity, request.identity) && isApprover(d.identity, role, access)).map((d) => d.approver),
  );
  const { required } = role.approvals;
  if (approvers.size < required) {
    throw new PolicyDenied(
      'approval_required',
      `role "${role.id}" needs ${required} approval${required === 1 ? '' : 's'} from its approvers before it is granted; ${approvers.size} given`,
    );
  }
}
