import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Hono } from 'hono';
import { openSqliteStore } from '../../store/index.js';
import { httpMetrics, metricsHandler } from './endpoint.js';
import { createPrometheusMetrics } from './prometheus.js';

const TOKEN = 'a-scrape-token-of-32-characters!';

async function setup(t: TestContext) {
  const store = await openSqliteStore({ file: ':memory:' });
  t.after(() => store.close());
  const registry = await createPrometheusMetrics({ store, processMetrics: false, knownProviders: () => new Set(['box', 'local']) });
  const app = new Hono();
  app.use('*', httpMetrics(registry.metrics, new Set(['/metrics', '/api/v1/requests/:id'])));
  app.get('/metrics', metricsHandler({ registry, recorder: registry.metrics, token: TOKEN }));
  app.get('/api/v1/requests/:id', (c) => c.json({ id: c.req.param('id') }));
  const scrape = async () => (await app.request('/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  return { store, registry, app, scrape };
}

describe('prometheus metrics', () => {
  it('refuses a scrape without the token, or with a wrong one, as a JSON 401', async (t) => {
    const { app } = await setup(t);
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${TOKEN}` }];
    for (const headers of attempts) {
      const r = await app.request('/metrics', { headers });
      assert.equal(r.status, 401);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    }
  });

  it('labels HTTP calls by route pattern, and paths no route has as unmatched', async (t) => {
    const { app, scrape } = await setup(t);
    await app.request('/api/v1/requests/r-123');
    await app.request('/no/such/path/r-456');
    const text = await scrape();
    assert.match(text, /lease_http_request_duration_seconds_count\{route="\/api\/v1\/requests\/:id",method="GET",status="200"\} 1/);
    assert.match(text, /lease_http_request_duration_seconds_count\{route="unmatched",method="GET",status="404"\} 1/);
    assert.ok(!text.includes('r-123') && !text.includes('r-456'));
  });

  it('labels an unconfigured provider id unknown, so clients cannot grow the label set', async (t) => {
    const { registry, scrape } = await setup(t);
    registry.metrics.login('local', 'success');
    registry.metrics.login('made-up-by-a-client', 'failure');
    registry.metrics.providerCall('grant', 'box', 'ok', 0.01);
    const text = await scrape();
    assert.match(text, /lease_logins_total\{provider="local",outcome="success"\} 1/);
    assert.match(text, /lease_logins_total\{provider="unknown",outcome="failure"\} 1/);
    assert.match(text, /lease_provider_call_duration_seconds_count\{provider="box",operation="grant",outcome="ok"\} 1/);
  });

  it('reads open requests by status and role from the store at scrape time', async (t) => {
    const { store, scrape } = await setup(t);
    const now = new Date().toISOString();
    const base = { identity: { provider: 'local', provider_type: 'local', id: 'alice', groups: [] }, provider: 'box', workflow: null, reason: 'r', duration_ms: 60_000, created_at: now, updated_at: now, granted_at: null, expires_at: null, ended_at: null, outcome: null, break_glass: false, start_at: null, extended_from: null, timeout_at: null };
    await store.requests.insert({ ...base, id: 'a', role: 'debug', status: 'active' });
    await store.requests.insert({ ...base, id: 'b', role: 'debug', status: 'active' });
    await store.requests.insert({ ...base, id: 'c', role: 'admin', status: 'pending' });
    await store.requests.insert({ ...base, id: 'd', role: 'admin', status: 'revoked' });
    const text = await scrape();
    assert.match(text, /lease_requests\{status="active",role="debug"\} 2/);
    assert.match(text, /lease_requests\{status="pending",role="admin"\} 1/);
    assert.ok(!/status="revoked"/.test(text), 'ended requests are not read');
    assert.match(text, /\nlease_active_leases 2\n/);
    assert.match(text, /\nlease_pending_approvals 1\n/);
  });
});
