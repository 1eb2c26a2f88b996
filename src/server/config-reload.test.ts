import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { pino } from 'pino';
import { openSqliteStore } from '../store/index.js';
import { createJqEngine } from '../workflow/expressions/index.js';
import { reloadConfig } from './config-reload.js';
import { loadServerConfig } from './server.js';

const providers = (dir: string, extra = '') => `version: "1.0"
providers:
  box:
    provider: sudo
    config:
      sudoers_dir: ${JSON.stringify(join(dir, 'sudoers.d'))}${extra}
`;

const role = (id: string) => `  ${id}:
    name: ${id}
    description: ${id} access
    permissions: {allow: [/usr/bin/id]}
    scopes: {users: [alice]}
    providers: [box]
`;

async function setup(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reload-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => writeFile(join(dir, name), text);
  await write('providers.yaml', providers(dir));
  await write('roles.yaml', `version: "1.0"\nroles:\n${role('debug')}`);
  await write('server.yaml', 'server:\n  port: 8080\n');
  const expressions = await createJqEngine();
  const load = () => loadServerConfig(dir, expressions, {});
  const current = await load();
  const store = await openSqliteStore({ file: ':memory:' });
  t.after(() => store.close());
  const lines: string[] = [];
  const logger = pino({ base: undefined }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(chunk.toString()), done()) }));
  const reload = () => reloadConfig({ current, load, store, logger });
  const audited = async () => (await store.audit.list()).map((e) => ({ action: e.action, data: e.data }));
  return { dir, write, current, reload, lines, audited };
}

describe('config reload', () => {
  it('swaps roles in place (the same map every service holds) and audits config.reloaded', async (t) => {
    const { write, current, reload, audited } = await setup(t);
    const roles = current.roles;
    await write('roles.yaml', `version: "1.0"\nroles:\n${role('debug')}${role('oncall')}`);
    assert.deepEqual(await reload(), { applied: true, roles: 2, workflows: current.workflows.size });
    assert.equal(current.roles, roles);
    assert.deepEqual([...roles.keys()].sort(), ['debug', 'oncall']);
    assert.deepEqual(await audited(), [{ action: 'config.reloaded', data: { roles: 2, workflows: current.workflows.size } }]);
  });

  it('refuses a provider change, naming it, and keeps the running roles', async (t) => {
    const { dir, write, current, reload, audited, lines } = await setup(t);
    await write('providers.yaml', providers(dir, '\n    enabled: false'));
    await write('roles.yaml', `version: "1.0"\nroles:\n${role('debug')}${role('oncall')}`);
    assert.deepEqual(await reload(), { applied: false, reason: 'needs_restart', changed: ['providers.box'] });
    assert.deepEqual([...current.roles.keys()], ['debug']);
    assert.deepEqual(await audited(), [{ action: 'config.reload_refused', data: { reason: 'needs_restart', changed: ['providers.box'] } }]);
    assert.ok(lines.some((l) => l.includes('providers.box changed, which needs a restart')));
  });

  it('refuses a change of where the server listens, naming server.port', async (t) => {
    const { write, reload } = await setup(t);
    await write('server.yaml', 'server:\n  port: 9090\n');
    assert.deepEqual(await reload(), { applied: false, reason: 'needs_restart', changed: ['server.port'] });
  });

  it('refuses a configuration that does not load, logging FILE: PATH: MESSAGE, and keeps the running one', async (t) => {
    const { dir, write, current, reload, audited, lines } = await setup(t);
    await write('roles.yaml', `version: "1.0"\nroles:\n${role('debug')}  broken:\n    max_duration: forever\n    providers: [box]\n`);
    const outcome = await reload();
    assert.equal(outcome.applied, false);
    assert.equal((outcome as { reason: string }).reason, 'invalid');
    const file = join(dir, 'roles.yaml');
    const problems = (outcome as { problems: string[] }).problems;
    assert.ok(problems.some((p) => p.startsWith(`${file}: roles.broken.max_duration: `)), problems.join('\n'));
    assert.ok(lines.some((l) => l.includes(`config reload: ${file}: roles.broken.max_duration: `)));
    assert.deepEqual([...current.roles.keys()], ['debug']);
    assert.deepEqual((await audited()).map((e) => e.action), ['config.reload_refused']);
  });
});
