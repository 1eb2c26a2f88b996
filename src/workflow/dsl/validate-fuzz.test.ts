// Malformed documents: the validator never throws and names every problem with a path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConformanceCases } from '../conformance/run.js';
import { createJqEngine } from '../expressions/index.js';
import { validateWorkflowDocument } from './validate.js';

const jq = await createJqEngine();

/** A small deterministic PRNG (mulberry32), so a failure is reproducible from its seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const JUNK: unknown[] = [null, 0, -1, 1.5, '', 'x', '${', '${ .a + }', '${ .a }', true, [], {}, [null], { with: 'x' }, { after: 'PT1S' }, 'PT1S', ['a'], { '': {} }];

/** Replaces, deletes or adds a random node somewhere in `value`. */
function mutate(value: unknown, random: () => number, depth = 0): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  if (depth > 0 && random() < 0.15) return pick(JUNK);
  if (Array.isArray(value)) {
    if (value.length === 0 || random() < 0.1) return [...value, pick(JUNK)];
    const i = Math.floor(random() * value.length);
    return value.map((item, j) => (j === i ? mutate(item, random, depth + 1) : item));
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0 || random() < 0.1) return { ...value, [pick(['then', 'if', 'timeout', 'catch', 'with', 'input', 'listen', 'fork'])]: pick(JUNK) };
    const key = pick(keys);
    if (random() < 0.1) {
      const { [key]: _dropped, ...rest } = value as Record<string, unknown>;
      return rest;
    }
    return { ...value, [key]: mutate((value as Record<string, unknown>)[key], random, depth + 1) };
  }
  return pick(JUNK);
}

test('the validator never throws on mutated documents and every issue has a path and a message', () => {
  const seeds = loadConformanceCases().map((c) => c.workflow);
  const random = prng(20260101);
  let refused = 0;
  for (let round = 0; round < 1500; round++) {
    let doc: unknown = seeds[round % seeds.length];
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) doc = mutate(doc, random);
    const issues = validateWorkflowDocument(doc, jq);
    for (const issue of issues) {
      assert.equal(typeof issue.path, 'string');
      assert.ok(issue.message.length > 0, `empty message for ${JSON.stringify(doc)}`);
      assert.doesNotMatch(issue.message, /^validation failed/, `the validator threw on ${JSON.stringify(doc)}: ${issue.message}`);
    }
    if (issues.length > 0) refused++;
  }
  assert.ok(refused > 500, `mutations should mostly be refused (${refused})`);
});

test('every conformance case is a valid document', () => {
  for (const c of loadConformanceCases()) assert.deepEqual(validateWorkflowDocument(c.workflow, jq), [], c.file);
});

test('arbitrary values never throw', () => {
  for (const value of [...JUNK, { do: JUNK }, { document: JUNK, do: [{ a: JUNK }] }, { use: JUNK, do: [] }]) {
    assert.doesNotThrow(() => validateWorkflowDocument(value, jq));
  }
});
