import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkReturnTo, ReturnToInvalid } from './return-to.js';

describe('checkReturnTo', () => {
  it('keeps a path on this server, with its query and fragment; defaults to /', () => {
    assert.equal(checkReturnTo(undefined), '/');
    assert.equal(checkReturnTo(''), '/');
    assert.equal(checkReturnTo('/requests?status=active#top'), '/requests?status=active#top');
    assert.equal(checkReturnTo('/a/../b'), '/b');
  });

  it('refuses anything that could leave the server (open redirect)', () => {
    for (const value of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example/x',
      '\\\\evil.example',
      'evil.example',
      'javascript:alert(1)',
      '/ok\r\nLocation: https://evil.example',
      '/%0d%0a'.replace('%0d%0a', '\n'),
      `/${'a'.repeat(2048)}`,
    ]) {
      assert.throws(() => checkReturnTo(value), ReturnToInvalid, JSON.stringify(value));
    }
  });
});
