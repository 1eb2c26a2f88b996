// The DSL document of each workflow is checked by the workflow module, injected by the caller
// (LoadOptions.validateWorkflow) so config does not depend on the workflow engine.
import type { IssueLog, PathSegment } from './issues.js';
import type { Sourced } from './merge.js';
import type { WorkflowConfig } from './schema/index.js';

export type WorkflowDocumentValidator = (doc: unknown) => Array<{ path: string; message: string }>;

export function checkWorkflowDocuments(
  workflows: Map<string, Sourced<WorkflowConfig>>,
  validate: WorkflowDocumentValidator | undefined,
  log: IssueLog,
): void {
  if (validate === undefined) return;
  for (const [id, { file, value }] of workflows) {
    if (value === undefined) continue;
    for (const problem of validate(value.workflow)) {
      log.error(file, ['workflows', id, 'workflow', ...parseIssuePath(problem.path)], problem.message);
    }
  }
}

/**
 * Accepts a slash path (`do/0/validate`, as the DSL validator reports), a JSON pointer
 * (`/do/0/validate`), a dotted path (`do[0].validate`) or '' for the whole document.
 */
export function parseIssuePath(path: string): PathSegment[] {
  const parts = path.includes('/')
    ? path.split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    : path.split(/\.|\[(\d+)\]/).filter((p): p is string => p !== undefined && p !== '');
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
