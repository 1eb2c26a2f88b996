// Traces reach a real OpenTelemetry Collector (ocb build, file exporter): one trace runs from
// the API call that made a request through its workflow's steps to the provider's grant and,
// after a later API call's revoke (embedded engine) or at expiry (Temporal engine), to the
// provider's revoke. Span names are route patterns; no span holds a password, a token, a reason
// or an e-mail address.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { leaseJson, startServer, waitUntil, type ServerProcess } from '../support/lease-process.js';
import { startOtelCollector, type ExportedSpan, type OtelCollector } from '../support/otel-collector.js';
import { registerTestSecret } from '../support/secrets.js';
import { startTemporalDevServer } from '../support/temporal.js';
import { createDeployment, loginAs, PASSWORDS, type Deployment } from './fixtures.js';

interface RequestJson {
  id: string;
  status: string;
}

/** Sent to the collector as a header: it must reach no span and no log. */
const OTLP_TOKEN = 'otlp-header-T0ken-4f9c2d';
const REASON = 'INC-7781 rotate the ledger keys';
registerTestSecret(OTLP_TOKEN);

/** The server file with tracing on (and the Temporal engine when `temporal` is its address), and a role that needs an approver. */
async function configure(deployment: Deployment, collector: OtelCollector, temporal?: string): Promise<void> {
  const engine = temporal === undefined ? '' : `  engine: temporal\n`;
  const services = temporal === undefined ? '' : `services:\n  temporal:\n    address: ${temporal}\n    namespace: default\n    task_queue: lease-e2e-tracing\n`;
  await writeFile(
    join(deployment.config, 'server.yaml'),
    `version: "1.0"
server:
${engine}  admins:
    groups: [ops]
  tracing:
    enabled: true
    endpoint: ${collector.endpoint}
    service_name: lease-e2e
    headers:
      authorization: "Bearer \${LEASE_OTLP_TOKEN}"
${services}`,
  );
  await writeFile(
    join(deployment.config, 'approved.yaml'),
    `version: "1.0"
roles:
  deploy:
    name: Deploy
    description: Needs an approver
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    approvals:
      approvers: { groups: [ops] }
`,
  );
}

/** The spans of the request's trace, rooted at the API call that made it; asserts that every other span's parent is in it. */
function requestTrace(spans: ExportedSpan[], requestId: string): { created: ExportedSpan; trace: ExportedSpan[] } {
  const created = spans.find((s) => s.name === 'POST /api/v1/requests' && s.attributes['lease.request.id'] === requestId);
  assert.ok(created, `the API call that made the request; got ${[...new Set(spans.map((s) => s.name))].join(', ')}`);
  const trace = spans.filter((s) => s.traceId === created.traceId);
  const names = new Set(trace.map((s) => s.name));
  for (const name of ['workflow.step', 'workflow.call lease.validate', 'workflow.call lease.authorize', 'provider.grant', 'workflow.call lease.revoke', 'provider.revoke']) {
    assert.ok(names.has(name), `the request's trace has ${name}; it has ${[...names].join(', ')}`);
  }
  // Every span of the trace hangs from the API call: no orphan whose parent is missing.
  const ids = new Set(trace.map((s) => s.spanId));
  for (const span of trace) if (span !== created) assert.ok(ids.has(span.parentSpanId), `${span.name} has its parent in the trace`);
  const grant = trace.find((s) => s.name === 'provider.grant')!;
  assert.deepEqual(
    { id: grant.attributes['lease.provider.id'], type: grant.attributes['lease.provider.type'], operation: grant.attributes['lease.provider.operation'], request: grant.attributes['lease.request.id'], kind: grant.kind },
    { id: 'box', type: 'sudo', operation: 'grant', request: requestId, kind: 3 },
  );
  const revoke = trace.find((s) => s.name === 'provider.revoke')!;
  assert.equal(revoke.attributes['lease.provider.operation'], 'revoke');
  // Each provider call is a child of the workflow call that made it.
  assert.equal(trace.find((s) => s.spanId === grant.parentSpanId)?.name, 'workflow.call lease.authorize');
  assert.equal(trace.find((s) => s.spanId === revoke.parentSpanId)?.name, 'workflow.call lease.revoke');
  return { created, trace };
}

/** Nothing secret, personal or free-text in any span. */
async function assertNoSecrets(collector: OtelCollector, server: ServerProcess): Promise<void> {
  const raw = await collector.raw();
  for (const secret of [...Object.values(PASSWORDS), OTLP_TOKEN, REASON, 'alice@example.com', 'bob@example.com']) {
    assert.ok(!raw.includes(secret), `no span holds ${secret.slice(0, 4)}…`);
  }
  assert.doesNotMatch(raw, /eyJ[A-Za-z0-9_-]{10,}\./, 'no session token');
  assert.doesNotMatch(raw, /authorization|cookie/i, 'no header');
  assert.ok(!server.output.includes(OTLP_TOKEN), 'the exporter header is never logged');
}

/** Waits until the collector has the request's provider revoke span (and the call that made it). */
function waitForRevokeSpans(collector: OtelCollector, requestId: string): Promise<ExportedSpan[]> {
  const named = (spans: ExportedSpan[], name: string) => spans.some((s) => s.name === name && s.attributes['lease.request.id'] === requestId);
  return waitUntil(
    'the provider revoke span at the collector',
    async () => {
      const all = await collector.spans();
      return named(all, 'provider.revoke') && named(all, 'workflow.call lease.revoke') ? all : undefined;
    },
    60_000,
    200,
  );
}

