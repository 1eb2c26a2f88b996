// The pagerduty and opsgenie providers against their contract servers.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { PagerdutyOnCall, pagerdutyConfigSchema } from '../pagerduty/index.js';
import { OpsgenieOnCall, opsgenieConfigSchema } from '../opsgenie/index.js';
import { startPagerdutyFake } from '../pagerduty/contract-server.fake.js';
import { startOpsgenieFake } from '../opsgenie/contract-server.fake.js';
import type { ScheduleFake } from './schedule-server.fake.js';
import { OnCallLookupFailed } from './index.js';
import type { OnCallProvider } from '../provider.js';

const SECRET = 'on-call-api-secret-123456';
const NOW = new Date('2030-05-01T12:00:00Z');
const fast = { backoffMs: 1 };

interface Kind {
  name: string;
  start(secret: string): Promise<ScheduleFake>;
  provider(url: string, secret: string, over?: Record<string, unknown>): OnCallProvider;
  scheme: string;
}

const kinds: Kind[] = [
  {
    name: 'pagerduty',
    start: startPagerdutyFake,
    provider: (url, secret, over = {}) => new PagerdutyOnCall('pd', pagerdutyConfigSchema.parse({ token: secret, api_url: url, ...over }), fast),
    scheme: 'Token',
  },
  {
    name: 'opsgenie',
    start: startOpsgenieFake,
    provider: (url, secret, over = {}) => new OpsgenieOnCall('og', opsgenieConfigSchema.parse({ api_key: secret, api_url: url, ...over }), fast),
    scheme: 'GenieKey',
  },
];

async function started(t: TestContext, kind: Kind): Promise<ScheduleFake> {
  const fake = await kind.start(SECRET);
  t.after(() => fake.close());
  fake.setShifts('PSCHED1', [
    { email: 'Alice@Example.com', start: '2030-05-01T08:00:00Z', end: '2030-05-01T16:00:00Z' },
    { email: 'bob@example.com', start: '2030-05-01T16:00:00Z', end: '2030-05-02T00:00:00Z' },
  ]);
  return fake;
}

for (const kind of kinds) {
  describe(`${kind.name} on-call lookups`, () => {
    it('says who is on call at the moment asked, by e-mail (lower-case)', async (t) => {
      const fake = await started(t, kind);
      const provider = kind.provider(fake.url, SECRET);
      assert.deepEqual(await provider.onCallAt('PSCHED1', NOW), ['alice@example.com']);
      assert.deepEqual(await provider.onCallAt('PSCHED1', new Date('2030-05-01T17:00:00Z')), ['bob@example.com']);
      assert.deepEqual(await provider.onCallAt('PSCHED1', new Date('2030-05-02T01:00:00Z')), []);
      assert.ok(fake.requests.every((r) => r.scheme === kind.scheme));
    });

    it('fails, without naming the credential, when the credential is refused (401)', async (t) => {
      const fake = await started(t, kind);
      const err = await kind.provider(fake.url, 'wrong-key').onCallAt('PSCHED1', NOW).catch((e: unknown) => e);
      assert.ok(err instanceof OnCallLookupFailed);
      assert.match(err.message, /answered 401/);
      assert.ok(!err.message.includes('wrong-key'));
      assert.equal(fake.requests.length, 1, 'a refused credential is not retried');
    });

    it('fails when the schedule does not exist (404)', async (t) => {
      const fake = await started(t, kind);
      await assert.rejects(kind.provider(fake.url, SECRET).onCallAt('NOPE', NOW), /answered 404/);
    });

    it('retries when rate limited (429) or failing (5xx), then answers', async (t) => {
      const fake = await started(t, kind);
      fake.throttle(1);
      fake.fail(1);
      assert.deepEqual(await kind.provider(fake.url, SECRET).onCallAt('PSCHED1', NOW), ['alice@example.com']);
      assert.equal(fake.requests.length, 3);
    });

    it('fails after max_attempts when rate limited or unreachable', async (t) => {
      const fake = await started(t, kind);
      fake.throttle(5);
      await assert.rejects(kind.provider(fake.url, SECRET, { max_attempts: 2 }).onCallAt('PSCHED1', NOW), /answered 429/);
      assert.equal(fake.requests.length, 2);
      await assert.rejects(kind.provider('http://127.0.0.1:1', SECRET, { max_attempts: 1 }).onCallAt('PSCHED1', NOW), /not reachable/);
    });
  });
}

describe('on-call provider config', () => {
  it('defaults to the public APIs and refuses plain http off loopback and unknown keys', () => {
    assert.equal(pagerdutyConfigSchema.parse({ token: 't' }).api_url, 'https://api.pagerduty.com');
    assert.equal(opsgenieConfigSchema.parse({ api_key: 'k' }).api_url, 'https://api.opsgenie.com');
    assert.equal(pagerdutyConfigSchema.safeParse({ token: 't', api_url: 'http://api.example.com' }).success, false);
    assert.equal(opsgenieConfigSchema.safeParse({ api_key: 'k', team: 'x' }).success, false);
    assert.equal(pagerdutyConfigSchema.safeParse({}).success, false);
  });

  it('pagerduty sends the versioned media type', async (t) => {
    const fake = await startPagerdutyFake(SECRET);
    t.after(() => fake.close());
    fake.setShifts('S', []);
    await new PagerdutyOnCall('pd', pagerdutyConfigSchema.parse({ token: SECRET, api_url: fake.url })).onCallAt('S', NOW);
    assert.deepEqual(fake.accepts, ['application/vnd.pagerduty+json;version=2']);
  });
});
