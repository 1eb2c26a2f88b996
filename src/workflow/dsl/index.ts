// dsl/: what a workflow document may contain, checked at load time.
export { validateWorkflowDocument } from './validate.js';
export type { ValidationIssue } from './checker.js';
export { DEFAULT_WORKFLOW, breakGlassWorkflow, defaultApprovalWorkflow, extensionApprovalWorkflow, type ApprovalNotice } from './default-workflow.js';
export { checkSchema, schemaProblems, schemaDocument } from './schema.js';
export {
  taskKind,
  callName,
  isSupportedTaskKind,
  isFlowDirective,
  SUPPORTED_TASK_KINDS,
  LATER_TASK_KINDS,
  FLOW_DIRECTIVES,
  DSL_CALLS,
  type TaskKind,
  type SupportedTaskKind,
  type FlowDirective,
} from './task-kind.js';
