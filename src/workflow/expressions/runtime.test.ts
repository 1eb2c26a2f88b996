import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpressionError } from './errors.js';
import { createJqEngine } from './jq.js';
import { evaluateCondition, evaluateValue, isExpression, wholeExpression } from './runtime.js';
import { findExpressions } from './scan.js';

const jq = await createJqEngine();
const input = { name: 'Ada', n: 2, tags: ['a', 'b'] };

test('a string that is only ${ } yields the JSON value', () => {
  assert.deepEqual(evaluateValue('${ .tags }', input, {}, jq), ['a', 'b']);
  assert.equal(evaluateValue('${ .n * 2 }', input, {}, jq), 4);
});

test('YAML > blocks: surrounding whitespace and the trailing newline are ignored', () => {
  assert.equal(evaluateValue('  ${ "Hi \\(.name)" }\n', input, {}, jq), 'Hi Ada');
});

test('text around ${ } interpolates: strings as they are, other values as JSON', () => {
  assert.equal(evaluateValue('User ${ .name } has ${ .n } tags: ${ .tags }', input, {}, jq), 'User Ada has 2 tags: ["a","b"]');
});

test('objects and arrays are evaluated deeply, other values are unchanged', () => {
  assert.deepEqual(evaluateValue({ a: ['${ .name }', 1, true, null], b: { c: 'plain' } }, input, {}, jq), { a: ['Ada', 1, true, null], b: { c: 'plain' } });
});

test('variables reach the expression', () => {
  assert.equal(evaluateValue('${ $context.user }', null, { context: { user: 'bob' } }, jq), 'bob');
});

test('braces and strings inside the expression do not end it', () => {
  assert.deepEqual(evaluateValue('${ {a: "}", b: ("x" | length)} }', null, {}, jq), { a: '}', b: 1 });
  assert.deepEqual(findExpressions('a ${ "\\(.x | {y: 1})" } b').map((s) => s.expression), ['"\\(.x | {y: 1})"']);
});

test('isExpression and wholeExpression recognise ${ }', () => {
  assert.equal(isExpression('x ${ . }'), true);
  assert.equal(isExpression('plain'), false);
  assert.equal(isExpression(3), false);
  assert.equal(wholeExpression(' ${ .a }\n'), '.a');
  assert.equal(wholeExpression('${ .a } and ${ .b }'), undefined);
});

test('conditions accept ${ } and bare jq; only false and null are false', () => {
  const vars = { context: { approvals: [{ approved: true }, { approved: false }] } };
  assert.equal(evaluateCondition('any($context.approvals[]; .approved == false)', null, vars, jq), true);
  assert.equal(evaluateCondition('${ .n > 5 }', input, {}, jq), false);
  assert.equal(evaluateCondition('.missing', input, {}, jq), false);
  assert.equal(evaluateCondition('.n', input, {}, jq), true);
  assert.equal(evaluateCondition(false, input, {}, jq), false);
});

test('an unterminated ${ is a compile ExpressionError', () => {
  assert.throws(() => evaluateValue('${ .a ', input, {}, jq), (err: unknown) => err instanceof ExpressionError && err.kind === 'compile');
});
