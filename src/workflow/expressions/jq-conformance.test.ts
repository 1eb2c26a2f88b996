// The jq features workflows use, checked against the engine Lease runs (jq-web: real jq in
// WebAssembly). The same table was run against @michaelhomer/jqjs (pure JS) to choose the engine;
// see src/workflow/README.md. Each case is [feature, expression, input, expected]; `vars` binds
// `$name` variables as the interpreter does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExpressionEngine } from '../interpreter/types.js';
import { ExpressionError } from './errors.js';
import { createJqEngine } from './jq.js';

const jq: ExpressionEngine = await createJqEngine();

const vars = {
  context: { user: { email: 'ada@example.com', groups: ['dev', 'ops'] }, approvals: [{ approved: true }] },
  input: { n: 1 },
  secrets: { token: '{{secret:token}}' },
};

export const JQ_FEATURES: Array<[feature: string, expression: string, input: unknown, expected: unknown]> = [
  ['identity', '.', { a: 1 }, { a: 1 }],
  ['field paths', '.a.b[1]', { a: { b: [1, 2] } }, 2],
  ['optional paths', '.a?.b', 'text', null],
  ['quoted keys', '."x-y"', { 'x-y': 3 }, 3],
  ['slices', '.[1:3]', [1, 2, 3, 4], [2, 3]],
  ['alternative //', '.missing // "default"', {}, 'default'],
  ['alternative // keeps false out', '.f // true', { f: false }, true],
  ['select', '[.[] | select(.ok)] | length', [{ ok: true }, { ok: false }], 1],
  ['any with generator', 'any(.[]; .approved == false)', [{ approved: true }, { approved: false }], true],
  ['all with generator', 'all(.[]; .approved)', [{ approved: true }, { approved: false }], false],
  ['any/all on arrays', '[any, all]', [true, false], [true, false]],
  ['map', 'map(. * 2)', [1, 2], [2, 4]],
  ['map_values', 'map_values(. + 1)', { a: 1 }, { a: 2 }],
  ['length of string, array, object, null', '[("abc" | length), ([1] | length), ({} | length), (null | length)]', null, [3, 1, 0, 0]],
  ['string interpolation', '"user \\(.name) has \\(.n) roles"', { name: 'ada', n: 2 }, 'user ada has 2 roles'],
  ['try/catch', 'try error("boom") catch .', null, 'boom'],
  ['try without catch', '[.[] | try tonumber]', ['1', 'x'], [1]],
  ['error object', 'try error({code: 1}) catch .code', null, 1],
  ['object construction', '{a: .x, "b": 2, (.k): 3, $__loc__} | del(.__loc__)', { x: 1, k: 'c' }, { a: 1, b: 2, c: 3 }],
  ['object shorthand', '{x, y}', { x: 1, y: 2, z: 3 }, { x: 1, y: 2 }],
  ['add', 'add', [1, 2, 3], 6],
  ['add arrays', '[[1], [2]] | add', null, [1, 2]],
  ['tostring', '[1, "a", null] | map(tostring)', null, ['1', 'a', 'null']],
  ['tojson', '{a: [1]} | tojson', null, '{"a":[1]}'],
  ['fromjson', '"{\\"a\\":1}" | fromjson', null, { a: 1 }],
  ['comparison', '[1 < 2, "a" < "b", null < false, [1] == [1], {} != {a: 1}]', null, [true, true, true, true, true]],
  ['if-then-else', 'if .n > 1 then "many" elif .n == 1 then "one" else "none" end', { n: 1 }, 'one'],
  ['if without else (jq 1.7)', 'if . then "yes" end', false, false],
  ['reduce', 'reduce .[] as $x (0; . + $x)', [1, 2, 3], 6],
  ['foreach', '[foreach .[] as $x (0; . + $x)]', [1, 2], [1, 3]],
  ['variables', '. as $v | $v.a', { a: 5 }, 5],
  ['destructuring', '. as {a: $x, b: [$y]} | $x + $y', { a: 1, b: [2] }, 3],
  ['$context', '$context.user.email', null, 'ada@example.com'],
  ['$input', '$input.n', null, 1],
  ['$secrets placeholder', '"Bearer " + $secrets.token', null, 'Bearer {{secret:token}}'],
  ['index and contains', '[(.groups | index("ops")), (.groups | contains(["dev"]))]', { groups: ['dev', 'ops'] }, [1, true]],
  ['in / has', '[has("a"), ("a" | in({a: 1}))]', { a: 1 }, [true, true]],
  ['keys, to_entries, from_entries', '[keys, (to_entries | from_entries)]', { b: 1, a: 2 }, [['a', 'b'], { b: 1, a: 2 }]],
  ['sort_by, group_by, unique', '[(sort_by(.a) | map(.a)), (map(.a) | unique)]', [{ a: 2 }, { a: 1 }, { a: 2 }], [[1, 2, 2], [1, 2]]],
  ['min_by, max_by', '[min_by(.a).a, max_by(.a).a]', [{ a: 2 }, { a: 1 }], [1, 2]],
  ['string functions', '[ascii_downcase, (split(",") | join("-")), startswith("A"), ltrimstr("A")]', 'A,B', ['a,b', 'A-B', true, ',B']],
  ['regex test', 'test("^ada@")', 'ada@example.com', true],
  ['tonumber', '"42" | tonumber', null, 42],
  ['type', '[.[] | type]', [1, 'a', null, true, [], {}], ['number', 'string', 'null', 'boolean', 'array', 'object']],
  ['paths and getpath', '[paths] | length', { a: { b: 1 } }, 2],
  ['limit, first, last', '[limit(2; .[]), first(.[]), last]', [1, 2, 3], [1, 2, 1, 3]],
  ['empty yields no value (first value taken)', '[empty]', null, []],
  ['@base64', '@base64', 'hi', 'aGk='],
  ['ISO dates', '"2026-01-01T00:00:00Z" | fromdateiso8601', null, 1767225600],
  ['user-defined functions', 'def double: . * 2; map(double)', [1], [2]],
  ['$ENV is empty (no host environment)', '$ENV', null, {}],
  ['env is empty (no host environment)', 'env', null, {}],
  ['Thand: single-quoted strings', ".color == 'red'", { color: 'red' }, true],
  ['Thand: apostrophes in double-quoted strings stay', '"it\'s " + .name', { name: 'ada' }, "it's ada"],
  ['Thand: unparenthesised object values', '{approvals: ($context.approvals // []) + .approvals}', { approvals: [{ approved: false }] }, { approvals: [{ approved: true }, { approved: false }] }],
];

describe('jq conformance (jq-web)', () => {
  for (const [feature, expression, input, expected] of JQ_FEATURES) {
    it(feature, () => {
      assert.deepEqual(jq.evaluate(expression, input, vars), expected);
    });
  }

  it('now fails: expressions must not read the clock', () => {
    assert.throws(() => jq.evaluate('now', null, {}), (err: unknown) => err instanceof ExpressionError && /now is not available/.test(err.message));
  });

  it('a runtime error is an ExpressionError of kind runtime', () => {
    assert.throws(() => jq.evaluate('.a + 1', { a: 'x' }, {}), (err: unknown) => err instanceof ExpressionError && err.kind === 'runtime');
  });

  it('an unknown variable does not compile', () => {
    assert.match(jq.check('$nope') ?? '', /\$nope is not defined/);
  });
});
