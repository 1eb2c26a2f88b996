import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../core/index.js';
import { startTracing, tracesUrl } from './start.js';
import { errorCode, tracer } from './tracer.js';

describe('tracing start-up', () => {
  it('sends to the configured endpoint, else the standard OTLP variables, else localhost:4318', () => {
    assert.equal(tracesUrl({ endpoint: 'http://collector:4318/' }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://other:4318' }), 'http://collector:4318/v1/traces');
    assert.equal(tracesUrl({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example:4318/base' }), 'https://otel.example:4318/base/v1/traces');
    assert.equal(tracesUrl({}, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example/traces', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored' }), 'https://otel.example/traces');
    assert.equal(tracesUrl({}, {}), 'http://localhost:4318/v1/traces');
  });

  it('leaves the no-op tracer in place when tracing is off', async () => {
    const started = await startTracing({ enabled: false, service_name: 'lease', sample_ratio: 1 }, { env: {}, logger: createLogger({ level: 'silent' }), serviceVersion: '0' });
    assert.equal(started.enabled, false);
    assert.equal(tracer().enabled, false);
    assert.equal(tracer().traceparent(), undefined);
    assert.equal(await tracer().inSpan('x', {}, () => Promise.resolve(42)), 42);
  });

  it('names an error by its code or class, never by its message', () => {
    assert.equal(errorCode(Object.assign(new Error('token=abc'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
    assert.equal(errorCode(new TypeError('password hunter2 rejected')), 'TypeError');
    assert.equal(errorCode({ code: 'has spaces: and a secret' }), 'error');
    assert.equal(errorCode('a string'), 'error');
  });
});
