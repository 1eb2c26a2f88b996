import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Identity } from '../../core/index.js';
import { ManualClock, Unauthenticated } from '../../core/index.js';
import { SessionKeyFileInsecure, SessionKeyFileInvalid } from './errors.js';
import { SessionKeys, sessionKeyFile } from './keys.js';
import { issueSessionToken, verifySessionToken } from './tokens.js';

const alice: Identity = { id: 'alice-the-user', email: 'alice@example.com', name: 'Alice Liddell', groups: ['ops-team'], provider: 'local', provider_type: 'local' };
const NOW = Date.parse('2026-01-01T00:00:00Z');
const HOUR = 3_600_000;

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-sessions-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshKeys(): Promise<SessionKeys> {
  return SessionKeys.load(await mkdtemp(join(root, 'data-')), { clock: new ManualClock(NOW) });
}

function rejectsWith(code: string) {
  return (err: unknown) => err instanceof Unauthenticated && err.code === code && err.status === 401;
}

describe('session keys', () => {
  test('creates the key file with mode 0600 in a 0700 directory', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dataDir);
    assert.equal(keys.file, join(dataDir, 'keys', 'session.jwk'));
    assert.equal((await stat(keys.file)).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'keys'))).mode & 0o777, 0o700);
    const jwks = JSON.parse(await readFile(keys.file, 'utf8')) as { keys: { kty: string; kid: string; k: string }[] };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]?.kty, 'oct');
    assert.equal(Buffer.from(jwks.keys[0]?.k ?? '', 'base64url').length, 32);
  });

  test('loads the same key on the next start', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const first = await SessionKeys.load(dataDir);
    const second = await SessionKeys.load(dataDir);
    assert.deepEqual(second.current(), first.current());
  });

  test('two servers starting together end up with one key', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const [a, b] = await Promise.all([SessionKeys.load(dataDir), SessionKeys.load(dataDir)]);
    assert.equal(a.current().kid, b.current().kid);
  });

  test('keeps the key file 0600 across rotations', async () => {
    const keys = await freshKeys();
    await keys.rotate();
    assert.equal((await stat(keys.file)).mode & 0o777, 0o600);
  });

  test('refuses a key file others can read', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dataDir);
    await chmod(keys.file, 0o644);
    await assert.rejects(SessionKeys.load(dataDir), SessionKeyFileInsecure);
  });

  test('refuses a key file that is not a JWK Set of 256-bit keys, without echoing it', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const file = sessionKeyFile(dataDir);
    await SessionKeys.load(dataDir);
    await writeFile(file, JSON.stringify({ keys: [{ kty: 'oct', kid: 'k1', k: 'c2hvcnQ', created_at: '2026-01-01T00:00:00Z' }] }), { mode: 0o600 });
    await assert.rejects(SessionKeys.load(dataDir), (err: unknown) => err instanceof SessionKeyFileInvalid && !err.message.includes('c2hvcnQ'));
    await writeFile(file, 'not json', { mode: 0o600 });
    await assert.rejects(SessionKeys.load(dataDir), SessionKeyFileInvalid);
  });
});

