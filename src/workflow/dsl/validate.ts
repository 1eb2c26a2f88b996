// Load-time checks of a workflow document, so a bad document is refused when the configuration
// loads, not halfway through someone's request. Each check reports `{path, message}` with paths
// like `do/1/authorize/then`. Expressions are compiled when an ExpressionEngine is passed (jq
// loads asynchronously, so the caller awaits createJqEngine() once); without one only the
// `${ }` delimiters are checked. Validation never throws, whatever the value.
//
// @serverlessworkflow/sdk's schema validation is not used: it refuses `dsl: 1.0.0-alpha5` and
// Thand's `thand:` task form, and its oneOf errors name the wrong cause for a malformed task.
import type { ExpressionEngine } from '../interpreter/types.js';
import { checkCondition, checkExpressions, checkSchemaAt, checkThen, checkTimeout, isObject, report, type Checker, type Obj, type ValidationIssue } from './checker.js';
import { checkUse, TASK_CHECKS } from './task-checks.js';
import { isSupportedTaskKind, taskKind } from './task-kind.js';

const DSL_VERSION = /^1\.0\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** Returns every problem found in `doc`; an empty list means the document can run. */
export function validateWorkflowDocument(doc: unknown, engine?: ExpressionEngine): ValidationIssue[] {
  if (!isObject(doc)) return [{ path: '', message: 'a workflow must be an object' }];
  const c: Checker = { issues: [], engine, doc, taskNames: collectTaskNames(doc), scope: [] };
  try {
    checkDocumentHeader(c, doc.document);
    checkUse(c);
    for (const field of ['input', 'output'] as const) {
      const key = field === 'input' ? 'from' : 'as';
      if (doc[field] !== undefined && !isObject(doc[field])) report(c, field, `must be an object ({${key}, schema})`);
      if (isObject(doc[field])) {
        if (doc[field][key] !== undefined) checkExpressions(c, doc[field][key], `${field}/${key}`);
        checkSchemaAt(c, doc[field].schema, `${field}/schema`);
      }
    }
    checkTimeout(c, doc.timeout, 'timeout');
    checkTaskList(c, doc.do, 'do');
  } catch (err) {
    // A check that throws is a bug in the validator; the document is still refused, with a path.
    report(c, '', `validation failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return c.issues;
}

/** `document` names the DSL version (any 1.0.x, Thand's `1.0.0-alpha5` included) and the workflow. */
function checkDocumentHeader(c: Checker, header: unknown): void {
  if (!isObject(header)) {
    report(c, 'document', 'is required: {dsl, namespace, name, version}');
    return;
  }
  if (typeof header.dsl !== 'string' || !DSL_VERSION.test(header.dsl)) {
    report(c, 'document/dsl', `must be a DSL 1.0.x version, got ${JSON.stringify(header.dsl) ?? 'nothing'}`);
  }
  for (const field of ['namespace', 'name', 'version'] as const) {
    if (typeof header[field] !== 'string' || header[field] === '') report(c, `document/${field}`, 'must be a non-empty string');
  }
}

/**
 * A task list is a non-empty list of single-key maps `- <name>: {task}` with unique names.
 * In fork branches (`branches: true`) `then` may only be a directive: a branch runs one task.
 */
export function checkTaskList(c: Checker, list: unknown, path: string, options: { branches?: boolean } = {}): void {
  if (!Array.isArray(list) || list.length === 0) {
    report(c, path, 'must be a non-empty list of tasks (`- <name>: {task}`)');
    return;
  }
  const names = list.map((entry) => (isObject(entry) && Object.keys(entry).length === 1 ? Object.keys(entry)[0] : undefined));
  const siblings = options.branches ? [] : names.filter((n): n is string => n !== undefined);
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const name = names[i];
    if (name === undefined) {
      report(c, `${path}/${i}`, 'must be a map with exactly one key, the task name');
      return;
    }
    if (seen.has(name)) report(c, `${path}/${i}/${name}`, `duplicate task name "${name}" in this list`);
    seen.add(name);
    const task = (entry as Obj)[name];
    if (!isObject(task)) {
      report(c, `${path}/${i}/${name}`, 'a task must be an object');
      return;
    }
    checkTask(c, task, `${path}/${i}/${name}`, siblings);
  });
}

function checkTask(c: Checker, task: Obj, path: string, siblings: string[]): void {
  const kind = taskKind(task);
  if (kind === undefined) {
    report(c, path, `unknown task kind (keys: ${Object.keys(task).join(', ') || 'none'})`);
    return;
  }
  if (!isSupportedTaskKind(kind)) {
    report(c, `${path}/${kind}`, `task kind "${kind}" is not supported yet`);
    return;
  }
  checkThen(c, task.then, `${path}/then`, siblings);
  if (task.if !== undefined) checkCondition(c, task.if, `${path}/if`);
  for (const [field, key] of [['input', 'from'], ['output', 'as'], ['export', 'as']] as const) {
    const holder = task[field];
    if (holder === undefined) continue;
    if (!isObject(holder)) {
      report(c, `${path}/${field}`, `must be an object ({${key}, schema})`);
      continue;
    }
    if (holder[key] !== undefined) checkExpressions(c, holder[key], `${path}/${field}/${key}`);
    checkSchemaAt(c, holder.schema, `${path}/${field}/schema`);
  }
  checkTimeout(c, task.timeout, `${path}/timeout`);
  TASK_CHECKS[kind](c, task, path, siblings, checkTaskList);
}

/** Names of every task in the document's nested lists, for `revocation` targets. */
function collectTaskNames(doc: Obj): Set<string> {
  const names = new Set<string>();
  const visit = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const entry of list) {
      if (!isObject(entry)) continue;
      for (const [name, task] of Object.entries(entry)) {
        names.add(name);
        if (isObject(task)) visit(task.do);
      }
    }
  };
  visit(doc.do);
  return names;
}

