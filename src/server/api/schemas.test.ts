import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequestBodySchema, decisionBodySchema, revokeBodySchema } from './schemas.js';

const body = { role: 'debug', duration: '10m' };

describe('reasons', () => {
  it('refuse NUL, the other C0 controls (ESC, CR, LF...), DEL and the C1 controls', () => {
    for (const reason of ['a\0b', 'a\x1b[2Jb', 'ok\rapproved', 'two\nlines', 'bell\x07', 'del\x7f', 'csi\u009b31m', 'nel\u0085']) {
      const result = createRequestBodySchema.safeParse({ ...body, reason });
      assert.equal(result.success, false, JSON.stringify(reason));
      assert.deepEqual(result.error?.issues[0]?.path, ['reason']);
      assert.equal(revokeBodySchema.safeParse({ reason }).success, false);
      assert.equal(decisionBodySchema.safeParse({ reason }).success, false);
    }
  });

  it('accept TAB, any printable text and bidirectional marks (right-to-left languages use them)', () => {
    for (const reason of ['INC-1\tlogs', 'café 日本語 🔑', 'שלום\u200fעולם', 'x\u202Ey']) {
      assert.equal(createRequestBodySchema.safeParse({ ...body, reason }).success, true, JSON.stringify(reason));
    }
  });
});

describe('a request body', () => {
  it('may leave the provider out (the role\'s only one is then used)', () => {
    assert.equal(createRequestBodySchema.safeParse({ ...body, reason: 'x' }).success, true);
    assert.equal(createRequestBodySchema.safeParse({ ...body, reason: 'x', provider: '' }).success, false);
  });
});
