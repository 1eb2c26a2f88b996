import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { queryNumber } from './query-number.js';

describe('queryNumber', () => {
  const limit = queryNumber(z.number().int().min(1).max(1000));

  it('reads query text in the JSON number syntax as a number, within the schema', () => {
    assert.equal(limit.parse('5'), 5);
    assert.equal(limit.parse('1e2'), 100);
    assert.equal(queryNumber(z.number().max(60)).parse('1.5'), 1.5);
    assert.equal(limit.safeParse('1001').success, false);
    assert.equal(limit.safeParse('2.5').success, false);
  });

  it('refuses what is not a number: empty, blank, hexadecimal, padded or signed with +', () => {
    for (const text of ['', ' ', '0x10', ' 5', '5 ', '+5', 'Infinity', 'NaN', '1_000']) assert.equal(limit.safeParse(text).success, false, JSON.stringify(text));
  });

  it('documents the number schema, not a string', () => {
    const json = z.toJSONSchema(z.object({ limit: limit.optional() }), { io: 'input' }) as unknown as { properties: { limit: unknown } };
    assert.deepEqual(json.properties.limit, { type: 'integer', minimum: 1, maximum: 1000 });
  });
});
