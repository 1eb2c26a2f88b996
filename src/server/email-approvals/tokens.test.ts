import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../core/index.js';
import { SessionKeys, issueSessionToken, verifySessionToken } from '../../identity/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { ApprovalLinkExpired, ApprovalLinkInvalid, issueApprovalLink, verifyApprovalLink } from './tokens.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;

async function keys(t: { after(fn: () => Promise<void>): void }): Promise<SessionKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-email-keys-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return SessionKeys.load(dir, { clock: new ManualClock(NOW) });
}

describe('approval link tokens', () => {
  it('carries the address (lower-cased), the request, the intent and an expiry, readable only with the server key', async (t) => {
    const k = await keys(t);
    const { token, link } = await issueApprovalLink(k, { address: 'Bob@Example.com', requestId: 'req_1' }, { now: NOW, ttlMs: HOUR });
    assert.ok(!token.includes('example.com') && !token.includes('req_1'), 'the token is encrypted');
    assert.deepEqual(await verifyApprovalLink(k, token, { now: NOW + HOUR - 1000 }), link);
    assert.equal(link.address, 'bob@example.com');
    assert.equal(link.intent, 'decide');
    assert.equal(link.expiresAtMs, NOW + HOUR);
    const other = await keys(t);
    await assert.rejects(verifyApprovalLink(other, token, { now: NOW }), ApprovalLinkInvalid);
  });

  it('refuses an expired link as expired, and an altered or truncated one as invalid', async (t) => {
    const k = await keys(t);
    const { token } = await issueApprovalLink(k, { address: 'bob@example.com', requestId: 'req_1' }, { now: NOW, ttlMs: HOUR });
    await assert.rejects(verifyApprovalLink(k, token, { now: NOW + HOUR + 1000 }), ApprovalLinkExpired);
    const parts = token.split('.');
    const flipped = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
    await assert.rejects(verifyApprovalLink(k, [...parts.slice(0, 3), flipped, parts[4]].join('.'), { now: NOW }), ApprovalLinkInvalid);
    await assert.rejects(verifyApprovalLink(k, token.slice(0, -2), { now: NOW }), ApprovalLinkInvalid);
    await assert.rejects(verifyApprovalLink(k, '', { now: NOW }), ApprovalLinkInvalid);
    await assert.rejects(verifyApprovalLink(k, 'x'.repeat(5000), { now: NOW }), ApprovalLinkInvalid);
  });

  it('keeps link tokens and session tokens apart, though both come from the session key set', async (t) => {
    const k = await keys(t);
    const session = await issueSessionToken(k, { id: 'bob', provider: 'local', provider_type: 'local', groups: [] }, { now: NOW });
    await assert.rejects(verifyApprovalLink(k, session.token, { now: NOW }), ApprovalLinkInvalid);
    const { token } = await issueApprovalLink(k, { address: 'bob@example.com', requestId: 'req_1' }, { now: NOW, ttlMs: HOUR });
    await assert.rejects(verifySessionToken(k, token, { now: NOW }));
  });

  it('stops working when its key is revoked', async (t) => {
    const k = await keys(t);
    const { token } = await issueApprovalLink(k, { address: 'bob@example.com', requestId: 'req_1' }, { now: NOW, ttlMs: HOUR });
    await k.revoke(k.current().kid);
    await assert.rejects(verifyApprovalLink(k, token, { now: NOW }), ApprovalLinkInvalid);
  });
});

describe('single use (store)', () => {
  it('redeems a link id once, remembers it until it expires, then prunes it', async (t) => {
    const { store, clock } = await openTempStore(t, { clock: new ManualClock(NOW) });
    assert.equal(await store.email.redeemLink('eml_1', NOW + HOUR), true);
    assert.equal(await store.email.redeemLink('eml_1', NOW + HOUR), false);
    assert.equal(await store.email.linkUsed('eml_1'), true);
    assert.equal(await store.email.linkUsed('eml_2'), false);
    clock.set(NOW + 2 * HOUR);
    assert.equal(await store.email.redeemLink('eml_3', NOW + 3 * HOUR), true);
    assert.equal(await store.email.linkUsed('eml_1'), false, 'pruned once expired');
  });

  it('keeps a reader position that only moves forward', async (t) => {
    const { store } = await openTempStore(t);
    assert.equal(await store.email.cursor('requester'), null);
    await store.email.setCursor('requester', 10);
    await store.email.setCursor('requester', 5);
    assert.equal(await store.email.cursor('requester'), 10);
  });
});
