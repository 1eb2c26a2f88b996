// DeviceLoginService rules with an injected clock and an in-process fake IdP (named as such: the
// real OpenID provider runs in test/e2e/device-login.test.ts).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ManualClock, silentLogger, type Identity } from '../../core/index.js';
import { SessionKeys, verifySessionToken } from '../../identity/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import { openSqliteStore } from '../../store/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { BrowserLoginService } from './browser-login.js';
import { DEVICE_CODE_TTL_MS, DEVICE_POLL_INTERVAL_MS, DeviceLoginService, USER_CODE_ALPHABET, normaliseUserCode } from './device-login.js';
import { FakeRedirectIdp } from './redirect-idp.fake.js';

const alice: Identity = { id: 'u-alice', email: 'alice@corp.example', name: 'Alice', groups: ['eng'], provider: 'corp', provider_type: 'oidc' };
const BROWSER = 'b'.repeat(43);

async function setup(t: TestContext, options: { guesses?: { perClient: number; overall: number } } = {}) {
  const { store, dir, clock, file } = await openTempStore(t, { clock: new ManualClock(Date.parse('2026-06-01T00:00:00Z')) });
  const keys = await SessionKeys.load(dir, { clock });
  const providers = new Map<string, ProviderInstance>([
    ['corp', { id: 'corp', type: 'oidc', name: 'Corp SSO', enabled: true, capabilities: ['identity'], identity: new FakeRedirectIdp('corp', alice) }],
  ]);
  const publicUrl = () => 'https://lease.example';
  const logins = new BrowserLoginService({ store, providers, keys, clock, logger: silentLogger, sessionTtlMs: 3_600_000, publicUrl });
  const devices = new DeviceLoginService({ logins, store, providers, keys, clock, logger: silentLogger, sessionTtlMs: 3_600_000, publicUrl, ...options });
  const form = async (userCode: string, browser = BROWSER) => ({ userCode, browser, token: await devices.formToken(browser, userCode), client: '192.0.2.1' });
  /** Confirms the code in the "browser" and completes the IdP login with `idpCode`. */
  const approve = async (userCode: string, idpCode = 'ok') => {
    const loginUrl = await devices.confirm(await form(userCode));
    const state = new URL(loginUrl).searchParams.get('state') as string;
    const back = new URL(await logins.callback('corp', new URLSearchParams({ code: idpCode, state })));
    const ref = back.pathname.split('/').pop() as string;
    return { back, ref, answer: { code: back.searchParams.get('code') ?? undefined, error: back.searchParams.get('error') ?? undefined } };
  };
  /** The same services on a second store on the same file and data directory: another replica. */
  const replica = async () => {
    const other = await openSqliteStore({ file, clock });
    t.after(() => other.close());
    const otherKeys = await SessionKeys.load(dir, { clock });
    const otherLogins = new BrowserLoginService({ store: other, providers, keys: otherKeys, clock, logger: silentLogger, sessionTtlMs: 3_600_000, publicUrl });
    return { logins: otherLogins, devices: new DeviceLoginService({ logins: otherLogins, store: other, providers, keys: otherKeys, clock, logger: silentLogger, sessionTtlMs: 3_600_000, publicUrl, ...options }) };
  };
  return { devices, logins, store, keys, clock, form, approve, replica };
}

