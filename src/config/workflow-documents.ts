// The DSL document of each workflow is checked by the workflow module, injected by the caller
// (LoadOptions.validateWorkflow) so config does not depend on the workflow engine.
import type { IssueLog, PathSegment } from './issues.js';
import type { Sourced } from './merge.js';
import type { WorkflowConfig } from './schema/index.js';

export type WorkflowDocumentValidator = (doc: unknown) => Array<{ path: string; message: string; unresolved?: true; warning?: true }>;

/**
 * Problems in a document are errors, except when every one of them is a name that refers to
 * nothing (a `then` target, a call): Thand loads such a file and fails only when it reaches the
 * name, and its own examples ship one. That workflow is then disabled, loudly: the rest of the
 * configuration loads, and requests that need it are refused (`workflow_disabled`).
 */
export function checkWorkflowDocuments(
  workflows: Map<string, Sourced<WorkflowConfig>>,
  validate: WorkflowDocumentValidator | undefined,
  log: IssueLog,
): void {
  if (validate === undefined) return;
  for (const [id, entry] of workflows) {
    const { file, value } = entry;
    if (value === undefined) continue;
    const found = validate(value.workflow);
    for (const note of found.filter((p) => p.warning === true)) log.warn(file, ['workflows', id, 'workflow', ...parseIssuePath(note.path)], note.message);
    const problems = found.filter((p) => p.warning !== true);
    const disable = problems.length > 0 && problems.every((p) => p.unresolved === true);
    for (const problem of problems) {
      const path = ['workflows', id, 'workflow', ...parseIssuePath(problem.path)];
      if (disable) log.warn(file, path, `${problem.message}; workflow "${id}" is disabled until this is fixed`);
      else log.error(file, path, problem.message);
    }
    if (disable) workflows.set(id, { ...entry, value: { ...value, enabled: false } });
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
