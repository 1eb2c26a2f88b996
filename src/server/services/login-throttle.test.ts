import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ManualClock } from '../../core/index.js';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../store/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { FailureWindow } from './failure-window.js';
import { addressGroup, LoginThrottle, type LoginAttempt, type LoginThrottleOptions } from './login-throttle.js';

const MINUTE = 60_000;

/** A throttle whose waits advance the manual clock; `waits` records each wait in ms. */
async function throttle(t: TestContext, options: LoginThrottleOptions = {}) {
  const { store, clock, file } = await openTempStore(t);
  const waits: number[] = [];
  const sleep = (ms: number) => {
    waits.push(ms);
    clock.advance(ms);
    return Promise.resolve();
  };
  /** The same throttle on a second store on the same file: another replica. */
  const replica = async () => {
    const other = await openSqliteStore({ file, clock });
    t.after(() => other.close());
    return new LoginThrottle(other, clock, { sleep, ...options });
  };
  return { clock, waits, throttle: new LoginThrottle(store, clock, { sleep, ...options }), replica, file };
}

const from = (address: string, username = 'alice'): LoginAttempt => ({ provider: 'local', username, address });

async function failTimes(t: LoginThrottle, attempt: LoginAttempt, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await t.fail(attempt);
}

const tooMany = (retryAfter?: number) => (e: unknown) => {
  const err = e as { code?: string; status?: number; retryAfterSeconds?: number };
  return err.code === 'too_many_attempts' && err.status === 429 && (retryAfter === undefined ? (err.retryAfterSeconds ?? 0) >= 1 : err.retryAfterSeconds === retryAfter);
};

