// A configuration directory in the shape Thand ships (config.yaml with server, logging,
// services and environment; roles/, providers/, workflows/ beside it) loads unchanged: `lease
// config validate` reads the subdirectories, `lease server` starts and is healthy, and every
// setting Lease ignores is a loud warning naming file and path. Requests on what Lease cannot
// do yet are refused saying so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, runLease, startServer, tempDir, type ServerProcess } from '../support/lease-process.js';
import { registerTestSecret } from '../support/secrets.js';

const TREE = join(ROOT, 'src', 'config', 'fixtures', 'thand-tree');
const PASSWORD = 'tree-Demo-pw-7';
registerTestSecret(PASSWORD);

/** Warnings Lease must give for the tree's config.yaml, as `PATH: MESSAGE` (their file is config.yaml). */
const IGNORED = [
  'environment.config: platform settings are not used by Lease: ignored',
  'services.temporal: not used: server.engine is embedded',
  'server.limit: unknown key: ignored (check the spelling)',
  'server.limits: request limits are not configurable yet',
  'server.capabilities: unknown key: ignored (check the spelling)',
  'server.security.cors: CORS is not implemented',
  'server.security.metrics: unknown key: ignored (check the spelling)',
  'server.health: the health check is always GET /health: ignored',
];

describe("Thand's file layout", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let server: ServerProcess;
  const env = () => ({ LEASE_HOME: join(dir.path, 'home') });

  before(async () => {
    dir = await tempDir();
  });

  after(async () => {
    await server?.stop();
    await dir?.cleanup();
  });

  it('lease config validate DIR reads roles/, providers/ and workflows/ and warns with file and path', async () => {
    const r = await runLease(['config', 'validate', TREE]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /configuration is valid/);
    for (const warning of IGNORED) assert.ok(r.stderr.includes(`warning: ${join(TREE, 'config.yaml')}: ${warning}`), `${warning} in:\n${r.stderr}`);
    assert.ok(r.stderr.includes(`warning: ${join(TREE, 'workflows', 'announce.yml')}: workflows.announce_then_grant.workflow.do[1].announce.with.provider: slack.postMessage names provider "chat", which is not defined`), r.stderr);
    const json = JSON.parse((await runLease(['config', 'validate', TREE, '--json'])).stdout) as { ok: boolean; issues: unknown[] };
    assert.deepEqual({ ok: json.ok, issues: json.issues }, { ok: true, issues: [] });
  });

  it('lease server starts from it, is healthy, and logs each ignored setting as a warning', async () => {
    server = await startServer({ config: TREE, data: join(dir.path, 'data'), cwd: dir.path });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/, 'server.host from config.yaml; the port from --port 0');
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    // logging.output: stdout — JSON lines on stdout, warnings at pino's level 40.
    const warnings = server.output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((entry) => entry.level === 40)
      .map((entry) => entry.msg);
    for (const warning of IGNORED) {
      assert.ok(warnings.some((msg) => msg.startsWith(`config: ${join(TREE, 'config.yaml')}: ${warning}`)), `${warning} in:\n${warnings.join('\n')}`);
    }
    // Thand's gcp provider loads as one Lease implements: only its unused region is warned about.
    const cloud = join(TREE, 'providers', 'cloud.yaml');
    assert.ok(warnings.some((msg) => msg.startsWith(`config: ${cloud}: providers.analytics.config.region: IAM is global: the gcp provider does not use a region: ignored`)), warnings.join('\n'));
    assert.ok(!warnings.some((msg) => msg.startsWith(`config: ${cloud}: providers.analytics.provider`)), warnings.join('\n'));
  });

  it('takes a request on its aws provider to the approval workflow of the role; refuses one on the switched-off provider', async () => {
    const login = await runLease(['login', '--server', server.url, '--provider', 'people', '--username', 'dana', '--password-stdin'], { env: env(), input: `${PASSWORD}\n` });
    assert.equal(login.code, 0, login.stderr);
    const prod = await runLease(['request', '--role', 'cloud-admin', '--provider', 'cloud-prod', '--duration', '10m', '--reason', 'incident', '--json'], { env: env() });
    assert.equal(prod.code, 0, prod.stderr);
    assert.equal((JSON.parse(prod.stdout) as { status: string }).status, 'pending', prod.stdout);
    const sandbox = await runLease(['request', '--role', 'cloud-admin', '--provider', 'cloud-sandbox', '--duration', '10m', '--reason', 'incident', '--json'], { env: env() });
    assert.notEqual(sandbox.code, 0);
    assert.match(sandbox.stderr, /\[provider_disabled\]/, sandbox.stderr);
  });

  it('fails a workflow at slack.postMessage naming the provider it lacks (`chat` is not defined), granting nothing', async () => {
    const r = await runLease(['request', '--role', 'host-debug', '--provider', 'host', '--duration', '10m', '--reason', 'read the journal', '--wait', '--json'], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    const request = JSON.parse(r.stdout) as { status: string; outcome: { code: string; message: string } };
    assert.equal(request.status, 'failed');
    assert.equal(request.outcome.code, 'provider_not_implemented');
    assert.match(request.outcome.message, /slack\.postMessage: provider "chat" is not a configured, enabled provider that can run it/);
    assert.equal(existsSync(join(dir.path, 'data', 'sudoers.d')) ? (await readdir(join(dir.path, 'data', 'sudoers.d'))).length : 0, 0);
  });

  it('wrote nothing outside the data directory (the CLI wrote its own LEASE_HOME)', async () => {
    assert.deepEqual((await readdir(dir.path)).sort(), ['data', 'home']);
    assert.equal(existsSync(join(TREE, 'sudoers.d')), false);
  });
});
