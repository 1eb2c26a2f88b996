import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock, Unauthenticated, silentLogger, type Identity } from '../../core/index.js';
import { SessionKeys, issueSessionToken } from '../../identity/index.js';
import type { Store } from '../../store/index.js';
import { AuthService } from './auth.js';
import { LoginThrottle } from './login-throttle.js';

const alice: Identity = { id: 'alice', groups: ['eng'], provider: 'local', provider_type: 'local' };

async function setup(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'lease-auth-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'));
  const keys = await SessionKeys.load(dir, { clock });
  const auth = new AuthService({
    store: {} as Store,
    providers: new Map(),
    keys,
    clock,
    logger: silentLogger,
    throttle: new LoginThrottle(clock),
    sessionTtlMs: 60_000,
  });
  return { auth, keys, clock };
}

describe('AuthService.authenticate', () => {
  it('accepts a valid bearer token, again from its cache', async (t) => {
    const { auth, keys, clock } = await setup(t);
    const { token } = await issueSessionToken(keys, alice, { now: clock.now(), ttlMs: 60_000 });
    assert.equal((await auth.authenticate(`Bearer ${token}`)).id, 'alice');
    assert.equal((await auth.authenticate(`bearer ${token}`)).id, 'alice');
  });

  it('refuses a missing, malformed or tampered token', async (t) => {
    const { auth, keys, clock } = await setup(t);
    const { token } = await issueSessionToken(keys, alice, { now: clock.now(), ttlMs: 60_000 });
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const header of [undefined, '', 'Basic abc', 'Bearer', `Bearer ${tampered}`, `Bearer ${token} extra`]) {
      await assert.rejects(auth.authenticate(header), Unauthenticated, String(header));
    }
  });

  it('refuses a cached token once it has expired', async (t) => {
    const { auth, keys, clock } = await setup(t);
    const { token } = await issueSessionToken(keys, alice, { now: clock.now(), ttlMs: 60_000 });
    await auth.authenticate(`Bearer ${token}`);
    clock.advance(61_000);
    await assert.rejects(auth.authenticate(`Bearer ${token}`), (e: unknown) => e instanceof Unauthenticated && e.code === 'session_expired');
  });
});
