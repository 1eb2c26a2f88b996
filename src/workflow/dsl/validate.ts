// Load-time checks of a workflow document, so a bad document is refused when the configuration
// loads, not halfway through someone's request. Each check reports `{path, message}` with paths
// like `do/1/authorize/then`. Expressions are compiled when an ExpressionEngine is passed (jq
// loads asynchronously, so the caller awaits createJqEngine() once); without one only the
// `${ }` delimiters are checked.
//
// @serverlessworkflow/sdk's schema validation is not used: it refuses `dsl: 1.0.0-alpha5` and
// Thand's `thand:` task form, and its oneOf errors name the wrong cause for a malformed task.
import { isBuiltinCall } from '../calls/names.js';
import { conditionExpression, findExpressions, UnterminatedExpression } from '../expressions/index.js';
import type { ExpressionEngine } from '../interpreter/types.js';
import { callName, isFlowDirective, isSupportedTaskKind, taskKind } from './task-kind.js';

export interface ValidationIssue {
  path: string;
  message: string;
}

const DSL_VERSION = /^1\.0\.\d+(?:-[0-9A-Za-z.-]+)?$/;
const DURATION_FIELDS = ['days', 'hours', 'minutes', 'seconds', 'milliseconds'] as const;
const ISO_DURATION = /^P(?!$)(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$/;

type Obj = Record<string, unknown>;

interface Checker {
  issues: ValidationIssue[];
  engine: ExpressionEngine | undefined;
  doc: Obj;
  /** Every task name in the document, for `revocation` targets. */
  taskNames: Set<string>;
}

/** Returns every problem found in `doc`; an empty list means the document can run. */
export function validateWorkflowDocument(doc: unknown, engine?: ExpressionEngine): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!isObject(doc)) return [{ path: '', message: 'a workflow must be an object' }];
  const c: Checker = { issues, engine, doc, taskNames: collectTaskNames(doc.do) };
  checkDocumentHeader(c, doc.document);
  for (const field of ['input', 'output'] as const) {
    const key = field === 'input' ? 'from' : 'as';
    if (isObject(doc[field]) && (doc[field] as Obj)[key] !== undefined) {
      checkExpressions(c, (doc[field] as Obj)[key], `${field}/${key}`);
    }
  }
  checkTaskList(c, doc.do, 'do');
  return issues;
}

/** `document` names the DSL version (any 1.0.x, Thand's `1.0.0-alpha5` included) and the workflow. */
function checkDocumentHeader(c: Checker, header: unknown): void {
  if (!isObject(header)) {
    report(c, 'document', 'is required: {dsl, namespace, name, version}');
    return;
  }
  if (typeof header.dsl !== 'string' || !DSL_VERSION.test(header.dsl)) {
    report(c, 'document/dsl', `must be a DSL 1.0.x version, got ${JSON.stringify(header.dsl)}`);
  }
  for (const field of ['namespace', 'name', 'version'] as const) {
    if (typeof header[field] !== 'string' || header[field] === '') report(c, `document/${field}`, 'must be a non-empty string');
  }
}

/** A task list is a non-empty list of single-key maps `- <name>: {task}` with unique names. */
function checkTaskList(c: Checker, list: unknown, path: string): void {
  if (!Array.isArray(list) || list.length === 0) {
    report(c, path, 'must be a non-empty list of tasks (`- <name>: {task}`)');
    return;
  }
  const names = list.map((entry) => (isObject(entry) && Object.keys(entry).length === 1 ? Object.keys(entry)[0] : undefined));
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
    checkTask(c, task, `${path}/${i}/${name}`, names.filter((n): n is string => n !== undefined));
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
  if (isObject(task.input) && task.input.from !== undefined) checkExpressions(c, task.input.from, `${path}/input/from`);
  if (isObject(task.output) && task.output.as !== undefined) checkExpressions(c, task.output.as, `${path}/output/as`);
  if (isObject(task.export) && task.export.as !== undefined) checkExpressions(c, task.export.as, `${path}/export/as`);
  TASK_CHECKS[kind](c, task, path, siblings);
}

const TASK_CHECKS: Record<'call' | 'set' | 'switch' | 'wait' | 'raise' | 'do', (c: Checker, task: Obj, path: string, siblings: string[]) => void> = {
  call: checkCall,
  set: (c, task, path) => {
    if (!isObject(task.set) && typeof task.set !== 'string') report(c, `${path}/set`, 'must be an object or a runtime expression');
    checkExpressions(c, task.set, `${path}/set`);
  },
  switch: checkSwitch,
  wait: (c, task, path) => checkDuration(c, task.wait, `${path}/wait`),
  raise: checkRaise,
  do: (c, task, path) => checkTaskList(c, task.do, `${path}/do`),
};

/** Only the built-in access calls exist for now; `with` may hold expressions. */
function checkCall(c: Checker, task: Obj, path: string): void {
  const key = typeof task.thand === 'string' ? 'thand' : typeof task.lease === 'string' ? 'lease' : 'call';
  const name = callName(task);
  if (name === undefined) {
    report(c, `${path}/${key}`, 'must be a call name');
  } else if (!isBuiltinCall(name)) {
    report(c, `${path}/${key}`, `unknown call "${String(task[key])}" (known: lease.validate, lease.approvals, lease.authorize, lease.revoke, lease.notify, lease.monitor; thand.* aliases)`);
  }
  if (task.with !== undefined && !isObject(task.with)) report(c, `${path}/with`, 'must be an object');
  checkExpressions(c, task.with, `${path}/with`);
  const revocation = isObject(task.with) ? task.with.revocation : undefined;
  if (name === 'lease.authorize' && typeof revocation === 'string' && !revocation.includes('${') && !c.taskNames.has(revocation)) {
    report(c, `${path}/with/revocation`, `no task named "${revocation}" in this workflow`);
  }
}

