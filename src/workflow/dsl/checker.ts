// The shared part of load-time validation: where issues are collected and how expressions,
// conditions, durations, schemas and flow directives are checked. Every check is total: it
// reports what is wrong with any JSON value and never throws.
import { conditionExpression, ExpressionError, findExpressions, UnterminatedExpression } from '../expressions/index.js';
import { checkSchema } from './schema.js';
import type { ExpressionEngine } from '../interpreter/types.js';
import { isFlowDirective } from './task-kind.js';

export interface ValidationIssue {
  path: string;
  message: string;
  /**
   * The document names something that does not exist (a `then` target, a call). Such a
   * workflow cannot run as written, but the rest of the configuration is sound; Thand loads
   * such files and fails when it reaches the name.
   */
  unresolved?: true;
  /** Not a problem: something the document asks for that Lease does not do, said out loud. */
  warning?: true;
}

export type Obj = Record<string, unknown>;

export interface Checker {
  issues: ValidationIssue[];
  engine: ExpressionEngine | undefined;
  doc: Obj;
  /** Every task name in the document, for `revocation` targets. */
  taskNames: Set<string>;
  /** Variables bound by enclosing tasks (`for` each/at, `catch.as`), for compiling expressions. */
  scope: string[];
}

/** Runs `fn` with `names` bound as variables for the expressions it checks. */
export function withScope(c: Checker, names: unknown[], fn: () => void): void {
  const added = names.filter((n): n is string => typeof n === 'string' && IDENTIFIER.test(n));
  c.scope.push(...added);
  try {
    fn();
  } finally {
    c.scope.length -= added.length;
  }
}

const DURATION_FIELDS = ['days', 'hours', 'minutes', 'seconds', 'milliseconds'] as const;
const ISO_DURATION = /^P(?!$)(\d+(?:\.\d+)?W)?(\d+(?:\.\d+)?D)?(T(?=\d)(\d+(?:\.\d+)?H)?(\d+(?:\.\d+)?M)?(\d+(?:\.\d+)?S)?)?$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function report(c: Checker, path: string, message: string): void {
  c.issues.push({ path, message });
}

/** Something asked for that Lease ignores (ValidationIssue.warning). */
export function warn(c: Checker, path: string, message: string): void {
  c.issues.push({ path, message, warning: true });
}

/** A name that refers to nothing (ValidationIssue.unresolved). */
export function reportUnresolved(c: Checker, path: string, message: string): void {
  c.issues.push({ path, message, unresolved: true });
}

export function isObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `use.<section>` of the document, or an empty map. */
export function useSection(c: Checker, section: string): Obj {
  return isObject(c.doc.use) && isObject(c.doc.use[section]) ? c.doc.use[section] : {};
}

/** `then` is `continue`, `exit`, `end` or the name of a task in the same list. */
export function checkThen(c: Checker, then: unknown, path: string, siblings: string[]): void {
  if (then === undefined) return;
  if (typeof then !== 'string') report(c, path, 'must be continue, exit, end or a task name');
  else if (!isFlowDirective(then) && !siblings.includes(then)) {
    const names = siblings.length > 0 ? ` or one of: ${siblings.join(', ')}` : '';
    reportUnresolved(c, path, `no task named "${then}" in this list (expected continue, exit, end${names})`);
  }
}

/** `if`, `when`, `while` are jq, with or without `${ }`. */
export function checkCondition(c: Checker, condition: unknown, path: string): void {
  if (typeof condition === 'boolean') return;
  if (typeof condition !== 'string') {
    report(c, path, 'must be a runtime expression');
    return;
  }
  let expression: string;
  try {
    expression = conditionExpression(condition);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    report(c, path, err.message);
    return;
  }
  compile(c, expression, path);
}

/** Every `${ }` in `value` (deeply) must be terminated and, given an engine, compile. */
export function checkExpressions(c: Checker, value: unknown, path: string): void {
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

const SECRET_REFERENCE = /\$secrets\.([A-Za-z_][A-Za-z0-9_]*)/g;

function compile(c: Checker, expression: string, path: string): void {
  if (expression === '') {
    report(c, path, 'empty expression');
    return;
  }
  for (const match of expression.matchAll(SECRET_REFERENCE)) {
    const name = match[1] as string;
    const declared = isObject(c.doc.use) ? c.doc.use.secrets : undefined;
    const names = Array.isArray(declared) ? declared : isObject(declared) ? Object.keys(declared) : [];
    if (!names.includes(name)) report(c, path, `$secrets.${name} is not declared in use.secrets`);
  }
  const message = c.engine?.check(expression, c.scope);
  if (message !== undefined) report(c, path, `expression does not compile: ${message}`);
}

/** A duration is ISO-8601 (`PT5S`) or `{days, hours, minutes, seconds, milliseconds}`. */
export function checkDuration(c: Checker, value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (!ISO_DURATION.test(value.trim())) report(c, path, `"${value}" is not an ISO-8601 duration such as PT5S (years and months are refused)`);
    return;
  }
  if (!isObject(value) || Object.keys(value).length === 0) {
    report(c, path, 'must be an ISO-8601 duration or {days, hours, minutes, seconds, milliseconds}');
    return;
  }
  for (const [key, amount] of Object.entries(value)) {
    if (!(DURATION_FIELDS as readonly string[]).includes(key)) report(c, `${path}/${key}`, `unknown duration field (use ${DURATION_FIELDS.join(', ')})`);
    else if (typeof amount !== 'number' || !(amount >= 0)) report(c, `${path}/${key}`, 'must be a number ≥ 0');
  }
}

/** `timeout` is `{after: duration}` or the name of a timeout in `use.timeouts`. */
export function checkTimeout(c: Checker, timeout: unknown, path: string): void {
  if (timeout === undefined) return;
  if (typeof timeout === 'string') {
    if (!(timeout in useSection(c, 'timeouts'))) report(c, path, `no timeout named "${timeout}" in use.timeouts`);
    return;
  }
  if (!isObject(timeout) || timeout.after === undefined) {
    report(c, path, 'must be {after: <duration>} or the name of a timeout in use.timeouts');
    return;
  }
  checkDuration(c, timeout.after, `${path}/after`);
}

/** `input.schema`, `output.schema`, `export.schema`: an inline JSON Schema that compiles. */
export function checkSchemaAt(c: Checker, schema: unknown, path: string): void {
  if (schema === undefined) return;
  const message = checkSchema(schema);
  if (message !== undefined) report(c, path, `invalid schema: ${message}`);
}

export function checkIdentifier(c: Checker, name: unknown, path: string): void {
  if (name === undefined) return;
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) report(c, path, 'must be a variable name (letters, digits, _)');
}
