import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Identity } from '../core/index.js';
import { storeBackends } from './backends.fake.js';
import type { DeviceLoginRow, LoginAttemptRow } from './types.js';

const MINUTE = 60_000;
const alice: Identity = { id: 'u-alice', provider: 'corp', provider_type: 'oidc', groups: ['eng'] };

function attempt(now: number, overrides: Partial<LoginAttemptRow> = {}): Omit<LoginAttemptRow, 'identity' | 'code_hash' | 'code_expires_at'> {
  return { id_hash: 'id-1', state_hash: 'state-1', provider: 'corp', redirect: 'http://127.0.0.1:1/cb', method: null, sealed_checks: 'sealed', expires_at: now + 10 * MINUTE, ...overrides };
}

function device(now: number, overrides: Partial<DeviceLoginRow> = {}): Omit<DeviceLoginRow, 'ref_hash' | 'last_poll_at' | 'slowed_at' | 'attempt_hash' | 'identity'> {
  return { device_code_hash: 'dev-1', user_code_hash: 'user-1', provider: 'corp', status: 'pending', expires_at: now + 10 * MINUTE, interval_ms: 5_000, ...overrides };
}

storeBackends((open) => {
  test('a login attempt is taken by its state once, on whichever replica asks first', async (t) => {
    const { store, clock, openAgain } = await open(t);
    // A second store on the same database: what another replica sees.
    const other = await openAgain();
    assert.equal(await store.loginAttempts.add(attempt(clock.now()), clock.now(), 10), true);
    const taken = await other.loginAttempts.takeByState('state-1', clock.now());
    assert.equal(taken?.id_hash, 'id-1');
    assert.equal(taken?.sealed_checks, 'sealed');
    assert.equal(await store.loginAttempts.takeByState('state-1', clock.now()), undefined);
    assert.equal(await other.loginAttempts.takeByState('state-1', clock.now()), undefined);
  });

  test('an expired attempt is not taken, and is pruned by the next add', async (t) => {
    const { store, raw, clock } = await open(t);
    await store.loginAttempts.add(attempt(clock.now()), clock.now(), 10);
    clock.advance(10 * MINUTE);
    assert.equal(await store.loginAttempts.takeByState('state-1', clock.now()), undefined);
    await store.loginAttempts.add(attempt(clock.now(), { id_hash: 'id-2', state_hash: 'state-2' }), clock.now(), 10);
    assert.deepEqual((await raw.query('SELECT id_hash FROM login_attempts')).map((row) => row.id_hash), ['id-2']);
  });

  test('adding refuses past the limit of unexpired attempts', async (t) => {
    const { store, clock } = await open(t);
    assert.equal(await store.loginAttempts.add(attempt(clock.now()), clock.now(), 1), true);
    assert.equal(await store.loginAttempts.add(attempt(clock.now(), { id_hash: 'id-2', state_hash: 'state-2' }), clock.now(), 1), false);
    clock.advance(10 * MINUTE);
    assert.equal(await store.loginAttempts.add(attempt(clock.now(), { id_hash: 'id-3', state_hash: 'state-3' }), clock.now(), 1), true);
  });

  test('an exchange code redeems its attempt once, on any replica; a wrong code leaves it', async (t) => {
    const { store, clock, openAgain } = await open(t);
    // A second store on the same database: what another replica sees.
    const other = await openAgain();
    await store.loginAttempts.add(attempt(clock.now()), clock.now(), 10);
    await store.loginAttempts.takeByState('state-1', clock.now());
    await store.loginAttempts.authenticate('id-1', alice, 'code-1', clock.now() + MINUTE, clock.now() + 10 * MINUTE);
    assert.equal(await other.loginAttempts.redeem('id-1', 'code-2'), undefined, 'another code');
    assert.equal(await other.loginAttempts.redeem('id-2', 'code-1'), undefined, 'another attempt');
    const redeemed = await other.loginAttempts.redeem('id-1', 'code-1');
    assert.deepEqual(redeemed?.identity, alice);
    assert.equal(redeemed?.code_expires_at, clock.now() + MINUTE);
    assert.equal(await store.loginAttempts.redeem('id-1', 'code-1'), undefined, 'replayed on the first replica');
  });

  test('an authenticated attempt cannot be taken by its state again', async (t) => {
    const { store, clock } = await open(t);
    await store.loginAttempts.add(attempt(clock.now()), clock.now(), 10);
    await store.loginAttempts.authenticate('id-1', alice, 'code-1', clock.now() + MINUTE, clock.now() + 10 * MINUTE);
    assert.equal(await store.loginAttempts.takeByState('state-1', clock.now()), undefined);
  });

  test('concurrent takes of one state from two replicas: exactly one wins', async (t) => {
    const { store, clock, openAgain } = await open(t);
    // A second store on the same database: what another replica sees.
    const other = await openAgain();
    for (let i = 0; i < 20; i++) await store.loginAttempts.add(attempt(clock.now(), { id_hash: `id-${i}`, state_hash: `state-${i}` }), clock.now(), 100);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => [store, other].map((s) => s.loginAttempts.takeByState(`state-${i}`, clock.now()))).flat());
    assert.equal(results.filter((r) => r !== undefined).length, 20);
  });

  test('a device login is found by its user code while pending, and finished once', async (t) => {
    const { store, clock, openAgain } = await open(t);
    // A second store on the same database: what another replica sees.
    const other = await openAgain();
    assert.equal(await store.deviceLogins.add(device(clock.now()), clock.now(), 10, clock.now()), 'added');
    assert.equal((await other.deviceLogins.pendingByUserCode('user-1', clock.now()))?.provider, 'corp');
    await other.deviceLogins.bindAttempt('dev-1', 'ref-1', 'att-1');
    assert.equal((await store.deviceLogins.byRef('ref-1'))?.attempt_hash, 'att-1');
    assert.equal(await store.deviceLogins.finish('dev-1', { status: 'authenticated', identity: alice }), true);
    assert.equal(await other.deviceLogins.finish('dev-1', { status: 'denied' }), false, 'already finished');
    assert.equal(await other.deviceLogins.pendingByUserCode('user-1', clock.now()), undefined, 'the user code stops working');
  });

  test('a device login answers full past the limit and taken for a user code in use', async (t) => {
    const { store, clock } = await open(t);
    await store.deviceLogins.add(device(clock.now()), clock.now(), 2, clock.now());
    assert.equal(await store.deviceLogins.add(device(clock.now(), { device_code_hash: 'dev-2' }), clock.now(), 2, clock.now()), 'taken');
    assert.equal(await store.deviceLogins.add(device(clock.now(), { device_code_hash: 'dev-2', user_code_hash: 'user-2' }), clock.now(), 2, clock.now()), 'added');
    assert.equal(await store.deviceLogins.add(device(clock.now(), { device_code_hash: 'dev-3', user_code_hash: 'user-3' }), clock.now(), 2, clock.now()), 'full');
  });

  test('a device poll sooner than the interval is slowed, and the interval grows', async (t) => {
    const { store, clock } = await open(t);
    await store.deviceLogins.add(device(clock.now()), clock.now(), 10, clock.now());
    assert.equal((await store.deviceLogins.poll('dev-1', clock.now(), 500, 5_000))?.slowed_at, null, 'the first poll');
    clock.advance(1_000);
    const slowed = await store.deviceLogins.poll('dev-1', clock.now(), 500, 5_000);
    assert.equal(slowed?.slowed_at, clock.now());
    assert.equal(slowed?.interval_ms, 10_000);
    clock.advance(10_000);
    const onTime = await store.deviceLogins.poll('dev-1', clock.now(), 500, 5_000);
    assert.notEqual(onTime?.slowed_at, clock.now());
    assert.equal(onTime?.interval_ms, 10_000);
    assert.equal(await store.deviceLogins.poll('unknown', clock.now(), 500, 5_000), undefined);
  });

  test('an authenticated device login is claimed once, on any replica', async (t) => {
    const { store, clock, openAgain } = await open(t);
    // A second store on the same database: what another replica sees.
    const other = await openAgain();
    await store.deviceLogins.add(device(clock.now()), clock.now(), 10, clock.now());
    assert.equal(await store.deviceLogins.claim('dev-1'), undefined, 'still pending');
    await store.deviceLogins.finish('dev-1', { status: 'authenticated', identity: alice });
    const claims = await Promise.all([store.deviceLogins.claim('dev-1'), other.deviceLogins.claim('dev-1')]);
    assert.deepEqual(claims.filter((c) => c !== undefined), [alice]);
  });

  test('device logins expired before the prune time are deleted on the next add', async (t) => {
    const { store, raw, clock } = await open(t);
    await store.deviceLogins.add(device(clock.now()), clock.now(), 10, clock.now());
    clock.advance(20 * MINUTE);
    await store.deviceLogins.add(device(clock.now(), { device_code_hash: 'dev-2', user_code_hash: 'user-2' }), clock.now(), 10, clock.now() - 10 * MINUTE);
    assert.deepEqual((await raw.query('SELECT device_code_hash FROM device_logins')).map((row) => row.device_code_hash), ['dev-2']);
  });

  test('login failures: the newest unexpired ones of a key, newest first, at most the limit', async (t) => {
    const { store, clock } = await open(t);
    const start = clock.now();
    for (let i = 0; i < 5; i++) await store.loginFailures.add('k', start + i, start + i + MINUTE);
    await store.loginFailures.add('other', start, start + MINUTE);
    assert.deepEqual(await store.loginFailures.recent('k', start + 10, 3), [start + 4, start + 3, start + 2]);
    assert.deepEqual(await store.loginFailures.recent('k', start + MINUTE + 2, 10), [start + 4, start + 3], 'the expired ones are not counted');
    await store.loginFailures.clear('k');
    assert.deepEqual(await store.loginFailures.recent('k', start, 10), []);
    assert.equal((await store.loginFailures.recent('other', start, 10)).length, 1, 'another key keeps its failures');
  });

  test('login failures: one replica sees the failures another recorded; expired rows are pruned on add', async (t) => {
    const { store, raw, clock, openAgain } = await open(t);
    const other = await openAgain();
    await store.loginFailures.add('k', clock.now(), clock.now() + MINUTE);
    await other.loginFailures.add('k', clock.now(), clock.now() + MINUTE);
    assert.equal((await other.loginFailures.recent('k', clock.now(), 10)).length, 2);
    clock.advance(MINUTE);
    await other.loginFailures.add('k2', clock.now(), clock.now() + MINUTE);
    assert.deepEqual((await raw.query('SELECT key FROM login_failures')).map((row) => row.key), ['k2']);
  });

  test('paced turns: one after another, refused past the longest wait, shared by replicas', async (t) => {
    const { store, clock, openAgain } = await open(t);
    const other = await openAgain();
    const now = clock.now();
    assert.deepEqual(await store.loginFailures.takeTurn('u', now, 1_000, 2_500), { slotMs: now, taken: true });
    assert.deepEqual(await other.loginFailures.takeTurn('u', now, 1_000, 2_500), { slotMs: now + 1_000, taken: true });
    assert.deepEqual(await store.loginFailures.takeTurn('u', now, 1_000, 2_500), { slotMs: now + 2_000, taken: true });
    assert.deepEqual(await other.loginFailures.takeTurn('u', now, 1_000, 2_500), { slotMs: now + 3_000, taken: false }, 'three seconds away: refused');
    assert.deepEqual(await other.loginFailures.takeTurn('v', now, 1_000, 2_500), { slotMs: now, taken: true }, 'another user has its own queue');
    clock.advance(10_000);
    assert.deepEqual(await store.loginFailures.takeTurn('u', clock.now(), 1_000, 2_500), { slotMs: clock.now(), taken: true }, 'a past slot means now');
  });
});
