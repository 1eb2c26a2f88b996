// Whether a workflow document ever waits for an approval: a `lease.approvals` call (any
// spelling: `call: thand.approvals`, `thand: approvals`, `lease: approvals`) or a `listen` for
// approval events. Used to warn about roles whose approvers their workflow never asks; the
// grant itself is still refused without the approvals (lease.authorize checks them).
const APPROVAL_CALLS = new Set(['lease.approvals', 'thand.approvals']);
const APPROVAL_EVENTS = new Set(['com.lease.approval', 'com.thand.approval']);

export function asksForApproval(document: unknown): boolean {
  if (Array.isArray(document)) return document.some(asksForApproval);
  if (document === null || typeof document !== 'object') return false;
  const node = document as Record<string, unknown>;
  if (typeof node.call === 'string' && APPROVAL_CALLS.has(node.call)) return true;
  if (node.thand === 'approvals' || node.lease === 'approvals') return true;
  if (typeof node.type === 'string' && APPROVAL_EVENTS.has(node.type)) return true;
  return Object.values(node).some(asksForApproval);
}
