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
