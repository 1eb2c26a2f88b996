// What a `lease` process loads decides how fast it starts: the everyday CLI commands load none
// of the server's dependencies, and the server loads a provider type's modules (SAML's XML stack,
// openid-client) only when a provider of that type is configured. Real processes, traced with
// test/support/module-trace.ts; nothing here is timed (npm run bench measures start-up).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { hashPassword } from '../../src/identity/index.js';
import { leaseJson, ROOT, runLease, startServer, tempDir, waitUntil, writeFiles } from '../support/lease-process.js';
import { loadedOf, moduleTraceEnv, ownFolders, readModuleTrace } from '../support/module-trace.js';

/** Packages only the server, or only some configurations, need. */
const SERVER_PACKAGES = ['hono', '@hono/node-server', 'better-sqlite3', 'kysely', 'jq-web', 'ajv', 'yaml', 'jose', 'openid-client', '@node-saml/node-saml', 'xml-crypto', 'xml2js', '@temporalio/', '@aws-sdk/', 'pg', 'sshpk', '@opentelemetry/'];
/** Packages a server loads only when its configuration asks for them. */
const CONFIGURED_ONLY = ['@node-saml/node-saml', 'xml-crypto', 'xml2js', 'openid-client', '@temporalio/', '@aws-sdk/', 'ajv', 'pg', 'sshpk', '@opentelemetry/'];
/** Our folders that only the server needs (dist/server/version.js aside: the CLI prints the version). */
const SERVER_FOLDERS = ['config', 'identity', 'providers', 'store', 'workflow', 'audit'];

function assertClientOnly(modules: Awaited<ReturnType<typeof readModuleTrace>>): void {
  assert.deepEqual(loadedOf(modules, SERVER_PACKAGES), []);
  assert.deepEqual([...ownFolders(modules)].filter((folder) => SERVER_FOLDERS.includes(folder)), []);
  assert.deepEqual([...modules.own].filter((path) => path.startsWith('server/') && path !== 'server/version.js'), []);
}

describe('modules a lease process loads', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const trace = (name: string) => join(dir.path, `${name}.modules`);

  before(async () => {
    dir = await tempDir();
  });
  after(async () => {
    await dir?.cleanup();
  });

  it('lease --help loads none of the server', async () => {
    const help = await runLease(['--help'], { env: moduleTraceEnv(trace('help')) });
    assert.equal(help.code, 0, help.stderr);
    const modules = await readModuleTrace(trace('help'));
    assert.ok(modules.packages.has('commander'), 'the trace lists what was loaded');
    assertClientOnly(modules);
  });

  it('the server with the example config loads no SAML, OIDC, AWS, Temporal, Ajv or OpenTelemetry module, and on a restart not kysely either; lease status loads none of the server', async () => {
    // The demo's sudoers_dir is relative (./.lease/sudoers.d), so the server runs in a temp cwd.
    const config = join(ROOT, 'examples');
    const data = join(dir.path, '.lease');
    const first = await startServer({ config, data, cwd: dir.path, env: moduleTraceEnv(trace('first-start')) });
    await first.stop();
    const firstStart = await readModuleTrace(trace('first-start'));
    assert.ok(firstStart.packages.has('hono'), 'the trace lists what was loaded');
    assert.deepEqual(loadedOf(firstStart, CONFIGURED_ONLY), []);
    assert.deepEqual(loadedOf(firstStart, ['kysely']), ['kysely'], 'a new store is migrated with kysely');

    const server = await startServer({ config, data, cwd: dir.path, env: moduleTraceEnv(trace('restart')) });
    try {
      const env = { LEASE_HOME: join(dir.path, 'home') };
      const login = await runLease(['login', '--server', server.url, '--provider', 'local', '--username', 'alice', '--password-stdin'], { env, input: 'alice-demo-password\n' });
      assert.equal(login.code, 0, login.stderr);
      const request = await leaseJson<{ id: string }>(['request', '--role', 'debug', '--provider', 'local-sudo', '--duration', '5m', '--reason', 'module trace', '--json'], env);
      const status = await runLease(['status', request.id], { env: { ...env, ...moduleTraceEnv(trace('status')) } });
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(request.id));
      assertClientOnly(await readModuleTrace(trace('status')));
    } finally {
      await server.stop();
    }
    const restart = await readModuleTrace(trace('restart'));
    assert.deepEqual(loadedOf(restart, [...CONFIGURED_ONLY, 'kysely']), []);
  });

  it('a server with SAML and OIDC providers configured loads their libraries', async () => {
    const root = join(dir.path, 'sso');
    await writeFiles(root, {
      'config/providers.yaml': `version: "1.0"
providers:
  local:
    name: Local users
    provider: local
    config:
      users:
        alice: { password_hash: '${await hashPassword('unused-password')}', groups: [eng] }
  corp-saml:
    name: Corp SAML
    provider: saml
    config: { idp_cert: MIIB, idp_sso_url: 'https://idp.example/sso' }
  corp-oidc:
    name: Corp OIDC
    provider: oidc
    config: { issuer: 'https://idp.example', client_id: lease, client_secret: not-a-real-secret }
`,
    });
    const server = await startServer({ config: join(root, 'config'), data: join(root, 'data'), env: moduleTraceEnv(trace('sso')) });
    await server.stop();
    const modules = await readModuleTrace(trace('sso'));
    assert.deepEqual(loadedOf(modules, ['@node-saml/node-saml', 'xml-crypto', 'openid-client']), ['@node-saml/node-saml', 'openid-client', 'xml-crypto']);
    assert.deepEqual(loadedOf(modules, ['@temporalio/', '@aws-sdk/']), []);
  });

  it('a server with an aws provider loads the AWS SDK (IAM and STS, not Identity Center) when it first calls AWS, and no other configured-only library', async () => {
    const root = join(dir.path, 'aws');
    await writeFiles(root, {
      'config/providers.yaml': `version: "1.0"
providers:
  aws-prod:
    name: AWS
    provider: aws
    config: { region: us-east-1, account_id: "123456789012", access_key_id: AKIAMODULETRACE, secret_access_key: not-a-real-secret, endpoint: 'http://127.0.0.1:1' }
`,
    });
    const server = await startServer({ config: join(root, 'config'), data: join(root, 'data'), env: { ...moduleTraceEnv(trace('aws')), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: '1' } });
    try {
      // The reconciliation round at start is the first AWS call (it fails: nothing listens there).
      await waitUntil('the first reconciliation', async () => (/"msg":"reconcil/.test(server.output) ? true : undefined), 120_000, 100);
    } finally {
      await server.stop();
    }
    const modules = await readModuleTrace(trace('aws'));
    assert.deepEqual(loadedOf(modules, ['@aws-sdk/client-iam', '@aws-sdk/client-sts', '@aws-sdk/client-sso-admin', '@aws-sdk/client-identitystore']), ['@aws-sdk/client-iam', '@aws-sdk/client-sts']);
    assert.deepEqual(loadedOf(modules, ['@node-saml/node-saml', 'openid-client', '@temporalio/']), []);
  });
});
