import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { HostTask } from '../../providers/index.js';
import { hostTaskRunner } from './run-task.js';

const REQUEST = 'req_01jqk3x0000000000000000000';
const settings = { accounts: { alice: 'asmith' }, run_as: 'ALL', nopasswd: true };
const grant = (over: Partial<HostTask> = {}): HostTask =>
  ({
    id: 'task_1',
    attempt: 1,
    provider: 'laptop',
    type: 'sudo',
    settings,
    kind: 'grant',
    input: {
      requestId: REQUEST,
      identity: { id: 'alice', provider: 'local', provider_type: 'local', groups: [] },
      role: { id: 'debug', name: 'Debug', permissions: { allow: ['/usr/bin/id'], deny: [] }, resources: { allow: [], deny: [] }, nativeRoles: [] },
      expiresAt: '2099-01-01T00:00:00.000Z',
    },
    ...over,
  }) as HostTask;

async function sudoersDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-host-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('host task runner', () => {
  test('grants into the host sudoers directory, lists and revokes', async (t) => {
    const dir = await sudoersDir(t);
    const run = hostTaskRunner({ sudoersDir: dir, visudo: false });
    const granted = await run(grant());
    assert.equal(granted.outcome, 'done');
    assert.match(await readFile(join(dir, `lease-${REQUEST}`), 'utf8'), /^asmith ALL=\(ALL\) NOTAFTER=20990101000000Z NOPASSWD: \/usr\/bin\/id$/m);
    const listed = await run({ id: 'task_2', attempt: 1, provider: 'laptop', type: 'sudo', settings, kind: 'list' });
    assert.deepEqual(listed.outcome === 'done' && (listed.result as { requestId: string }[]).map((g) => g.requestId), [REQUEST]);
    const revoked = await run({ id: 'task_3', attempt: 1, provider: 'laptop', type: 'sudo', settings, kind: 'revoke', record: { provider: 'laptop', requestId: REQUEST, data: {} } });
    assert.equal(revoked.outcome, 'done');
    assert.deepEqual(await readdir(dir), []);
  });

  test('revokes in its own directory, whatever path the server recorded', async (t) => {
    const dir = await sudoersDir(t);
    const elsewhere = await sudoersDir(t);
    const decoy = join(elsewhere, `lease-${REQUEST}`);
    await writeFile(decoy, 'not a sudoers file');
    const run = hostTaskRunner({ sudoersDir: dir, visudo: false });
    await run(grant());
    await run({ id: 'task_3', attempt: 1, provider: 'laptop', type: 'sudo', settings, kind: 'revoke', record: { provider: 'laptop', requestId: REQUEST, data: { file: decoy } } });
    assert.deepEqual(await readdir(dir), []);
    assert.deepEqual(await readdir(elsewhere), [`lease-${REQUEST}`]);
  });

  test('refuses settings that would choose the host paths, and unknown provider types', async (t) => {
    const dir = await sudoersDir(t);
    const run = hostTaskRunner({ sudoersDir: dir, visudo: false });
    const withDir = await run(grant({ settings: { ...settings, sudoers_dir: '/etc/cron.d' } }));
    assert.equal(withDir.outcome === 'failed' && withDir.error.code, 'host_settings_invalid');
    const other = await run(grant({ type: 'aws' }));
    assert.equal(other.outcome === 'failed' && other.error.code, 'host_type_unsupported');
    assert.deepEqual(await readdir(dir), []);
  });

  test('reports a sudo refusal with its code and a 4xx status', async (t) => {
    const dir = await sudoersDir(t);
    const run = hostTaskRunner({ sudoersDir: dir, visudo: false });
    const bad = grant();
    if (bad.kind === 'grant') bad.input.role.permissions.allow = ['rm -rf /'];
    const answer = await run(bad);
    assert.equal(answer.outcome, 'failed');
    if (answer.outcome === 'failed') {
      assert.equal(answer.error.code, 'sudo_invalid_command');
      assert.equal(answer.error.status, 400);
    }
  });
});
