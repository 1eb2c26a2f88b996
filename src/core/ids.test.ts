import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSafeId, newId } from './ids.js';

describe('ids', () => {
  it('are unique, prefixed, safe in file names and sort by creation time', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => newId('req', 1_700_000_000_000 + i));
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => isSafeId(id) && id.startsWith('req_')));
    assert.deepEqual([...ids].sort(), ids);
  });

  it('rejects anything that could escape a directory', () => {
    for (const bad of ['../etc', 'req_../../x', 'req_ABC', 'req_' + 'a'.repeat(27), '']) assert.equal(isSafeId(bad), false, bad);
  });
});
