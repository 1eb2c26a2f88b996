import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_SET_REFRESH_DEFAULTS } from '../../crypto/index.js';
import { ManualClock, Unauthenticated, silentLogger, type Identity } from '../../core/index.js';
import { SessionKeys, createLocalIdentity, hashPassword, issueSessionToken } from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import { openSqliteStore } from '../../store/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { createAccessControl } from './access-control.js';
import { AuthService } from './auth.js';
import { LoginThrottle } from './login-throttle.js';

const alice: Identity = { id: 'alice', groups: ['eng'], provider: 'local', provider_type: 'local' };
const bob: Identity = { id: 'bob', groups: ['eng'], provider: 'local', provider_type: 'local' };
const admin: Identity = { id: 'ann', groups: ['ops'], provider: 'local', provider_type: 'local' };
const PASSWORD = 'alice-Secr3t-pw';
const passwordHash = hashPassword(PASSWORD);

async function setup(t: TestContext) {
  const { store, dir, file, clock } = await openTempStore(t, { clock: new ManualClock(Date.parse('2026-06-01T00:00:00Z')) });
  const keys = await SessionKeys.load(dir, { clock });
  const providers = new Map<string, ProviderInstance>([
    ['local', createLocalIdentity({ id: 'local', name: 'Local', enabled: true, config: { trust_email: false, users: { alice: { password_hash: await passwordHash, groups: ['eng'] } } } }) as ProviderInstance],
  ]);
  const deps = { providers, keys, clock, logger: silentLogger, access: createAccessControl([{ provider: 'local', group: 'ops' }]), sessionTtlMs: 60_000 };
  const auth = new AuthService({ ...deps, store, throttle: new LoginThrottle(store, clock) });
  const issue = async (identity: Identity) => (await issueSessionToken(keys, identity, { now: clock.now(), ttlMs: 60_000 })).token;
  return { auth, keys, clock, store, dir, file, deps, issue };
}

const revoked = (e: unknown) => e instanceof Unauthenticated && e.code === 'session_revoked' && e.status === 401;

describe('AuthService.authenticate', () => {
  it('accepts a valid bearer token, again from its cache', async (t) => {
    const { auth, issue } = await setup(t);
    const token = await issue(alice);
    assert.equal((await auth.authenticate(`Bearer ${token}`)).id, 'alice');
    assert.equal((await auth.authenticate(`bearer ${token}`)).id, 'alice');
  });

  it('refuses a missing, malformed or tampered token', async (t) => {
    const { auth, issue } = await setup(t);
    const token = await issue(alice);
    const tampered = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const header of [undefined, '', 'Basic abc', 'Bearer', `Bearer ${tampered}`, `Bearer ${token} extra`]) {
      await assert.rejects(auth.authenticate(header), Unauthenticated, String(header));
    }
  });

  it('refuses a cached token once it has expired', async (t) => {
    const { auth, clock, issue } = await setup(t);
    const token = await issue(alice);
    await auth.authenticate(`Bearer ${token}`);
    clock.advance(61_000);
    await assert.rejects(auth.authenticate(`Bearer ${token}`), (e: unknown) => e instanceof Unauthenticated && e.code === 'session_expired');
  });
});

