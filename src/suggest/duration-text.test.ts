import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { durationFromText, minutesOfDay } from './duration-text.js';
import { durationFor } from './suggest.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
// 2026-03-02 14:00:00 UTC, a Monday.
const NOW = Date.UTC(2026, 2, 2, 14, 0, 0);
const ms = (text: string, timeZone = 'UTC') => durationFromText(text, NOW, timeZone)?.ms;

describe('durations in plain words', () => {
  it('reads spans: "for 2 hours", "30 min", "90m", "1h30m", "an hour", "half an hour", "1.5 hours"', () => {
    assert.equal(ms('debug prod for 2 hours'), 2 * HOUR);
    assert.equal(ms('logs, 30 min'), 30 * MIN);
    assert.equal(ms('need it 90m'), 90 * MIN);
    assert.equal(ms('db access 1h30m please'), 90 * MIN);
    assert.equal(ms('for an hour'), HOUR);
    assert.equal(ms('half an hour is enough'), 30 * MIN);
    assert.equal(ms('for 1.5 hours'), 90 * MIN);
    assert.equal(ms('for two days'), 48 * HOUR);
  });

  it('reads times of day in the given time zone: "until 17:00", "till 5pm", "until 9:30am" (tomorrow once passed)', () => {
    assert.equal(ms('until 17:00'), 3 * HOUR);
    assert.equal(ms('till 5pm'), 3 * HOUR);
    assert.equal(ms('until 17:00', 'Europe/Paris'), 2 * HOUR, '14:00 UTC is 15:00 in Paris');
    assert.equal(ms('until 9:30am'), 19.5 * HOUR);
  });

  it('reads "till end of day" as 18:00, or midnight once 18:00 has passed', () => {
    assert.equal(ms('till end of day'), 4 * HOUR);
    assert.equal(ms('until EOD'), 4 * HOUR);
    assert.equal(durationFromText('till end of day', Date.UTC(2026, 2, 2, 19, 0, 0), 'UTC')?.ms, 5 * HOUR);
  });

  it('finds none where the text names none, and does not read numbers in other words as one', () => {
    assert.equal(ms('debug INC-4211 on the prod db'), undefined);
    assert.equal(ms('scale up to 5 nodes'), undefined);
    assert.equal(ms('up to 2 hours')!, 2 * HOUR);
  });

  it('places minutes of the day on the wall clock of the time zone', () => {
    assert.equal(minutesOfDay(NOW, 'UTC'), 14 * 60);
    assert.equal(minutesOfDay(NOW, 'Asia/Kolkata'), 19 * 60 + 30);
  });

  it('clamps to the role maximum and says so; keeps a shorter one and says how it was read', () => {
    assert.deepEqual(durationFor({ maxDurationMs: HOUR }, { ms: 8 * HOUR, phrase: 'for 8 hours' }), { ms: HOUR, note: '"for 8 hours" is longer than the role allows: shortened to its maximum PT1H' });
    assert.deepEqual(durationFor({ maxDurationMs: 4 * HOUR }, { ms: 2 * HOUR, phrase: 'for 2 hours' }), { ms: 2 * HOUR, note: '"for 2 hours" read as PT2H' });
    assert.deepEqual(durationFor({ maxDurationMs: 30 * MIN }, undefined), { ms: 30 * MIN });
    assert.deepEqual(durationFor({ maxDurationMs: 8 * HOUR }, undefined), { ms: HOUR });
  });
});
