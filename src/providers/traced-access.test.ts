import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseError } from '../core/index.js';
import { installTracer, noopTracer } from '../tracing/index.js';
import { RecordingTracer } from '../tracing/recording-tracer.fake.js';
import type { AccessProvider, GrantInput, ProviderInstance } from './provider.js';
import { traceProviderCalls } from './traced-access.js';

class TargetAccess implements AccessProvider {
  readonly id = 'db';
  readonly type = 'postgresql';
  #grants = 0;
  grant(input: GrantInput) {
    this.#grants++;
    return Promise.resolve({ provider: 'db', requestId: input.requestId, data: { user: 'x' } });
  }
  revoke(): Promise<void> {
    return Promise.reject(new LeaseError('revoke_refused', 'password=hunter2-leaked refused', { status: 403 }));
  }
  listActive() {
    return Promise.resolve([]);
  }
  consoleUrl(_record?: unknown, _lease?: unknown) {
    return Promise.resolve(`https://console.example/?grants=${this.#grants}`);
  }
}

const GRANT: GrantInput = {
  requestId: 'req-1',
  identity: { id: 'alice', provider: 'local', groups: [] } as unknown as GrantInput['identity'],
  role: { id: 'r', name: 'R', permissions: { allow: [], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: [] },
  expiresAt: '2030-01-01T00:00:00Z',
};

describe('provider call spans', () => {
  let recording: RecordingTracer;
  beforeEach(() => {
    recording = new RecordingTracer();
    installTracer(recording);
  });
  afterEach(() => {
    installTracer(noopTracer);
  });

  const instance = (): ProviderInstance => traceProviderCalls({ id: 'db', type: 'postgresql', name: 'DB', enabled: true, capabilities: ['access'], access: new TargetAccess() });

  it('makes a client span per grant, revoke and list, naming provider, type, operation and request', async () => {
    const access = instance().access!;
    await access.grant(GRANT);
    await access.listActive();
    assert.deepEqual(
      recording.spans.map((s) => [s.name, s.options.kind, s.attributes]),
      [
        ['provider.grant', 'client', { 'lease.provider.id': 'db', 'lease.provider.type': 'postgresql', 'lease.provider.operation': 'grant', 'lease.request.id': 'req-1' }],
        ['provider.list', 'client', { 'lease.provider.id': 'db', 'lease.provider.type': 'postgresql', 'lease.provider.operation': 'list', 'lease.request.id': undefined }],
      ],
    );
  });

  it('records a failure by its code, never its message, and still throws it', async () => {
    await assert.rejects(instance().access!.revoke({ provider: 'db', requestId: 'req-1', data: {} }), /hunter2/);
    assert.equal(recording.spans[0]?.failed, 'revoke_refused');
    assert.ok(!JSON.stringify(recording.spans).includes('hunter2'));
  });

  it('passes other methods through to the provider itself (private fields, instanceof)', async () => {
    const traced = instance();
    await traced.access!.grant(GRANT);
    assert.ok(traced.access instanceof TargetAccess);
    assert.equal(await traced.access.consoleUrl!({ provider: 'db', requestId: 'req-1', data: {} }, {} as never), 'https://console.example/?grants=1');
    assert.equal(traced.id, 'db');
  });
});