/** Cases are `- <name>: {when?, then}`; a case without `when` is the default. */
function checkSwitch(c: Checker, task: Obj, path: string, siblings: string[]): void {
  if (!Array.isArray(task.switch) || task.switch.length === 0) {
    report(c, `${path}/switch`, 'must be a non-empty list of cases (`- <name>: {when, then}`)');
    return;
  }
  task.switch.forEach((entry, i) => {
    const keys = isObject(entry) ? Object.keys(entry) : [];
    const body = keys.length === 1 ? (entry as Obj)[keys[0] as string] : undefined;
    if (!isObject(body)) {
      report(c, `${path}/switch/${i}`, 'a case must be `- <name>: {when, then}`');
      return;
    }
    const casePath = `${path}/switch/${i}/${keys[0] as string}`;
    if (body.when !== undefined) checkCondition(c, body.when, `${casePath}/when`);
    if (body.then === undefined) report(c, `${casePath}/then`, 'is required');
    checkThen(c, body.then, `${casePath}/then`, siblings);
  });
}

/** `wait` is an ISO-8601 duration (`PT5S`) or `{days, hours, minutes, seconds, milliseconds}`. */
function checkDuration(c: Checker, wait: unknown, path: string): void {
  if (typeof wait === 'string') {
    if (!ISO_DURATION.test(wait.trim())) report(c, path, `"${wait}" is not an ISO-8601 duration such as PT5S (years and months are refused)`);
    return;
  }
  if (!isObject(wait) || Object.keys(wait).length === 0) {
    report(c, path, 'must be an ISO-8601 duration or {days, hours, minutes, seconds, milliseconds}');
    return;
  }
  for (const [key, value] of Object.entries(wait)) {
    if (!(DURATION_FIELDS as readonly string[]).includes(key)) report(c, `${path}/${key}`, `unknown duration field (use ${DURATION_FIELDS.join(', ')})`);
    else if (typeof value !== 'number' || !(value >= 0)) report(c, `${path}/${key}`, 'must be a number ≥ 0');
  }
}

/** `raise.error` is `{type, status, title?, detail?}` or the name of an error in `use.errors`. */
function checkRaise(c: Checker, task: Obj, path: string): void {
  const raise = task.raise;
  const error = isObject(raise) ? raise.error : undefined;
  if (typeof error === 'string') {
    const errors = isObject(c.doc.use) && isObject(c.doc.use.errors) ? c.doc.use.errors : {};
    if (!(error in errors)) report(c, `${path}/raise/error`, `no error named "${error}" in use.errors`);
    return;
  }
  if (!isObject(error)) {
    report(c, `${path}/raise/error`, 'must be {type, status, title?, detail?} or the name of an error in use.errors');
    return;
  }
  if (typeof error.type !== 'string' || error.type === '') report(c, `${path}/raise/error/type`, 'must be a non-empty string (a URI)');
  if (typeof error.status !== 'number' && !(typeof error.status === 'string' && error.status.includes('${'))) {
    report(c, `${path}/raise/error/status`, 'must be a number');
  }
  checkExpressions(c, error, `${path}/raise/error`);
}

/** `then` is `continue`, `exit`, `end` or the name of a task in the same list. */
function checkThen(c: Checker, then: unknown, path: string, siblings: string[]): void {
  if (then === undefined) return;
  if (typeof then !== 'string') report(c, path, 'must be continue, exit, end or a task name');
  else if (!isFlowDirective(then) && !siblings.includes(then)) {
    report(c, path, `no task named "${then}" in this list (expected continue, exit, end or one of: ${siblings.join(', ')})`);
  }
}

/** `if` and `when` are jq, with or without `${ }`. */
function checkCondition(c: Checker, condition: unknown, path: string): void {
  if (typeof condition === 'boolean') return;
  if (typeof condition !== 'string') {
    report(c, path, 'must be a runtime expression');
    return;
  }
  compile(c, conditionExpression(condition), path);
}

/** Every `${ }` in `value` (deeply) must be terminated and, given an engine, compile. */
function checkExpressions(c: Checker, value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (!value.includes('${')) return;
    try {
      for (const span of findExpressions(value)) compile(c, span.expression, path);
    } catch (err) {
      if (!(err instanceof UnterminatedExpression)) throw err;
      report(c, path, err.message);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => checkExpressions(c, item, `${path}/${i}`));
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) checkExpressions(c, item, `${path}/${key}`);
  }
}

function compile(c: Checker, expression: string, path: string): void {
  if (expression === '') {
    report(c, path, 'empty expression');
    return;
  }
  const message = c.engine?.check(expression);
  if (message !== undefined) report(c, path, `expression does not compile: ${message}`);
}

function collectTaskNames(list: unknown, names = new Set<string>()): Set<string> {
  if (!Array.isArray(list)) return names;
  for (const entry of list) {
    if (!isObject(entry)) continue;
    for (const [name, task] of Object.entries(entry)) {
      names.add(name);
      if (isObject(task)) collectTaskNames(task.do, names);
    }
  }
  return names;
}

function report(c: Checker, path: string, message: string): void {
  c.issues.push({ path, message });
}

function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
