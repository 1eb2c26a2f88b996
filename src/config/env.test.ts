import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveEnvReferences } from './env.js';
import type { PathSegment } from './issues.js';

function resolve(value: unknown, env: Record<string, string | undefined>, skip: (path: readonly PathSegment[]) => boolean = () => false) {
  const missing: string[] = [];
  const out = resolveEnvReferences(value, env, { skip, onMissing: (path, name) => missing.push(`${path.join('.')}:${name}`) });
  return { out, missing };
}

describe('environment references', () => {
  it('replaces ${NAME} inside longer strings, in nested maps and lists', () => {
    const { out } = resolve({ a: ['x-${A}-y', { b: '${B}${A}' }], n: 3, t: true }, { A: '1', B: '2' });
    assert.deepEqual(out, { a: ['x-1-y', { b: '21' }], n: 3, t: true });
  });

  it('leaves jq-like `${ .x }` and other non-names alone', () => {
    const text = '${ .reason } ${1ABC} ${A B} $A ${}';
    assert.equal(resolve(text, { A: 'no' }).out, text);
  });

  it('reads $${NAME} as a literal ${NAME}', () => {
    assert.equal(resolve('$${HOME} and ${A}', { A: 'a', HOME: 'no' }).out, '${HOME} and a');
  });

  it('reports a variable that is not set with its path, and keeps an empty one', () => {
    const { out, missing } = resolve({ x: [{ y: '${NOPE}' }], e: '${EMPTY}' }, { EMPTY: '' });
    assert.deepEqual(missing, ['x.0.y:NOPE']);
    assert.equal((out as { e: string }).e, '');
  });

  it('does not enter skipped paths', () => {
    const { out, missing } = resolve({ keep: { v: '${NOPE}' }, use: '${A}' }, { A: 'a' }, (path) => path[0] === 'keep');
    assert.deepEqual(out, { keep: { v: '${NOPE}' }, use: 'a' });
    assert.deepEqual(missing, []);
  });
});
