import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ManualClock } from '../core/index.js';
import { storeBackends } from './backends.fake.js';
import type { SessionRef } from './types.js';

const HOUR = 3_600_000;

function session(clock: ManualClock, overrides: Partial<SessionRef> = {}): SessionRef {
  return { jti: 'ses_1', provider: 'local', user_id: 'alice', issued_at_ms: clock.now() - 1000, ...overrides };
}

storeBackends((open) => {
  test('a revoked session id is revoked; others of the same identity are not', async (t) => {
    const { store, clock } = await open(t);
    await store.sessions.revoke('ses_1', clock.now() + HOUR);
    assert.equal(await store.sessions.isRevoked(session(clock)), true);
    assert.equal(await store.sessions.isRevoked(session(clock, { jti: 'ses_2' })), false);
  });

  test('revoking twice is harmless', async (t) => {
    const { store, clock } = await open(t);
    await store.sessions.revoke('ses_1', clock.now() + HOUR);
    await store.sessions.revoke('ses_1', clock.now() + 2 * HOUR);
    assert.equal(await store.sessions.isRevoked(session(clock)), true);
  });

  test('a revocation is pruned once its token has expired', async (t) => {
    const { store, clock, raw } = await open(t);
    await store.sessions.revoke('ses_1', clock.now() + HOUR);
    await store.sessions.revoke('ses_expired', clock.now() - 1);
    clock.advance(HOUR);
    await store.sessions.revoke('ses_2', clock.now() + HOUR);
    assert.deepEqual((await raw.query('SELECT jti FROM revoked_sessions')).map((row) => row.jti), ['ses_2']);
  });

  test('ending an identity\'s sessions ends those issued at or before the cut-off, at that identity provider only', async (t) => {
    const { store, clock } = await open(t);
    const cutoff = clock.now();
    await store.sessions.revokeIdentity('local', 'alice', cutoff);
    assert.equal(await store.sessions.isRevoked(session(clock, { issued_at_ms: cutoff - 1 })), true);
    assert.equal(await store.sessions.isRevoked(session(clock, { issued_at_ms: cutoff })), true);
    assert.equal(await store.sessions.isRevoked(session(clock, { issued_at_ms: cutoff + 1 })), false, 'a session issued after the cut-off');
    assert.equal(await store.sessions.isRevoked(session(clock, { provider: 'corp', issued_at_ms: cutoff - 1 })), false, 'alice at another identity provider');
    assert.equal(await store.sessions.isRevoked(session(clock, { user_id: 'bob', issued_at_ms: cutoff - 1 })), false);
  });

  test('a later cut-off moves forward; an earlier one does not move it back', async (t) => {
    const { store, clock } = await open(t);
    const first = clock.now();
    await store.sessions.revokeIdentity('local', 'alice', first + 5_000);
    await store.sessions.revokeIdentity('local', 'alice', first);
    assert.equal(await store.sessions.isRevoked(session(clock, { issued_at_ms: first + 4_000 })), true);
    await store.sessions.revokeIdentity('local', 'alice', first + 10_000);
    assert.equal(await store.sessions.isRevoked(session(clock, { issued_at_ms: first + 9_000 })), true);
  });

  test('revocations survive closing and reopening the store', async (t) => {
    const { store: first, clock, openAgain } = await open(t);
    await first.sessions.revoke('ses_1', clock.now() + HOUR);
    await first.sessions.revokeIdentity('local', 'bob', clock.now());
    await first.close();
    const second = await openAgain();
    assert.equal(await second.sessions.isRevoked(session(clock)), true);
    assert.equal(await second.sessions.isRevoked(session(clock, { jti: 'ses_9', user_id: 'bob' })), true);
  });
});
