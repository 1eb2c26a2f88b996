import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatIsoDuration, parseDuration, tryParseDuration } from './duration.js';
import { InvalidInput } from './errors.js';

describe('durations', () => {
  it('parses the short forms, combinations and ISO-8601', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('10m'), 600_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('PT1H'), 3_600_000);
    assert.equal(parseDuration('PT10M30S'), 630_000);
    assert.equal(parseDuration('P1D'), 86_400_000);
    assert.equal(parseDuration('pt2s'), 2_000);
    assert.equal(parseDuration('PT0.5S'), 500);
  });

  it('refuses what is not a duration, naming the field', () => {
    for (const bad of ['', 'soon', '10', 'P', 'PT', '1y', 'P1M', '-5m', '5 m']) {
      assert.equal(tryParseDuration(bad), undefined, bad);
      assert.throws(() => parseDuration(bad, 'duration'), (e: unknown) => e instanceof InvalidInput && e.field === 'duration', bad);
    }
    assert.throws(() => parseDuration('0s'), /greater than zero/);
  });

  it('formats milliseconds as ISO-8601', () => {
    assert.equal(formatIsoDuration(5_400_000), 'PT1H30M');
    assert.equal(formatIsoDuration(90_000), 'PT1M30S');
    assert.equal(formatIsoDuration(86_400_000 + 1000), 'P1DT1S');
    assert.equal(formatIsoDuration(0), 'PT0S');
    assert.equal(parseDuration(formatIsoDuration(3_723_000)), 3_723_000);
  });
});
