import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChainVerifier, entryOfEvent, type AuditEvent } from '../../audit/index.js';
import { silentLogger, systemClock } from '../../core/index.js';
import { openTempStore } from '../../store/temp-store.fake.js';
import { startOtelCollector } from '../../../test/support/otel-collector.js';
import { startAuditForwarding } from './index.js';

test('a real OpenTelemetry Collector receives every entry as an OTLP log record, in order, verifiable', async (t) => {
  const collector = await startOtelCollector(t);
  if (!collector) return;
  t.after(() => collector.stop());
  const { store } = await openTempStore(t);
  for (let i = 1; i <= 25; i++) await store.audit.append({ actor: 'local:alice', action: 'lease.granted', subject: `req_${i}`, data: { i } });
  const dir = await mkdtemp(join(tmpdir(), 'lease-otlp-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const forwarding = await startAuditForwarding({
    config: { audit: { forwarders: [{ type: 'otlp', endpoint: collector.endpoint, batch_size: 10 }], configDir: dir } },
    store,
    logger: silentLogger,
    clock: systemClock,
    dataDir: dir,
    version: '0.0.0-test',
  });
  t.after(() => forwarding!.stop());
  const deadline = Date.now() + 60_000;
  let records = await collector.logRecords();
  while (new Set(records.map((r) => r.attributes['lease.audit.seq'])).size < 25) {
    assert.ok(Date.now() < deadline, `only ${records.length} log records arrived`);
    await new Promise((r) => setTimeout(r, 50));
    records = await collector.logRecords();
  }
  const verifier = new ChainVerifier();
  const seen = new Set<number>();
  for (const record of records) {
    assert.equal(record.resource['service.name'], 'lease');
    assert.equal(record.scope, 'lease.audit');
    assert.equal(record.eventName, 'lease.granted');
    const event = JSON.parse(record.body) as AuditEvent;
    assert.equal(record.attributes['lease.audit.seq'], event.seq);
    assert.equal(record.attributes['lease.audit.request_id'], event.request_id);
    assert.equal(record.attributes['lease.audit.hash'], event.hash);
    if (seen.has(event.seq)) continue;
    seen.add(event.seq);
    assert.equal(verifier.check(entryOfEvent(event)), undefined);
  }
  assert.deepEqual([...seen], Array.from({ length: 25 }, (_, i) => i + 1));
});
