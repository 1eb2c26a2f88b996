// The Temporal transport of host tasks end to end in one process: a real Temporal dev server,
// the server side (TemporalHostTasks behind a RemoteAccessProvider) and the host's worker
// (startTemporalHostWorker) writing into a temporary sudoers directory (visudo off).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LeaseError, silentLogger } from '../../core/index.js';
import { RemoteAccessProvider, type GrantInput } from '../../providers/index.js';
import { hostPayloadKeyFile, TemporalHostTasks } from '../../providers/remote/temporal/index.js';
import { EncryptionCodec, PayloadDecryptionFailed, PayloadKeys, payloadKeyFile } from '../../workflow/runtime/temporal/index.js';
import { startTemporalDevServer } from '../../../test/support/temporal.js';
import { startTemporalHostWorker } from './index.js';

const HOST = 'laptop-42';
/** A Lease request id (what sudo accepts), one per case. */
const rid = (c: string) => `req_01jqk3x000000000000000000${c}`;
const settings = { accounts: { alice: 'asmith' }, run_as: 'ALL', nopasswd: true };
const grantInput = (requestId: string, command = '/usr/bin/id'): GrantInput => ({
  requestId,
  identity: { id: 'alice', provider: 'local', provider_type: 'local', groups: [] },
  role: { id: 'debug', name: 'Debug', permissions: { allow: [command], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: [] },
  expiresAt: '2099-01-01T00:00:00.000Z',
});

test('host tasks through a per-host Temporal task queue', async (t) => {
  const temporal = await startTemporalDevServer(t);
  if (!temporal) return;
  const dataDir = await mkdtemp(join(tmpdir(), 'lease-host-temporal-'));
  const sudoersDir = join(dataDir, 'sudoers.d');
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  await mkdir(sudoersDir);

  const tasks = new TemporalHostTasks({ settings: { address: temporal.address, namespace: temporal.namespace }, dataDir, logger: silentLogger });
  const binding = { host: HOST, transport: 'temporal' as const, settings };
  tasks.bind('laptop', binding);
  await tasks.prepare();
  t.after(() => tasks.close());
  const provider = new RemoteAccessProvider('laptop', 'sudo', binding, tasks, 20_000);
  const hostKeys = await PayloadKeys.load(hostPayloadKeyFile(dataDir, HOST), { create: false });
  const lines: string[] = [];
  const startHost = () => startTemporalHostWorker({ host: HOST, temporal: { address: temporal.address, namespace: temporal.namespace }, keys: hostKeys, sudoersDir, visudo: false, log: (l) => lines.push(l) });
  let host = await startHost();
  t.after(() => host.stop());
  const file = (id: string) => join(sudoersDir, `lease-${id}`);

  await t.test('grants once: a retried grant reads the completed task back instead of granting again', async () => {
    const record = await provider.grant(grantInput(rid('a')));
    assert.deepEqual([record.provider, record.requestId, record.data.host], ['laptop', rid('a'), HOST]);
    assert.ok(existsSync(file(rid('a'))));
    await rm(file(rid('a')));
    const again = await provider.grant(grantInput(rid('a')));
    assert.equal(again.requestId, rid('a'));
    assert.equal(existsSync(file(rid('a'))), false, 'the host did not run the grant a second time');
    assert.equal(lines.filter((l) => l.startsWith(`grant ${rid('a')}`)).length, 1);
  });

  await t.test('a revoke runs again after a completed one, and listActive reports what is there', async () => {
    await provider.grant(grantInput(rid('b')));
    assert.deepEqual((await provider.listActive()).map((g) => g.requestId), [rid('b')]);
    await provider.revoke({ provider: 'laptop', requestId: rid('b'), data: { file: '/etc/passwd' } });
    assert.equal(existsSync(file(rid('b'))), false);
    await writeFile(file(rid('b')), 'asmith ALL=(ALL) NOPASSWD: /usr/bin/id\n');
    await provider.revoke({ provider: 'laptop', requestId: rid('b'), data: {} });
    assert.equal(existsSync(file(rid('b'))), false);
  });

  await t.test("a host's refusal is answered with its code and 4xx status", async () => {
    await assert.rejects(provider.grant(grantInput(rid('c'), 'rm -rf /')), (err: unknown) => err instanceof LeaseError && err.code === 'sudo_invalid_command' && err.status === 400);
  });

  await t.test('a revoke waits for an offline host: a transient timeout, then it runs when the host is back', async () => {
    await provider.grant(grantInput(rid('d')));
    await host.stop();
    const short = new RemoteAccessProvider('laptop', 'sudo', binding, tasks, 1_500);
    await assert.rejects(short.revoke({ provider: 'laptop', requestId: rid('d'), data: {} }), (err: unknown) => err instanceof LeaseError && err.code === 'host_timeout' && err.status === 504);
    assert.ok(existsSync(file(rid('d'))));
    host = await startHost();
    await provider.revoke({ provider: 'laptop', requestId: rid('d'), data: {} });
    assert.equal(existsSync(file(rid('d'))), false);
  });

  await t.test("the host's key and the namespace's key cannot read each other's payloads", async () => {
    const mainKeys = await PayloadKeys.load(payloadKeyFile(dataDir));
    const payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"secret":"request data"}') };
    const [fromMain] = await new EncryptionCodec(mainKeys).encode([payload]);
    await assert.rejects(new EncryptionCodec(hostKeys).decode([fromMain!]), PayloadDecryptionFailed);
    const [fromHost] = await new EncryptionCodec(hostKeys).encode([payload]);
    await assert.rejects(new EncryptionCodec(mainKeys).decode([fromHost!]), PayloadDecryptionFailed);
  });
});
