// Runtime expressions in workflow documents. A string that is only `${ expr }` (whitespace
// around it allowed: YAML `>` blocks add a trailing newline) yields the expression's JSON value.
// A string with text around `${ }` parts interpolates them: strings as they are, other values
// JSON-encoded. Objects and arrays are evaluated deeply; other values are returned unchanged.
import type { ExpressionEngine } from '../interpreter/types.js';
import { ExpressionError } from './errors.js';
import { findExpressions, UnterminatedExpression } from './scan.js';

export type ExpressionVariables = Record<string, unknown>;

/** True when `value` is a string containing at least one `${ ... }`. */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.includes('${');
}

/** The jq text of a string that is entirely one `${ expr }`, else undefined. */
export function wholeExpression(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('${')) return undefined;
  const spans = spansOf(trimmed);
  const only = spans.length === 1 ? spans[0] : undefined;
  return only && only.start === 0 && only.end === trimmed.length ? only.expression : undefined;
}

/** Evaluates every runtime expression in `value` (deeply) against `input`. */
export function evaluateValue(value: unknown, input: unknown, vars: ExpressionVariables, engine: ExpressionEngine): unknown {
  if (typeof value === 'string') return evaluateString(value, input, vars, engine);
  if (Array.isArray(value)) return value.map((item) => evaluateValue(item, input, vars, engine));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = evaluateValue(item, input, vars, engine);
    return out;
  }
  return value;
}

/**
 * Evaluates a condition (`if`, switch `when`). Accepts `${ expr }` or bare jq, as Thand's
 * workflows write `when: any($context.approvals[]; .approved == false)`. jq truthiness:
 * only `false` and `null` are false.
 */
export function evaluateCondition(condition: unknown, input: unknown, vars: ExpressionVariables, engine: ExpressionEngine): boolean {
  if (typeof condition === 'boolean') return condition;
  if (typeof condition !== 'string') throw new ExpressionError('runtime', String(condition), 'a condition must be a string or a boolean');
  const expression = conditionExpression(condition);
  const result = engine.evaluate(expression, input, vars);
  return result !== false && result !== null;
}

/** The jq text of a condition: the inside of `${ }` when wrapped, else the text itself. */
export function conditionExpression(condition: string): string {
  return wholeExpression(condition) ?? condition.trim();
}

function evaluateString(text: string, input: unknown, vars: ExpressionVariables, engine: ExpressionEngine): unknown {
  if (!text.includes('${')) return text;
  const whole = wholeExpression(text);
  if (whole !== undefined) return engine.evaluate(whole, input, vars);
  let out = '';
  let last = 0;
  for (const span of spansOf(text)) {
    const value = engine.evaluate(span.expression, input, vars);
    out += text.slice(last, span.start) + (typeof value === 'string' ? value : JSON.stringify(value));
    last = span.end;
  }
  return out + text.slice(last);
}

function spansOf(text: string) {
  try {
    return findExpressions(text);
  } catch (err) {
    if (err instanceof UnterminatedExpression) throw new ExpressionError('compile', text, err.message);
    throw err;
  }
}
