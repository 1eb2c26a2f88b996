import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { TimerQueue } from './timers.js';

/** A queue on a mocked clock: `advance(ms)` moves both the clock and Node's timers. */
function queueOnMockClock(t: TestContext): { queue: TimerQueue; fired: string[]; advance(ms: number): void; now(): number } {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 1_000_000;
  const fired: string[] = [];
  const queue = new TimerQueue(() => now, (key) => fired.push(key));
  return {
    queue,
    fired,
    now: () => now,
    advance(ms) {
      now += ms;
      t.mock.timers.tick(ms);
    },
  };
}

describe('timer queue', () => {
  it('fires timers in due order, each once, and a timer already due at once', (t) => {
    const { queue, fired, advance, now } = queueOnMockClock(t);
    queue.arm('c', now() + 300);
    queue.arm('a', now() + 100);
    queue.arm('b', now() + 200);
    queue.arm('past', now() - 50);
    advance(0);
    assert.deepEqual(fired, ['past']);
    advance(150);
    assert.deepEqual(fired, ['past', 'a']);
    advance(1_000);
    assert.deepEqual(fired, ['past', 'a', 'b', 'c']);
    assert.equal(queue.count, 0);
  });

  it('does not fire a cancelled timer, and fires a re-armed one at its new time only', (t) => {
    const { queue, fired, advance, now } = queueOnMockClock(t);
    queue.arm('cancelled', now() + 100);
    queue.arm('moved', now() + 100);
    queue.arm('kept', now() + 200);
    queue.cancel('cancelled');
    queue.arm('moved', now() + 500);
    assert.equal(queue.count, 2);
    advance(300);
    assert.deepEqual(fired, ['kept']);
    advance(300);
    assert.deepEqual(fired, ['kept', 'moved']);
  });

  it('fires a timer beyond setTimeout’s range (~24.8 days) on its day', (t) => {
    const { queue, fired, advance, now } = queueOnMockClock(t);
    const day = 86_400_000;
    queue.arm('month', now() + 30 * day);
    advance(25 * day);
    assert.deepEqual(fired, []);
    advance(5 * day);
    assert.deepEqual(fired, ['month']);
  });

  it('keeps firing the live timers in order after most were cancelled', (t) => {
    const { queue, fired, advance, now } = queueOnMockClock(t);
    for (let i = 0; i < 1_000; i++) queue.arm(`k${i}`, now() + 1_000 + ((i * 7919) % 1_000));
    for (let i = 0; i < 1_000; i++) if (i % 10 !== 0) queue.cancel(`k${i}`);
    assert.equal(queue.count, 100);
    advance(2_000);
    const expected = Array.from({ length: 100 }, (_, j) => j * 10).sort((x, y) => ((x * 7919) % 1_000) - ((y * 7919) % 1_000)).map((i) => `k${i}`);
    assert.deepEqual(fired, expected);
  });

  it('cancelAll forgets every timer', (t) => {
    const { queue, fired, advance, now } = queueOnMockClock(t);
    queue.arm('a', now() + 10);
    queue.arm('b', now() + 20);
    queue.cancelAll();
    advance(100);
    assert.deepEqual(fired, []);
    assert.equal(queue.count, 0);
  });
});