describe('session tokens', () => {
  test('round-trips the identity, expiry and a token id', async () => {
    const keys = await freshKeys();
    const issued = await issueSessionToken(keys, alice, { now: NOW, ttlMs: HOUR });
    assert.equal(issued.expires_at, '2026-01-01T01:00:00.000Z');
    const session = await verifySessionToken(keys, issued.token, { now: NOW + HOUR - 1000 });
    assert.deepEqual(session.identity, alice);
    assert.equal(session.expires_at, issued.expires_at);
    assert.match(session.jti, /^ses_[0-9a-z]{26}$/);
  });

  test('carries its issue time to the millisecond, and each token its own id', async () => {
    const keys = await freshKeys();
    const first = await verifySessionToken(keys, (await issueSessionToken(keys, alice, { now: NOW + 1_234 })).token, { now: NOW + 2_000 });
    const second = await verifySessionToken(keys, (await issueSessionToken(keys, alice, { now: NOW + 1_235 })).token, { now: NOW + 2_000 });
    assert.equal(first.issued_at_ms, NOW + 1_234);
    assert.equal(second.issued_at_ms, NOW + 1_235);
    assert.notEqual(first.jti, second.jti);
  });

  test('lasts one hour by default', async () => {
    const keys = await freshKeys();
    assert.equal((await issueSessionToken(keys, alice, { now: NOW })).expires_at, '2026-01-01T01:00:00.000Z');
  });

  test('an expired token is refused with session_expired', async () => {
    const keys = await freshKeys();
    const { token } = await issueSessionToken(keys, alice, { now: NOW, ttlMs: HOUR });
    await assert.rejects(verifySessionToken(keys, token, { now: NOW + HOUR }), (err: unknown) =>
      rejectsWith('session_expired')(err) && (err as Error).message === 'session expired; log in again',
    );
  });

  test('a tampered token is refused', async () => {
    const keys = await freshKeys();
    const { token } = await issueSessionToken(keys, alice, { now: NOW });
    const parts = token.split('.');
    const ciphertext = Buffer.from(parts[3] ?? '', 'base64url');
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 1;
    const tampered = [...parts.slice(0, 3), ciphertext.toString('base64url'), parts[4]].join('.');
    await assert.rejects(verifySessionToken(keys, tampered, { now: NOW }), rejectsWith('unauthenticated'));
  });

  test('a token with a swapped header is refused', async () => {
    const keys = await freshKeys();
    const { token } = await issueSessionToken(keys, alice, { now: NOW });
    const header = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: keys.current().kid, x: 1 })).toString('base64url');
    await assert.rejects(verifySessionToken(keys, [header, ...token.split('.').slice(1)].join('.'), { now: NOW }), rejectsWith('unauthenticated'));
  });

  test('garbage is refused as unauthenticated', async () => {
    const keys = await freshKeys();
    for (const bad of ['', 'abc', 'a.b.c', 'a.b.c.d.e', 'x'.repeat(70_000)]) {
      await assert.rejects(verifySessionToken(keys, bad, { now: NOW }), rejectsWith('unauthenticated'), bad.slice(0, 20));
    }
  });

  test('a token from another server\'s key file is refused', async () => {
    const ours = await freshKeys();
    const theirs = await freshKeys();
    const { token } = await issueSessionToken(theirs, alice, { now: NOW });
    await assert.rejects(verifySessionToken(ours, token, { now: NOW }), rejectsWith('unauthenticated'));
  });

  test('a token whose key was revoked is refused, and new tokens still work', async () => {
    const keys = await freshKeys();
    const { token } = await issueSessionToken(keys, alice, { now: NOW });
    await keys.revoke(keys.current().kid);
    await assert.rejects(verifySessionToken(keys, token, { now: NOW }), rejectsWith('unauthenticated'));
    const fresh = await issueSessionToken(keys, alice, { now: NOW });
    assert.equal((await verifySessionToken(keys, fresh.token, { now: NOW })).identity.id, alice.id);
  });

  test('a revocation survives a restart', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dataDir);
    const { token } = await issueSessionToken(keys, alice, { now: NOW });
    await keys.revoke(keys.current().kid);
    await assert.rejects(verifySessionToken(await SessionKeys.load(dataDir), token, { now: NOW }), rejectsWith('unauthenticated'));
  });

  test('after rotation the new key encrypts and the older key still decrypts', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const keys = await SessionKeys.load(dataDir);
    const oldKid = keys.current().kid;
    const old = await issueSessionToken(keys, alice, { now: NOW });
    const newKid = await keys.rotate();
    assert.notEqual(newKid, oldKid);
    assert.equal(keys.current().kid, newKid);
    const fresh = await issueSessionToken(keys, alice, { now: NOW });
    assert.equal(JSON.parse(Buffer.from(fresh.token.split('.')[0] ?? '', 'base64url').toString()).kid, newKid);
    const reloaded = await SessionKeys.load(dataDir);
    assert.equal((await verifySessionToken(reloaded, old.token, { now: NOW })).identity.id, alice.id);
    assert.equal((await verifySessionToken(reloaded, fresh.token, { now: NOW })).identity.id, alice.id);
  });

  test('processes sharing the key file take in each other\'s rotation at once and a revocation within the check interval', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const clockA = new ManualClock(NOW);
    const clockB = new ManualClock(NOW);
    const a = await SessionKeys.load(dataDir, { clock: clockA });
    const b = await SessionKeys.load(dataDir, { clock: clockB, refresh: { checkMs: 10_000, missMs: 1_000 } });
    const before = await issueSessionToken(a, alice, { now: NOW });
    const oldKid = a.current().kid;
    const newKid = await a.rotate();
    const after = await issueSessionToken(a, alice, { now: NOW });
    // B has never seen the new key: the unknown id makes it read the file.
    assert.equal((await verifySessionToken(b, after.token, { now: NOW })).identity.id, alice.id);
    assert.equal((await issueSessionToken(b, alice, { now: NOW }), b.current().kid), newKid, 'B encrypts with the new key too');
    await a.revoke(oldKid);
    // Known to B and unrevoked in its memory until its next look at the file.
    assert.equal((await verifySessionToken(b, before.token, { now: NOW })).identity.id, alice.id);
    clockB.advance(10_001);
    await assert.rejects(verifySessionToken(b, before.token, { now: NOW }), rejectsWith('unauthenticated'));
    assert.equal((await verifySessionToken(b, after.token, { now: NOW })).identity.id, alice.id);
  });

  test('a rotation by another process is kept when this one revokes a key', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const a = await SessionKeys.load(dataDir);
    const b = await SessionKeys.load(dataDir);
    const first = a.current().kid;
    const added = await a.rotate();
    await b.revoke(first);
    assert.deepEqual((await SessionKeys.load(dataDir)).list().map((k) => [k.kid, k.revoked]), [[first, true], [added, false]]);
  });

  test('an unknown key id looks at the file at most once per interval', async () => {
    const dataDir = await mkdtemp(join(root, 'data-'));
    const clock = new ManualClock(NOW);
    const b = await SessionKeys.load(dataDir, { clock });
    const a = await SessionKeys.load(dataDir);
    assert.equal(await b.resolve('key_nope'), undefined); // looked: nothing new
    await a.rotate();
    assert.equal(await b.resolve(a.current().kid), undefined, 'within the interval, no second look');
    clock.advance(1_001);
    assert.ok(await b.resolve(a.current().kid));
  });

  test('the token does not reveal the identity to anyone without the key', async () => {
    const keys = await freshKeys();
    const { token } = await issueSessionToken(keys, alice, { now: NOW });
    const decoded = token
      .split('.')
      .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
      .join('\n');
    for (const secret of [alice.id, alice.email ?? '', alice.name ?? '', 'ops-team', 'idn']) {
      assert.ok(!decoded.includes(secret), `token reveals ${secret}`);
      assert.ok(!token.includes(secret), `token reveals ${secret}`);
    }
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(header).sort(), ['alg', 'enc', 'kid']);
  });

  test('refuses a lifetime under a second', async () => {
    const keys = await freshKeys();
    await assert.rejects(issueSessionToken(keys, alice, { now: NOW, ttlMs: 10 }), { code: 'invalid_input' });
  });
});
