// The saml provider against a real SAML IdP (samlify, in process): the signed Response is
// accepted, and each check refuses its tampered answer. End to end through the server and the
// CLI: test/e2e/saml.test.ts.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../../core/index.js';
import { openSqliteStore } from '../../store/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { createSamlIdp, type ResponseTweaks, type TestSamlIdp } from '../../../test/support/saml-idp.js';
import { RedirectLoginFailed } from '../oidc/index.js';
import { samlConfigSchema } from './config.js';
import { SamlIdentityProvider } from './provider.js';
import { SeenAssertions, StoredSeenAssertions } from './replay.js';

const ACS = 'http://127.0.0.1:9/api/v1/auth/corp/callback';
const alice = { nameId: 'alice@corp.example', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng', 'oncall'] };

describe('saml identity provider (real SAML IdP)', () => {
  let idp: TestSamlIdp;
  let provider: SamlIdentityProvider;

  before(() => {
    idp = createSamlIdp();
    provider = new SamlIdentityProvider('corp', samlConfigSchema.parse({ idp_metadata: idp.metadata }));
  });

  /** start → the IdP's Response, as the ACS would receive it. */
  async function answerFor(tweaks: ResponseTweaks = {}, from: TestSamlIdp = idp, sp = provider) {
    const { url, checks } = await sp.beginLogin(ACS);
    const form = await from.respond(url, await sp.serviceProviderMetadata(ACS), alice, tweaks);
    return { answer: new URLSearchParams({ SAMLResponse: form.SAMLResponse, RelayState: form.RelayState }), checks, form };
  }

  const refusedWith = (reason: string) => (err: unknown) => err instanceof RedirectLoginFailed && err.reason === reason;

  test('publishes metadata with our entity id, the ACS and WantAssertionsSigned', async () => {
    const xml = await provider.serviceProviderMetadata(ACS);
    assert.match(xml, /entityID="http:\/\/127\.0\.0\.1:9\/api\/v1\/auth\/corp\/metadata"/);
    assert.match(xml, /WantAssertionsSigned="true"/);
    assert.ok(xml.includes(`Location="${ACS}"`));
  });

  test('sends an AuthnRequest by redirect with a RelayState, to the IdP\'s SSO URL', async () => {
    const { url, checks } = await provider.beginLogin(ACS);
    const u = new URL(url);
    assert.equal(`${u.origin}${u.pathname}`, idp.ssoUrl);
    assert.ok(u.searchParams.get('SAMLRequest'));
    assert.equal(u.searchParams.get('RelayState'), checks.state);
    assert.match(checks.nonce, /^_[0-9a-f]{40}$/);
  });

  test('turns a signed Response into an identity with email, name and groups', async () => {
    const { answer, checks } = await answerFor();
    assert.deepEqual(await provider.finishLogin(answer, checks), {
      id: 'alice@corp.example', email: 'alice@corp.example', email_verified: false, name: 'Alice Liddell', groups: ['eng', 'oncall'], provider: 'corp', provider_type: 'saml',
    });
  });

  test('refuses an unsigned Response', async () => {
    const { answer, checks } = await answerFor({ unsigned: true });
    await assert.rejects(provider.finishLogin(answer, checks), refusedWith('invalid_signature'));
  });

  test('refuses a Response signed by another key', async () => {
    const impostor = createSamlIdp({ entityId: idp.entityId, ssoUrl: idp.ssoUrl });
    const { answer, checks } = await answerFor({}, impostor);
    await assert.rejects(provider.finishLogin(answer, checks), refusedWith('invalid_signature'));
  });

  test('refuses an assertion for another audience', async () => {
    const { answer, checks } = await answerFor({ audience: 'https://other-sp.example/metadata' });
    await assert.rejects(provider.finishLogin(answer, checks), refusedWith('wrong_audience'));
  });

  test('refuses an assertion for another recipient', async () => {
    const { answer, checks } = await answerFor({ recipient: 'https://other-sp.example/acs' });
    await assert.rejects(provider.finishLogin(answer, checks), refusedWith('wrong_recipient'));
  });

  test('refuses an assertion expired longer ago than the clock skew', async () => {
    const now = Date.now();
    const { answer, checks } = await answerFor({ issuedAt: new Date(now - 3 * 60_000), notOnOrAfter: new Date(now - 31_000) });
    await assert.rejects(provider.finishLogin(answer, checks), refusedWith('expired'));
  });

  test('accepts an assertion expired within the clock skew', async () => {
    const now = Date.now();
    const { answer, checks } = await answerFor({ issuedAt: new Date(now - 3 * 60_000), notOnOrAfter: new Date(now - 10_000) });
    assert.equal((await provider.finishLogin(answer, checks)).id, 'alice@corp.example');
  });

  test('refuses the same assertion twice', async () => {
    const { answer, checks } = await answerFor();
    await provider.finishLogin(answer, checks);
    await assert.rejects(provider.finishLogin(answer, checks), refusedWith('replayed_assertion'));
  });

  test('refuses an assertion replayed to another replica sharing the store', async (t) => {
    const { store, file } = await openTempStore(t);
    const other = await openSqliteStore({ file });
    t.after(() => other.close());
    const config = samlConfigSchema.parse({ idp_metadata: idp.metadata });
    const replicaA = new SamlIdentityProvider('corp', config, { seen: new StoredSeenAssertions(store.seenCallbacks) });
    const replicaB = new SamlIdentityProvider('corp', config, { seen: new StoredSeenAssertions(other.seenCallbacks) });
    const { answer, checks } = await answerFor({}, idp, replicaA);
    assert.equal((await replicaA.finishLogin(answer, checks)).id, 'alice@corp.example');
    await assert.rejects(replicaB.finishLogin(answer, checks), refusedWith('replayed_assertion'));
  });

  test('refuses a Response to another login\'s AuthnRequest', async () => {
    const { answer } = await answerFor();
    const other = await provider.beginLogin(ACS);
    await assert.rejects(provider.finishLogin(answer, other.checks), refusedWith('wrong_in_response_to'));
  });

  test('refuses a form without a SAMLResponse', async () => {
    const { checks } = await provider.beginLogin(ACS);
    await assert.rejects(provider.finishLogin(new URLSearchParams({ RelayState: checks.state }), checks), refusedWith('no_saml_response'));
  });
});

describe('SeenAssertions', () => {
  test('remembers an id until its expiry, then forgets it', async () => {
    const clock = new ManualClock(1_000_000);
    const seen = new SeenAssertions(clock);
    assert.equal(await seen.remember('idp\n_a', 1_060_000), 'fresh');
    assert.equal(await seen.remember('idp\n_a', 1_060_000), 'replayed');
    clock.advance(60_000);
    assert.equal(await seen.remember('idp\n_a', 1_200_000), 'fresh');
  });

  test('refuses to record more than its limit of live ids, and makes room as they expire', async () => {
    const clock = new ManualClock(0);
    const seen = new SeenAssertions(clock, 2);
    assert.equal(await seen.remember('a', 100), 'fresh');
    assert.equal(await seen.remember('b', 200), 'fresh');
    assert.equal(await seen.remember('c', 300), 'full');
    clock.advance(150);
    assert.equal(await seen.remember('c', 300), 'fresh');
    assert.equal(seen.size, 2);
  });
});