describe('DeviceLoginService', () => {
  it('answers a device code, a XXXX-XXXX user code and the page on the server', async (t) => {
    const { devices } = await setup(t);
    const auth = await devices.authorize('corp');
    assert.match(auth.user_code, new RegExp(`^[${USER_CODE_ALPHABET}]{4}-[${USER_CODE_ALPHABET}]{4}$`));
    assert.ok(Buffer.from(auth.device_code, 'base64url').length >= 32, 'the device code carries 256 bits');
    assert.equal(auth.verification_uri, 'https://lease.example/device');
    assert.equal(auth.verification_uri_complete, `https://lease.example/device?user_code=${auth.user_code}`);
    assert.equal(auth.expires_in, DEVICE_CODE_TTL_MS / 1000);
    assert.equal(auth.interval, DEVICE_POLL_INTERVAL_MS / 1000);
  });

  it('answers authorization_pending until the login is completed in the browser', async (t) => {
    const { devices } = await setup(t);
    const auth = await devices.authorize('corp');
    await assert.rejects(devices.token(auth.device_code), { code: 'authorization_pending', status: 400 });
  });

  it('hands the session to the device once the person confirmed and logged in, exactly once', async (t) => {
    const { devices, keys, clock, store, approve } = await setup(t);
    const auth = await devices.authorize('corp');
    const prompt = await devices.prompt(auth.user_code, '192.0.2.1');
    assert.deepEqual(prompt, { user_code: auth.user_code, provider: 'corp', provider_name: 'Corp SSO', server: 'https://lease.example', expires_at: '2026-06-01T00:10:00.000Z' });
    const { back, ref, answer } = await approve(auth.user_code);
    assert.equal(`${back.origin}${back.pathname}`, `https://lease.example/device/complete/${ref}`);
    assert.equal((await devices.complete(ref, answer)).id, 'u-alice');

    const session = await devices.token(auth.device_code);
    assert.equal((await verifySessionToken(keys, session.token, { now: clock.now() })).identity.id, 'u-alice');
    clock.advance(DEVICE_POLL_INTERVAL_MS);
    await assert.rejects(devices.token(auth.device_code), { code: 'invalid_grant' });

    const audit = await store.audit.list({});
    const succeeded = audit.filter((e) => e.action === 'login.succeeded');
    assert.equal(succeeded.length, 1);
    assert.deepEqual({ ...(succeeded[0]?.data as object), expires_at: undefined }, { provider: 'corp', method: 'device', expires_at: undefined });
    const text = JSON.stringify(audit);
    for (const secret of [auth.device_code, auth.user_code, auth.user_code.replace('-', ''), session.token, answer.code as string]) assert.ok(!text.includes(secret), 'no code or token in the audit trail');
  });

  it('runs each step on whichever replica gets it: authorize, page, confirm, IdP answer, complete, poll', async (t) => {
    const { devices, logins, form, replica, clock } = await setup(t);
    const b = await replica();
    const auth = await devices.authorize('corp');
    assert.equal((await b.devices.prompt(auth.user_code, '192.0.2.1')).provider, 'corp');
    const loginUrl = await b.devices.confirm(await form(auth.user_code));
    const state = new URL(loginUrl).searchParams.get('state') as string;
    const back = new URL(await logins.callback('corp', new URLSearchParams({ code: 'ok', state })));
    const ref = back.pathname.split('/').pop() as string;
    assert.equal((await b.devices.complete(ref, { code: back.searchParams.get('code') ?? undefined })).id, 'u-alice');
    await assert.rejects(devices.complete(ref, { code: back.searchParams.get('code') ?? undefined }), { code: 'device_login_not_pending' });
    assert.equal((await devices.token(auth.device_code)).identity.id, 'u-alice');
    clock.advance(DEVICE_POLL_INTERVAL_MS);
    await assert.rejects(b.devices.token(auth.device_code), { code: 'invalid_grant' }, 'the session is handed out once, across replicas');
    await assert.rejects(b.logins.callback('corp', new URLSearchParams({ code: 'ok', state })), { code: 'invalid_state' });
  });

  it('accepts the user code in lower case and without its dash', async (t) => {
    const { devices } = await setup(t);
    const auth = await devices.authorize('corp');
    assert.equal((await devices.prompt(auth.user_code.replace('-', ' ').toLowerCase(), 'c')).user_code, auth.user_code);
    assert.equal(normaliseUserCode('bcdf-ghj'), undefined);
    assert.equal(normaliseUserCode('AEIO-UBCD'), undefined);
  });

  it('answers slow_down to a device polling faster than its interval, and makes it wait 5 s longer', async (t) => {
    const { devices, clock } = await setup(t);
    const auth = await devices.authorize('corp');
    await assert.rejects(devices.token(auth.device_code), { code: 'authorization_pending' });
    clock.advance(1000);
    await assert.rejects(devices.token(auth.device_code), { code: 'slow_down', message: /every 10 seconds/ });
    clock.advance(DEVICE_POLL_INTERVAL_MS);
    await assert.rejects(devices.token(auth.device_code), { code: 'slow_down' }, 'the old interval is now too fast');
    clock.advance(15_000);
    await assert.rejects(devices.token(auth.device_code), { code: 'authorization_pending' });
  });

  it('answers expired_token once the code is older than 10 minutes, and the page no longer knows it', async (t) => {
    const { devices, clock } = await setup(t);
    const auth = await devices.authorize('corp');
    clock.advance(DEVICE_CODE_TTL_MS);
    await assert.rejects(devices.token(auth.device_code), { code: 'expired_token', status: 400 });
    await assert.rejects(devices.prompt(auth.user_code, 'c'), { code: 'invalid_user_code', status: 404 });
  });

  it('refuses an unknown device code', async (t) => {
    const { devices } = await setup(t);
    await assert.rejects(devices.token('A'.repeat(43)), { code: 'invalid_grant', status: 400 });
  });

  it('refuses a wrong user code, and audits it without the code', async (t) => {
    const { devices, store } = await setup(t);
    await devices.authorize('corp');
    await assert.rejects(devices.prompt('BBBB-BBBB', 'c'), { code: 'invalid_user_code', status: 404 });
    await assert.rejects(devices.prompt('not a code', 'c'), { code: 'invalid_user_code' });
    const audit = await store.audit.list({});
    const failed = audit.filter((e) => e.action === 'login.failed');
    assert.deepEqual(failed.map((e) => e.data), [{ method: 'device', reason: 'invalid_user_code' }, { method: 'device', reason: 'invalid_user_code' }]);
    assert.ok(!JSON.stringify(audit).includes('BBBB'));
  });

  it('stops a client guessing user codes after 10 misses, even for a right code, while others go on', async (t) => {
    const { devices, clock } = await setup(t);
    const auth = await devices.authorize('corp');
    for (let i = 0; i < 10; i++) await assert.rejects(devices.prompt('BBBB-BBBB', 'guesser'), { code: 'invalid_user_code' });
    await assert.rejects(devices.prompt(auth.user_code, 'guesser'), { code: 'too_many_attempts', status: 429 });
    assert.equal((await devices.prompt(auth.user_code, 'someone-else')).provider, 'corp');
    clock.advance(5 * 60_000 + 1);
    assert.equal((await devices.prompt(auth.user_code, 'guesser')).provider, 'corp');
  });

  it('stops guessing from many addresses at the overall limit', async (t) => {
    const { devices } = await setup(t, { guesses: { perClient: 10, overall: 5 } });
    const auth = await devices.authorize('corp');
    for (let i = 0; i < 5; i++) await assert.rejects(devices.prompt('BBBB-BBBB', `addr-${i}`), { code: 'invalid_user_code' });
    await assert.rejects(devices.prompt(auth.user_code, 'addr-new'), { code: 'too_many_attempts' });
  });

  it('refuses a confirmation whose form token is for another browser or another code (CSRF)', async (t) => {
    const { devices, form } = await setup(t);
    const mine = await devices.authorize('corp');
    const other = await devices.authorize('corp');
    await assert.rejects(devices.confirm({ ...(await form(mine.user_code)), browser: 'x'.repeat(43) }), { code: 'invalid_form_token', status: 403 });
    await assert.rejects(devices.confirm({ ...(await form(other.user_code)), userCode: mine.user_code }), { code: 'invalid_form_token' });
    await assert.rejects(devices.confirm({ ...(await form(mine.user_code)), token: '' }), { code: 'invalid_form_token' });
    await assert.rejects(devices.confirm({ ...(await form(mine.user_code, '')), browser: '' }), { code: 'invalid_form_token' });
    assert.ok((await devices.confirm(await form(mine.user_code))).startsWith('https://idp.example/'));
  });

  it('tells the device access_denied when the person denies, and the code stops working', async (t) => {
    const { devices, form, store } = await setup(t);
    const auth = await devices.authorize('corp');
    await devices.deny(await form(auth.user_code));
    await assert.rejects(devices.token(auth.device_code), { code: 'access_denied', status: 400 });
    await assert.rejects(devices.confirm(await form(auth.user_code)), { code: 'invalid_user_code' });
    const audit = await store.audit.list({});
    assert.deepEqual(audit.filter((e) => e.action === 'login.failed').map((e) => e.data)[0], { provider: 'corp', method: 'device', reason: 'access_denied' });
  });

  it('tells the device access_denied when the IdP login failed, audited with method device', async (t) => {
    const { devices, approve, store } = await setup(t);
    const auth = await devices.authorize('corp');
    const { ref, answer } = await approve(auth.user_code, 'wrong');
    assert.equal(answer.error, 'login_failed');
    await assert.rejects(devices.complete(ref, answer), { code: 'login_failed' });
    await assert.rejects(devices.token(auth.device_code), { code: 'access_denied' });
    const audit = await store.audit.list({});
    assert.ok(audit.some((e) => e.action === 'login.failed' && (e.data as { method?: string }).method === 'device'));
  });

  it('refuses the browser coming back twice, or to a login it did not start', async (t) => {
    const { devices, approve } = await setup(t);
    const auth = await devices.authorize('corp');
    const { ref, answer } = await approve(auth.user_code);
    await devices.complete(ref, answer);
    await assert.rejects(devices.complete(ref, answer), { code: 'device_login_not_pending' });
    await assert.rejects(devices.complete('made-up', answer), { code: 'device_login_not_pending' });
  });

  it('refuses a one-time code from another device login', async (t) => {
    const { devices, approve } = await setup(t);
    const mine = await devices.authorize('corp');
    const theirs = await devices.authorize('corp');
    const a = await approve(mine.user_code);
    const b = await approve(theirs.user_code);
    await assert.rejects(devices.complete(a.ref, b.answer), { code: 'invalid_login_code' });
    assert.equal((await devices.complete(b.ref, b.answer)).id, 'u-alice', 'the other login still completes');
  });

  it('refuses a provider that is not a browser login provider', async (t) => {
    const { devices } = await setup(t);
    await assert.rejects(devices.authorize('nope'), { code: 'identity_provider_not_found', status: 404 });
  });
});
