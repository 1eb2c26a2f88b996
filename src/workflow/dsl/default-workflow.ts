import type { WorkflowDocument } from '../interpreter/types.js';

/**
 * The workflow of a role that names none: validate the request, then grant it. Revocation at
 * expiry needs no task: the interpreter revokes implicitly when the lease expires.
 */
export const DEFAULT_WORKFLOW: WorkflowDocument = {
  document: { dsl: '1.0.0', namespace: 'lease', name: 'default', version: '1.0.0' },
  do: [
    { validate: { call: 'lease.validate', with: { validator: 'static' } } },
    { authorize: { call: 'lease.authorize' } },
  ],
};

/**
 * The default workflow of a role that names approvers: validate, wait for `required` distinct
 * approvals (any denial ends it), then grant.
 */
export function defaultApprovalWorkflow(required: number): WorkflowDocument {
  return {
    document: { dsl: '1.0.0', namespace: 'lease', name: 'default-approval', version: '1.0.0' },
    do: [
      { validate: { call: 'lease.validate', with: { validator: 'static' } } },
      { approve: { call: 'lease.approvals', with: { count: required } } },
      { authorize: { call: 'lease.authorize' } },
    ],
  };
}

/**
 * The workflow of a break-glass request: validate, tell every notification provider of the
 * role loudly (a failed notice does not hold the grant back), then grant without approval.
 */
export function breakGlassWorkflow(notifiers: readonly string[], message: string): WorkflowDocument {
  return {
    document: { dsl: '1.0.0', namespace: 'lease', name: 'break-glass', version: '1.0.0' },
    do: [
      { validate: { call: 'lease.validate', with: { validator: 'static' } } },
      ...notifiers.map((provider, i) => ({
        [`notify_${i}`]: { try: [{ send: { call: 'lease.notify', with: { provider, message } } }], catch: {} },
      })),
      { authorize: { call: 'lease.authorize' } },
    ],
  };
}

/** Where an extension's approvers are asked: a notification provider, and its target when the role's workflow names one. */
export interface ApprovalNotice {
  provider: string;
  to?: string;
}

/**
 * The workflow of an extension that needs approval: validate, ask the approvers where the role's
 * workflows ask them (a failed message does not hold the request back: the approvals inbox has
 * it), wait for the approvals, then apply the extension.
 */
export function extensionApprovalWorkflow(required: number, notices: readonly ApprovalNotice[], message: string): WorkflowDocument {
  return {
    document: { dsl: '1.0.0', namespace: 'lease', name: 'extension-approval', version: '1.0.0' },
    do: [
      { validate: { call: 'lease.validate', with: { validator: 'static' } } },
      ...notices.map((notice, i) => ({
        [`notify_${i}`]: { try: [{ send: { call: 'lease.notify', with: { ...notice, message, approvals: true } } }], catch: {} },
      })),
      { approve: { call: 'lease.approvals', with: { count: required } } },
      { authorize: { call: 'lease.authorize' } },
    ],
  };
}
