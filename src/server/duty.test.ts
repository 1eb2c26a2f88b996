import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../core/index.js';
import type { DutyHold, DutyLocks } from '../store/index.js';
import { Duty } from './duty.js';

/** Locks whose holder the test decides, and whose hold it can break. */
function scriptedLocks() {
  const state = { free: true, attempts: 0, fail: false };
  let current: { held: boolean } | undefined;
  const locks: DutyLocks = {
    tryHold() {
      state.attempts += 1;
      if (state.fail) return Promise.reject(new Error('database unreachable'));
      if (!state.free) return Promise.resolve(undefined);
      state.free = false;
      const hold = { held: true };
      current = hold;
      const duty: DutyHold = {
        get held() {
          return hold.held;
        },
        release: () => {
          hold.held = false;
          state.free = true;
          return Promise.resolve();
        },
      };
      return Promise.resolve(duty);
    },
    close: () => Promise.resolve(),
  };
  return { locks, state, breakHold: () => ((current!.held = false), (state.free = true)) };
}

test('a duty is taken when free, kept without asking again, and taken again after its hold is lost', async () => {
  const { locks, state, breakHold } = scriptedLocks();
  const duty = new Duty(locks, 'reconciler', silentLogger);
  assert.equal(await duty.mine(), true);
  assert.equal(await duty.mine(), true);
  assert.equal(state.attempts, 1, 'a held duty is not asked for again');
  breakHold();
  assert.equal(await duty.mine(), true, 'lost, it is taken again when free');
  assert.equal(state.attempts, 2);
});

test('another holder means not mine; an error taking the lock means not mine, never a throw', async () => {
  const { locks, state } = scriptedLocks();
  state.free = false;
  const duty = new Duty(locks, 'reconciler', silentLogger);
  assert.equal(await duty.mine(), false);
  state.fail = true;
  assert.equal(await duty.mine(), false);
});

test('release lets another replica take it', async () => {
  const { locks } = scriptedLocks();
  const first = new Duty(locks, 'reconciler', silentLogger);
  const second = new Duty(locks, 'reconciler', silentLogger);
  assert.equal(await first.mine(), true);
  assert.equal(await second.mine(), false);
  await first.release();
  assert.equal(await second.mine(), true);
});
