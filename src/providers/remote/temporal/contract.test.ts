import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { silentLogger } from '../../../core/index.js';
import { ProviderConfigInvalid } from '../../errors.js';
import { hostTaskActivityOptions, hostTaskQueue, hostTaskStartPolicy, hostTaskWorkflowId } from './contract.js';
import { hostPayloadKeyFile, TemporalHostTasks } from './dispatcher.js';

describe('host tasks on Temporal: ids and start policies', () => {
  test('one task queue per host and one workflow id per (kind, provider, request)', () => {
    assert.equal(hostTaskQueue('laptop-42'), 'lease-host-laptop-42');
    assert.equal(hostTaskWorkflowId('grant', 'laptop', 'req_1'), 'host:grant:laptop:req_1');
    assert.equal(hostTaskWorkflowId('list', 'laptop', null), 'host:list:laptop:-');
  });

  test('a grant attaches to a running task and never runs again after it completed; only a failed or timed-out run is replaced', () => {
    assert.deepEqual(hostTaskStartPolicy('grant'), { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY', workflowIdConflictPolicy: 'USE_EXISTING', workflowExecutionTimeout: '60s' });
  });

  test('a revoke or list attaches to a running task and runs again after a completed one; a revoke waits for its host forever', () => {
    assert.deepEqual(hostTaskStartPolicy('revoke'), { workflowIdReusePolicy: 'ALLOW_DUPLICATE', workflowIdConflictPolicy: 'USE_EXISTING' });
    assert.equal(hostTaskStartPolicy('list').workflowIdReusePolicy, 'ALLOW_DUPLICATE');
    assert.equal(hostTaskStartPolicy('list').workflowIdConflictPolicy, 'USE_EXISTING');
  });

  test('the activity never times out waiting for its host; revocations retry forever, grants a few times', () => {
    for (const kind of ['grant', 'revoke', 'list'] as const) assert.equal('scheduleToStartTimeout' in hostTaskActivityOptions(kind), false);
    assert.equal(hostTaskActivityOptions('revoke').retry.maximumAttempts, undefined);
    assert.equal(hostTaskActivityOptions('grant').retry.maximumAttempts, 5);
  });
});

describe('host tasks on Temporal: payload key files', () => {
  const settings = { address: '127.0.0.1:1', namespace: 'default' };
  const binding = (over: { payloadKeyFile?: string } = {}) => ({ host: 'laptop-42', transport: 'temporal' as const, settings: {}, ...over });

  test('creates <data>/keys/host-<host>.jwk, mode 0600, for the operator to copy to that host', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lease-host-keys-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const tasks = new TemporalHostTasks({ settings, dataDir, logger: silentLogger });
    tasks.bind('laptop', binding());
    await tasks.prepare();
    assert.equal((await stat(hostPayloadKeyFile(dataDir, 'laptop-42'))).mode & 0o777, 0o600);
    await tasks.close();
  });

  test("refuses the namespace's payload key file as a host's key", () => {
    const tasks = new TemporalHostTasks({ settings: { ...settings, payloadKeyFile: '/etc/lease/payload.jwk' }, dataDir: '/var/lib/lease', logger: silentLogger });
    assert.throws(() => tasks.bind('laptop', binding({ payloadKeyFile: '/etc/lease/payload.jwk' })), (err: unknown) => err instanceof ProviderConfigInvalid && err.field === 'providers.laptop.config.agent_payload_key_file');
    const byDefault = new TemporalHostTasks({ settings, dataDir: '/var/lib/lease', logger: silentLogger });
    assert.throws(() => byDefault.bind('laptop', binding({ payloadKeyFile: '/var/lib/lease/keys/payload.jwk' })), ProviderConfigInvalid);
  });

  test('refuses two key files for one host', () => {
    const tasks = new TemporalHostTasks({ settings, dataDir: '/var/lib/lease', logger: silentLogger });
    tasks.bind('laptop', binding());
    tasks.bind('laptop-again', binding({ payloadKeyFile: '/var/lib/lease/keys/host-laptop-42.jwk' }));
    assert.throws(() => tasks.bind('laptop-other', binding({ payloadKeyFile: '/elsewhere.jwk' })), ProviderConfigInvalid);
  });
});