// Invariant: a session ends when its user logs out or an admin ends it, not only when it expires.
describe('a session ends when its user logs out or an admin ends it, not only when it expires', () => {
  it('a logged-out session is refused with session_revoked, though its verification was cached', async (t) => {
    const { auth, issue } = await setup(t);
    const token = await issue(alice);
    const session = await auth.verify(token);
    await auth.endSession(session);
    await assert.rejects(auth.authenticateToken(token), revoked);
    assert.equal(await auth.liveSession(token), undefined);
  });

  it('a logged-out session stays ended after a restart (new service, empty cache, store reopened)', async (t) => {
    const { auth, store, file, deps, clock, issue } = await setup(t);
    const token = await issue(alice);
    await auth.endSession(await auth.verify(token));
    await store.close();
    const reopened = await openSqliteStore({ file, clock });
    t.after(() => reopened.close());
    const restarted = new AuthService({ ...deps, store: reopened, throttle: new LoginThrottle(reopened, clock) });
    await assert.rejects(restarted.authenticateToken(token), revoked);
  });

  it('an administrator ends every session of a user issued until then; a later session works; other users keep theirs', async (t) => {
    const { auth, clock, issue, store } = await setup(t);
    const first = await issue(alice);
    clock.advance(1);
    const second = await issue(alice);
    const bobs = await issue(bob);
    const aliceElsewhere = await issue({ ...alice, provider: 'corp', provider_type: 'oidc' });
    for (const token of [first, second, bobs, aliceElsewhere]) await auth.authenticateToken(token);

    const ended = await auth.endSessionsOf(admin, 'local', 'alice');
    assert.equal(ended.ended_before, new Date(clock.now()).toISOString());
    await assert.rejects(auth.authenticateToken(first), revoked);
    await assert.rejects(auth.authenticateToken(second), revoked);
    assert.equal((await auth.authenticateToken(bobs)).id, 'bob');
    assert.equal((await auth.authenticateToken(aliceElsewhere)).provider, 'corp', 'alice at another identity provider is another person');

    clock.advance(1);
    assert.equal((await auth.authenticateToken(await issue(alice))).id, 'alice', 'a session issued after it works');
    const entry = (await store.audit.list()).find((e) => e.action === 'sessions.revoked');
    assert.equal(entry?.actor, 'local:ann');
    assert.equal(entry?.subject, 'local:alice');
  });

  it('a session issued in the same second as the cut-off, but after it, works', async (t) => {
    const { auth, clock, issue } = await setup(t);
    clock.set(Date.parse('2026-06-01T00:00:10.100Z'));
    const before = await issue(alice);
    clock.set(Date.parse('2026-06-01T00:00:10.200Z'));
    await auth.endSessionsOf(admin, 'local', 'alice');
    clock.set(Date.parse('2026-06-01T00:00:10.300Z'));
    const after = await issue(alice);
    await assert.rejects(auth.authenticateToken(before), revoked);
    assert.equal((await auth.authenticateToken(after)).id, 'alice');
  });

  it('a cached session is refused once its key is revoked, here or by another process sharing the key file', async (t) => {
    const { auth, keys, clock, dir, issue } = await setup(t);
    const here = await issue(alice);
    await auth.authenticateToken(here);
    await keys.revoke(keys.current().kid);
    await assert.rejects(auth.authenticateToken(here), (e: unknown) => e instanceof Unauthenticated && e.code === 'unauthenticated');

    const elsewhere = await issue(alice);
    await auth.authenticateToken(elsewhere);
    const otherProcess = await SessionKeys.load(dir, { clock });
    await otherProcess.revoke(keys.current().kid);
    assert.equal((await auth.authenticateToken(elsewhere)).id, 'alice', 'the file is looked at again only after the check interval');
    clock.advance(KEY_SET_REFRESH_DEFAULTS.checkMs);
    await assert.rejects(auth.authenticateToken(elsewhere), (e: unknown) => e instanceof Unauthenticated && e.code === 'unauthenticated');
    assert.equal((await auth.authenticateToken(await issue(alice))).id, 'alice', 'a session under the key that replaced it works');
  });

  it('only administrators may end sessions of a user (403), of a configured identity provider (404)', async (t) => {
    const { auth } = await setup(t);
    await assert.rejects(auth.endSessionsOf(bob, 'local', 'alice'), { code: 'admin_required', status: 403 });
    await assert.rejects(auth.endSessionsOf(admin, 'nowhere', 'alice'), { code: 'identity_provider_not_found', status: 404 });
  });
});

// Invariant: a login throttle slows an attacker down without locking the real user out.
describe('a login throttle slows an attacker down without locking the real user out', () => {
  it('ten wrong passwords from one address refuse that address (429), while the right password from another address logs in', async (t) => {
    const { auth } = await setup(t);
    for (let i = 0; i < 10; i++) {
      await assert.rejects(auth.loginWithPassword('local', 'alice', 'wrong-guess', '203.0.113.7'), { code: 'invalid_credentials' });
    }
    await assert.rejects(auth.loginWithPassword('local', 'alice', PASSWORD, '203.0.113.7'), (e: unknown) => {
      const err = e as { code: string; status: number; retryAfterSeconds: number };
      return err.code === 'too_many_attempts' && err.status === 429 && err.retryAfterSeconds > 0;
    });
    const session = await auth.loginWithPassword('local', 'alice', PASSWORD, '198.51.100.20');
    assert.equal(session.identity.id, 'alice');
  });
});
