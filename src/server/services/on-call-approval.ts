// On-call auto-approval (role `approvals.auto_approve_on_call`): when a request is created, Lease
// asks the role's PagerDuty or Opsgenie schedule who is on call now; a requester on call (by the
// verified e-mail their identity provider vouches for) is approved by Lease itself, as the
// approver `lease:on-call:<provider>` on the channel `on-call`, audited with the schedule and who
// was on call. That one decision satisfies the role's approvals (approvers.ts) and the workflow's
// lease.approvals wait. Not on call, no verified e-mail, or a service that cannot say: nothing is
// decided and the role's approvers decide as usual (a failure is audited, never read as "on call").
import { identityKey, toIso, type Clock, type Identity, type Logger } from '../../core/index.js';
import type { ResolvedRole } from '../../config/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { DecisionRecord, RequestRecord, Store } from '../../store/index.js';

export const ON_CALL_CHANNEL = 'on-call';

/** The identity Lease decides as for an on-call provider: `lease:on-call:<provider>`. */
export function onCallIdentity(providerId: string): Identity {
  return { provider: 'lease', provider_type: 'lease', id: `on-call:${providerId}`, name: `on call (${providerId})`, groups: [] };
}

/** Whether `decision` is Lease's on-call approval under the role's current rule. */
export function isOnCallApproval(decision: Pick<DecisionRecord, 'approver' | 'approved' | 'channel'>, role: ResolvedRole | undefined): boolean {
  const rule = role?.approvals?.autoApproveOnCall;
  return rule !== undefined && decision.approved && decision.channel === ON_CALL_CHANNEL && decision.approver === identityKey(onCallIdentity(rule.provider));
}

export interface OnCallDeps {
  store: Store;
  providers: Map<string, ProviderInstance>;
  clock: Clock;
  logger: Logger;
}

/** What the workflow is told when Lease approved: the `com.lease.approval` event's data. */
export type OnCallApprovalEvent = Record<string, unknown> & { approved: true; approver: string; channel: typeof ON_CALL_CHANNEL };

/**
 * Checks the schedule for `request` and, when its requester is on call, records and audits Lease's
 * approval. Returns the approval event to deliver, or undefined when the approvers must decide.
 * Never throws: any failure is audited and leaves the request to its approvers.
 */
export async function approveIfOnCall(deps: OnCallDeps, request: RequestRecord, role: ResolvedRole): Promise<OnCallApprovalEvent | undefined> {
  const rule = role.approvals?.autoApproveOnCall;
  if (rule === undefined) return undefined;
  const { store, clock, logger } = deps;
  const lease = onCallIdentity(rule.provider);
  const approver = identityKey(lease);
  const facts = { on_call_provider: rule.provider, schedule: rule.schedule };
  const email = request.identity.email_verified === true && request.identity.email ? request.identity.email.trim().toLowerCase() : undefined;
  if (email === undefined) {
    await store.audit.append({ actor: approver, action: 'request.on_call_checked', subject: request.id, data: { ...facts, on_call: null, matched: false, why: 'the requester has no verified e-mail' } });
    return undefined;
  }
  const provider = deps.providers.get(rule.provider);
  let onCall: string[];
  try {
    if (!provider?.enabled || !provider.onCall) throw new Error(`provider "${rule.provider}" is ${provider ? 'disabled or not an on-call provider' : 'not configured'}`);
    onCall = await provider.onCall.onCallAt(rule.schedule, new Date(clock.now()));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: unknown }).code;
    await store.audit.append({ actor: approver, action: 'request.on_call_check_failed', subject: request.id, data: { ...facts, code: typeof code === 'string' ? code : 'error', message } });
    logger.warn({ request: request.id, ...facts, err: message }, 'on-call check failed; the approvers decide');
    return undefined;
  }
  if (!onCall.includes(email)) {
    await store.audit.append({ actor: approver, action: 'request.on_call_checked', subject: request.id, data: { ...facts, on_call: onCall, matched: false } });
    return undefined;
  }
  const reason = `${email} is on call on schedule ${rule.schedule} (${rule.provider})`;
  const decision: DecisionRecord = { request_id: request.id, approver, identity: lease, approved: true, reason, channel: ON_CALL_CHANNEL, decided_at: toIso(clock.now()) };
  await store.transaction(async (tx) => {
    await tx.decisions.insert(decision);
    await tx.audit.append({ actor: approver, action: 'request.approved', subject: request.id, data: { reason, channel: ON_CALL_CHANNEL, ...facts, on_call: onCall } });
  });
  logger.info({ request: request.id, approver, user: identityKey(request.identity), role: request.role, provider: request.provider, ...facts }, 'request approved: requester on call');
  return { approved: true, approver, channel: ON_CALL_CHANNEL, user: { id: lease.id, provider: lease.provider, email: null, name: lease.name ?? null }, reason, on_call: { ...facts } };
}
