import { formatIsoDuration } from '../../core/index.js';
import type { ResolvedRole } from '../../config/index.js';
import type { DecisionRecord, RequestRecord } from '../../store/index.js';
import type { ApprovalsView, RequestView } from '../api/schemas.js';
import type { AccessControl } from './access-control.js';
import { approvalProgress, needsApproval } from './approvers.js';

export function toRequestView(r: RequestRecord, approvals: ApprovalsView | null = null): RequestView {
  return {
    id: r.id,
    status: r.status,
    role: r.role,
    provider: r.provider,
    workflow: r.workflow,
    reason: r.reason,
    duration: formatIsoDuration(r.duration_ms),
    requester: {
      id: r.identity.id,
      ...(r.identity.email ? { email: r.identity.email } : {}),
      ...(r.identity.name ? { name: r.identity.name } : {}),
      provider: r.identity.provider,
    },
    created_at: r.created_at,
    updated_at: r.updated_at,
    granted_at: r.granted_at,
    expires_at: r.expires_at,
    ended_at: r.ended_at,
    outcome: r.outcome,
    approvals,
    break_glass: r.break_glass,
    start_at: r.start_at,
    extended_from: r.extended_from,
  };
}

/** Where the request stands against its role's approval stages; null when it needs no approval. */
export function toApprovalsView(r: RequestRecord, role: ResolvedRole | undefined, decisions: readonly DecisionRecord[], access: AccessControl): ApprovalsView | null {
  if (!needsApproval(r, role)) return null;
  const rule = role!.approvals!;
  const progress = approvalProgress(r, role, decisions, access);
  return {
    required: rule.required,
    stage: r.status === 'pending' && !progress.denial ? progress.stage : null,
    stages: rule.stages.map((stage, i) => ({
      name: stage.name,
      required: stage.required,
      approvers: principalNames(stage.approvers),
      approved_by: progress.stages[i]?.approvedBy ?? [],
    })),
    decisions: decisions.map((d) => ({ approver: d.approver, approved: d.approved, reason: d.reason, channel: d.channel, at: d.decided_at })),
    timeout_at: r.timeout_at,
  };
}

/** Approvers as `{users, groups}`, each `<identity provider>:<name>` (e-mail addresses among users). */
function principalNames(refs: ResolvedRole['requesters']): { users: string[]; groups: string[] } {
  const users: string[] = [];
  const groups: string[] = [];
  for (const ref of refs) {
    if ('group' in ref) groups.push(`${ref.provider}:${ref.group}`);
    else users.push(`${ref.provider}:${'user' in ref ? ref.user : ref.email}`);
  }
  return { users, groups };
}