describe('OpenTelemetry traces (embedded engine)', () => {
  let deployment: Deployment | undefined;
  let server: ServerProcess | undefined;
  let collector: OtelCollector | undefined;
  const env = (user: string) => ({ LEASE_HOME: deployment!.home(user) });

  before(async () => {
    deployment = await createDeployment({ visudo: false });
  });

  after(async () => {
    await server?.stop();
    await collector?.stop();
    await deployment?.cleanup();
  });

  it('links the request, its workflow steps and the provider grant and revoke in one trace, with no secret in any span', async (t) => {
    collector = await startOtelCollector(t);
    if (!collector) return;
    await configure(deployment!, collector);
    // Spans are exported every 100 ms instead of every 5 s (the SDK's standard variable).
    server = await startServer({ config: deployment!.config, data: deployment!.data, env: { LEASE_OTLP_TOKEN: OTLP_TOKEN, OTEL_BSP_SCHEDULE_DELAY: '100' } });
    for (const user of ['alice', 'bob'] as const) await loginAs(deployment!, server.url, user);

    const request = await leaseJson<RequestJson>(['request', '--role', 'deploy', '--provider', 'box', '--duration', '10m', '--reason', REASON, '--json'], env('alice'));
    assert.equal(request.status, 'pending');
    await leaseJson(['approve', request.id, '--json'], env('bob'));
    await waitUntil('the lease to be active', async () => ((await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'))).status === 'active' ? true : undefined), 60_000, 200);
    await leaseJson(['revoke', request.id, '--json'], env('alice'));

    const spans = await waitForRevokeSpans(collector, request.id);
    const { created, trace } = requestTrace(spans, request.id);
    assert.equal(created.service, 'lease-e2e');
    assert.equal(created.kind, 2, 'a server span');
    assert.equal(created.attributes['http.route'], '/api/v1/requests');
    assert.equal(created.attributes['http.response.status_code'], 201);
    assert.equal(created.attributes['lease.role'], 'deploy');
    assert.equal(created.attributes['lease.provider.id'], 'box');
    assert.equal(created.parentSpanId, '', 'the API call is the root of its trace');

    // The approval and the revoke are API calls of their own traces, linked from the steps they resumed.
    const approve = spans.find((s) => s.name === 'POST /api/v1/requests/{id}/approve' && s.attributes['lease.request.id'] === request.id);
    const revokeCall = spans.find((s) => s.name === 'POST /api/v1/requests/{id}/revoke' && s.attributes['lease.request.id'] === request.id);
    assert.ok(approve && revokeCall, 'the approve and revoke API calls have spans named by their route');
    assert.notEqual(approve.traceId, created.traceId);
    const linked = (call: ExportedSpan) => trace.some((s) => s.name === 'workflow.step' && s.links.some((l) => l.spanId === call.spanId));
    assert.ok(linked(approve), 'the step the approval resumed links to the approve call');
    assert.ok(linked(revokeCall), 'the step the revoke resumed links to the revoke call');

    // Route patterns, never raw paths; nothing secret, personal or free-text anywhere.
    assert.deepEqual(spans.filter((s) => s.name.includes(request.id) || s.name.includes('?')).map((s) => s.name), []);
    await assertNoSecrets(collector, server);
  });
});

describe('OpenTelemetry traces (Temporal engine)', () => {
  let deployment: Deployment | undefined;
  let server: ServerProcess | undefined;
  let collector: OtelCollector | undefined;
  let stopTemporal: (() => Promise<void>) | undefined;
  const env = (user: string) => ({ LEASE_HOME: deployment!.home(user) });

  after(async () => {
    await server?.stop();
    await stopTemporal?.();
    await collector?.stop();
    await deployment?.cleanup();
  });

  it('carries the trace through the Temporal workflow to the revocation at expiry', async (t) => {
    const temporal = await startTemporalDevServer(t);
    if (!temporal) return;
    stopTemporal = () => temporal.stop();
    collector = await startOtelCollector(t);
    if (!collector) return;
    deployment = await createDeployment({ visudo: false });
    await configure(deployment, collector, temporal.address);
    server = await startServer({ config: deployment.config, data: deployment.data, env: { LEASE_OTLP_TOKEN: OTLP_TOKEN, OTEL_BSP_SCHEDULE_DELAY: '100' } });
    for (const user of ['alice', 'bob'] as const) await loginAs(deployment, server.url, user);

    const request = await leaseJson<RequestJson>(['request', '--role', 'deploy', '--provider', 'box', '--duration', '6s', '--reason', REASON, '--json'], env('alice'));
    await leaseJson(['approve', request.id, '--json'], env('bob'));
    // Nobody revokes: the workflow's timer does, at expiry.
    await waitUntil('revocation at expiry', async () => ((await leaseJson<RequestJson>(['status', request.id, '--json'], env('alice'))).status === 'revoked' ? true : undefined), 90_000, 250);

    const spans = await waitForRevokeSpans(collector, request.id);
    const { trace } = requestTrace(spans, request.id);
    const steps = trace.filter((s) => s.name === 'workflow.step');
    assert.ok(steps.some((s) => s.attributes['lease.workflow.resume'] === 'timer.fired'), 'the expiry step is in the trace');
    assert.ok(steps.every((s) => typeof s.attributes['lease.workflow.step'] === 'number'), 'steps are numbered as recorded');
    await assertNoSecrets(collector, server);
  });
});