describe('login throttle per user and client address', () => {
  it('refuses an address after 10 failures for a user, until the oldest leaves the 15-minute window', async (ctx) => {
    const { throttle: t, clock } = await throttle(ctx);
    await t.fail(from('203.0.113.7'));
    clock.advance(MINUTE);
    await failTimes(t, from('203.0.113.7'), 9);
    await assert.rejects(t.admit(from('203.0.113.7')), tooMany(14 * 60));
    clock.advance(14 * MINUTE);
    await t.admit(from('203.0.113.7'));
  });

  it('does not refuse that address for another user, nor another address for that user', async (ctx) => {
    const { throttle: t, waits } = await throttle(ctx);
    await failTimes(t, from('203.0.113.7'), 10);
    await t.admit(from('203.0.113.7', 'bob'));
    await t.admit(from('198.51.100.20'));
    assert.deepEqual(waits, []);
  });

  it('a success from an address clears its failures', async (ctx) => {
    const { throttle: t } = await throttle(ctx);
    await failTimes(t, from('203.0.113.7'), 9);
    await t.succeed(from('203.0.113.7'));
    await failTimes(t, from('203.0.113.7'), 9);
    await t.admit(from('203.0.113.7'));
  });

  it('counts IPv6 addresses per /64', async (ctx) => {
    assert.equal(addressGroup('2001:db8:0:1::1'), '2001:db8:0:1::/64');
    assert.equal(addressGroup('2001:0db8:0000:0001:ffff:ffff:ffff:ffff'), '2001:db8:0:1::/64');
    assert.equal(addressGroup('::1'), '0:0:0:0::/64');
    assert.equal(addressGroup('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressGroup('192.0.2.1'), '192.0.2.1');
    const { throttle: t } = await throttle(ctx);
    for (let i = 0; i < 10; i++) await t.fail(from(`2001:db8:0:1::${i + 1}`));
    await assert.rejects(t.admit(from('2001:db8:0:1:abcd::99')), tooMany());
    await t.admit(from('2001:db8:0:2::1'));
  });
});

describe('login throttle across replicas sharing the store', () => {
  it('counts failures on every replica together: 5 here and 5 there refuse the address on both', async (ctx) => {
    const { throttle: a, replica } = await throttle(ctx);
    const b = await replica();
    await failTimes(a, from('203.0.113.7'), 5);
    await failTimes(b, from('203.0.113.7'), 5);
    await assert.rejects(a.admit(from('203.0.113.7')), tooMany());
    await assert.rejects(b.admit(from('203.0.113.7')), tooMany());
    await b.succeed(from('203.0.113.7'));
    await a.admit(from('203.0.113.7'));
  });

  it('paces a user under attack in one queue across replicas', async (ctx) => {
    const { throttle: a, replica, waits } = await throttle(ctx);
    const b = await replica();
    for (let i = 0; i < 10; i++) await (i % 2 ? a : b).fail(from(`203.0.113.${i}`));
    await Promise.all([a.admit(from('203.0.113.1')), b.admit(from('203.0.113.2')), a.admit(from('203.0.113.3'))]);
    assert.deepEqual(waits, [1_000, 2_000], 'one turn per second, whichever replica asks');
  });

  it('keeps no username or address in the store in the clear', async (ctx) => {
    const { throttle: t, file } = await throttle(ctx);
    await t.fail(from('203.0.113.7', 'hunter2-typed-as-username'));
    const raw = new Database(file, { readonly: true });
    ctx.after(() => raw.close());
    const rows = JSON.stringify(raw.prepare('SELECT * FROM login_failures').all());
    assert.equal(raw.prepare('SELECT count(*) FROM login_failures').pluck().get(), 2, 'one row per address and one per user');
    assert.ok(!rows.includes('hunter2') && !rows.includes('203.0.113.7'), rows);
  });
});

describe('login throttle ceiling per user, across addresses', () => {
  it('never slows or refuses an address that has not failed, however many failures the user has elsewhere', async (ctx) => {
    const { throttle: t, waits } = await throttle(ctx);
    for (let a = 0; a < 50; a++) await failTimes(t, from(`203.0.113.${a}`), 10);
    for (let i = 0; i < 20; i++) await t.admit(from('198.51.100.20'));
    assert.deepEqual(waits, []);
  });

  it('paces addresses that failed once the user has 10 failures: one per second, in turn', async (ctx) => {
    const { throttle: t, waits } = await throttle(ctx);
    for (let a = 0; a < 10; a++) await t.fail(from(`203.0.113.${a}`));
    await Promise.all([t.admit(from('203.0.113.1')), t.admit(from('203.0.113.2')), t.admit(from('203.0.113.3'))]);
    assert.deepEqual(waits, [1_000, 2_000], 'asked at once: the first goes at once, each next one a second after the previous');
  });

  it('below 10 failures of the user, an address that failed is not paced', async (ctx) => {
    const { throttle: t, waits } = await throttle(ctx);
    await failTimes(t, from('203.0.113.1'), 9);
    await t.admit(from('203.0.113.1'));
    await t.admit(from('203.0.113.1'));
    assert.deepEqual(waits, []);
  });

  it('doubles the pace for each further 10 failures, up to 16 s', (ctx) => {
    const paceAfter = async (failures: number) => {
      const { throttle: t, waits } = await throttle(ctx);
      for (let i = 0; i < failures; i++) await t.fail(from(`203.0.113.${i % 200}`));
      await t.admit(from('203.0.113.1'));
      await t.admit(from('203.0.113.2'));
      return waits[0];
    };
    return Promise.all([10, 19, 20, 30, 40, 50, 120].map(paceAfter)).then((paces) => assert.deepEqual(paces, [1_000, 1_000, 2_000, 4_000, 8_000, 16_000, 16_000]));
  });

  it('answers 429 instead of queueing more than 30 s of attempts, and bounds nothing for a clean address', async (ctx) => {
    const clock = new ManualClock();
    // Waits that never end: the queue only grows.
    const { store } = await openTempStore(ctx, { clock });
    const t = new LoginThrottle(store, clock, { sleep: () => new Promise(() => undefined) });
    for (let a = 0; a < 10; a++) await t.fail(from(`203.0.113.${a}`));
    for (let i = 0; i < 31; i++) void t.admit(from('203.0.113.1'));
    await assert.rejects(t.admit(from('203.0.113.2')), tooMany(1));
    await t.admit(from('198.51.100.20'));
  });

  it('forgets the failures after the window', async (ctx) => {
    const { throttle: t, waits, clock } = await throttle(ctx);
    for (let a = 0; a < 10; a++) await t.fail(from(`203.0.113.${a}`));
    clock.advance(15 * MINUTE + 1);
    await t.admit(from('203.0.113.1'));
    await t.admit(from('203.0.113.1'));
    assert.deepEqual(waits, []);
  });
});

describe('failure window bounds', () => {
  it('keeps at most maxKeys keys, dropping those with no recent failure first, then the least recently failed', () => {
    const clock = new ManualClock();
    const w = new FailureWindow(clock, { limit: 3, windowMs: MINUTE, maxKeys: 100 });
    for (let i = 0; i < 50; i++) w.fail(`old-${i}`);
    clock.advance(MINUTE + 1);
    for (let i = 0; i < 1_000; i++) w.fail(`new-${i}`);
    assert.ok(w.size <= 100, String(w.size));
    assert.equal(w.count('old-1'), 0);
    assert.equal(w.count('new-999'), 1, 'the most recent key is kept');
  });

  it('keeps at most `limit` failure times per key', () => {
    const clock = new ManualClock();
    const w = new FailureWindow(clock, { limit: 3 });
    for (let i = 0; i < 100; i++) w.fail('k');
    assert.equal(w.count('k'), 3);
  });
});
