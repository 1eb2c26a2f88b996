import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, CanonicalJsonError } from './canonical-json.js';

test('the same data in any key order gives the same string', () => {
  const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } };
  const b = { a: { c: null, d: [3, { y: 2, z: 1 }] }, b: 1 };
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(canonicalJson(a), '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
});

test('array order is kept', () => {
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
});

test('follows JSON.stringify for values JSON cannot hold', () => {
  assert.equal(canonicalJson({ u: undefined, f: () => 1, n: NaN, i: Infinity, z: -0 }), '{"i":null,"n":null,"z":0}');
  assert.equal(canonicalJson([undefined]), '[null]');
  assert.equal(canonicalJson({ at: new Date(0) }), '{"at":"1970-01-01T00:00:00.000Z"}');
  assert.equal(canonicalJson('a"\u2028'), JSON.stringify('a"\u2028'));
});

test('parsing the output and canonicalising again gives the same string', () => {
  const value = { é: 'ü', '10': 1, '9': 2, b: [true, false, null, 1.5e-7, { y: '', x: [] }] };
  const once = canonicalJson(value);
  assert.equal(canonicalJson(JSON.parse(once)), once);
});

test('refuses bigints, cycles and values with no JSON form', () => {
  assert.throws(() => canonicalJson({ n: 1n }), CanonicalJsonError);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => canonicalJson(cyclic), CanonicalJsonError);
  assert.throws(() => canonicalJson(undefined), CanonicalJsonError);
});

test('a shared (non-cyclic) object may appear twice', () => {
  const shared = { a: 1 };
  assert.equal(canonicalJson({ x: shared, y: shared }), '{"x":{"a":1},"y":{"a":1}}');
});
