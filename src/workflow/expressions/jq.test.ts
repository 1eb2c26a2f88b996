import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpressionError } from './errors.js';
import { cleanMessage, createJqEngine } from './jq.js';

const jq = await createJqEngine();

test('evaluate returns the first output as JSON, null when there is none', () => {
  assert.deepEqual(jq.evaluate('{a: .x, b: [.y[] * 2]}', { x: 'v', y: [1, 2] }, {}), { a: 'v', b: [2, 4] });
  assert.equal(jq.evaluate('.[]', [3, 4], {}), 3);
  assert.equal(jq.evaluate('empty', {}, {}), null);
  assert.equal(jq.evaluate('"line\\nbreak"', null, {}), 'line\nbreak');
});

test('variables are bound as $name, undefined ones are left out', () => {
  const vars = { context: { approvals: [{ approved: true }, { approved: false }] }, input: 5, task: undefined };
  assert.equal(jq.evaluate('any($context.approvals[]; .approved == false)', null, vars), true);
  assert.equal(jq.evaluate('$input + .', 1, vars), 6);
});

test('expressions may define functions and end in a comment', () => {
  assert.equal(jq.evaluate('def twice: . * 2; twice # doubled', 4, { context: {} }), 8);
});

test('a compile error throws ExpressionError kind compile with jq\'s message, cleaned', () => {
  assert.throws(
    () => jq.evaluate('.a +', {}, {}),
    (err: unknown) => err instanceof ExpressionError && err.kind === 'compile' && err.code === 'expression_error' && err.message === 'syntax error, unexpected end of file',
  );
});

test('a runtime error throws ExpressionError kind runtime', () => {
  assert.throws(
    () => jq.evaluate('.a + "x"', { a: 1 }, {}),
    (err: unknown) => err instanceof ExpressionError && err.kind === 'runtime' && err.message === 'number (1) and string ("x") cannot be added',
  );
  assert.throws(() => jq.evaluate('error("boom")', {}, {}), /boom/);
});

test('check reports compile errors only, knows the standard variables and never runs the expression', () => {
  assert.equal(jq.check('.a + $context.b + ($input | length)'), undefined);
  assert.equal(jq.check('error("only at runtime")'), undefined);
  assert.equal(jq.check('repeat(.)'), undefined);
  assert.equal(jq.check('$nope'), '$nope is not defined');
  assert.match(jq.check('.a | ') ?? '', /syntax error/);
});

test('cleanMessage strips jq noise', () => {
  assert.equal(cleanMessage('jq: error (at inputString:0): boom'), 'boom');
  assert.equal(cleanMessage('jq: error: foo/1 is not defined at <top-level>, line 2:\nfoo(1)\njq: 1 compile error'), 'foo/1 is not defined');
});

test('evaluation cost (prints µs/eval)', () => {
  const input = { user: { email: 'a@x', groups: ['ops'] }, reason: 'INC-1' };
  const vars = { context: input, input, workflow: { input } };
  const n = 300;
  const started = performance.now();
  for (let i = 0; i < n; i++) jq.evaluate('.user.email + " " + $context.reason', input, vars);
  const perEval = ((performance.now() - started) / n) * 1000;
  console.log(`jq-web: ${perEval.toFixed(0)} µs/eval`);
  assert.ok(perEval < 50_000);
});
