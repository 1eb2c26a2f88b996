// dsl/: what a workflow document may contain, checked at load time.
export { validateWorkflowDocument, type ValidationIssue } from './validate.js';
export { DEFAULT_WORKFLOW } from './default-workflow.js';
export {
  taskKind,
  callName,
  isSupportedTaskKind,
  isFlowDirective,
  SUPPORTED_TASK_KINDS,
  LATER_TASK_KINDS,
  FLOW_DIRECTIVES,
  type TaskKind,
  type SupportedTaskKind,
  type FlowDirective,
} from './task-kind.js';
