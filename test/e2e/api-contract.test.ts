// The HTTP API keeps the contract its OpenAPI document states. The served document is valid
// OpenAPI 3.1 (a real validator, every $ref resolving), and schemathesis, testing a real `lease
// server` from that document alone, finds no server error, no undocumented status, media type or
// header, no body outside its schema, and no request outside the declared limits accepted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { startServer, tempDir, type ServerProcess } from '../support/lease-process.js';
import { leaseConfigFor, startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';
import { requireSchemathesis, runSchemathesis } from '../support/schemathesis.js';
import { registerTestSecret } from '../support/secrets.js';
import { apiLogin, createDeployment, type Deployment } from './fixtures.js';

const CONFIG_FILE = new URL('./api-contract.schemathesis.toml', import.meta.url).pathname;

/**
 * What schemathesis checks on every response. Left out: positive_data_acceptance (most valid
 * bodies name roles and providers that do not exist, a 404 by design), use_after_free and
 * ensure_resource_availability (the API deletes nothing), missing_required_header (none declared).
 */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_headers_conformance',
  'response_schema_conformance',
  'negative_data_rejection',
  'unsupported_method',
  'ignored_auth',
];

describe('the API contract (OpenAPI document, schemathesis)', () => {
  let idp: TestOidcProvider;
  let deployment: Deployment;
  let server: ServerProcess;
  let work: { path: string; cleanup: () => Promise<void> };
  const secret = `oidc-secret-${randomBytes(16).toString('hex')}`;
  registerTestSecret(secret);

  before(async () => {
    idp = await startOidcProvider({ accounts: [{ sub: 'u-alice', email: 'alice@corp.example', name: 'Alice Liddell', groups: ['eng'] }] });
    deployment = await createDeployment({ visudo: false });
    await writeFile(join(deployment.config, 'sso.yaml'), leaseConfigFor(idp));
    // A role that waits for an approver, so a request stays pending for approve/deny/events.
    await writeFile(
      join(deployment.config, 'approvals.yaml'),
      `version: "1.0"
roles:
  deploy:
    name: Deploy
    description: Needs a second pair of eyes
    workflow: two-eyes
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 1h
    approvals:
      approvers: { groups: [ops] }
workflows:
  two-eyes:
    workflow:
      document: { dsl: "1.0.0", namespace: lease, name: two-eyes, version: "1.0.0" }
      do:
        - validate: { call: lease.validate }
        - approve:
            call: lease.approvals
            with: { count: 1, timeout: PT1H }
        - authorize: { call: lease.authorize }
`,
    );
    server = await startServer({ config: deployment.config, data: deployment.data, env: { LEASE_OIDC_SECRET: secret } });
    idp.registerClient({ client_id: 'lease', client_secret: secret, redirect_uris: [`${server.url}/api/v1/auth/corp/callback`] });
    work = await tempDir('lease-contract-');
  });

  after(async () => {
    await server?.stop();
    await idp?.stop();
    await deployment?.cleanup();
    await work?.cleanup();
  });

  it('serves an OpenAPI 3.1 document that a validator accepts, every $ref resolving', async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    assert.equal(response.status, 200);
    const doc = (await response.json()) as { openapi: string; components: { schemas: Record<string, unknown> }; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    const result = await validate(structuredClone(doc) as never, { resolve: { external: false } });
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
    assert.ok(!JSON.stringify(doc).includes('#/$defs/'), 'schemas refer to components, not to $defs of a schema');
    for (const name of ['Request', 'Session', 'Identity', 'Error']) assert.ok(doc.components.schemas[name], `components.schemas.${name}`);
  });

  it('answers a request line and headers past 16 KiB with 431, as documented', async () => {
    const response = await fetch(`${server.url}/api/v1/roles`, { headers: { 'x-padding': 'x'.repeat(20 * 1024) } });
    assert.equal(response.status, 431);
  });

  it('answers a method a path does not have with 405 and Allow', async () => {
    const response = await fetch(`${server.url}/api/v1/roles`, { method: 'DELETE' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'method_not_allowed');
  });

  it('passes schemathesis with every check and no failure', { timeout: 8 * 60_000 }, async (t) => {
    if (!requireSchemathesis(t)) return;
    const alice = await apiLogin(server.url, 'alice');
    const created = await fetch(`${server.url}/api/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'deploy', provider: 'box', duration: '30m', reason: 'contract test' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const request = ((await created.json()) as { id: string }).id;

    const outputFile = join(work.path, 'schemathesis.txt');
    const started = Date.now();
    const code = await runSchemathesis(
      [
        '--config-file', CONFIG_FILE,
        'run', `${server.url}/api/v1/openapi.json`,
        '--checks', CHECKS.join(','),
        // Deterministic and bounded: the same cases every run, in about a minute on two busy cores.
        '--generation-deterministic',
        '--max-examples', '25',
        '--workers', '1',
        '--request-timeout', '20',
        // Ends the run's own session (the bearer token every other operation uses); tested in
        // the session tests instead.
        '--exclude-path', '/api/v1/auth/logout',
        '--suppress-health-check', 'all',
      ],
      { cwd: work.path, env: { LEASE_CONTRACT_TOKEN: await apiLogin(server.url, 'bob'), LEASE_CONTRACT_REQUEST: request }, outputFile, timeoutMs: 7 * 60_000 },
    );
    const output = await readFile(outputFile, 'utf8');
    const summary = output.slice(Math.max(0, output.search(/=+ (WARNINGS|SUMMARY) =+/)));
    console.log(`schemathesis ran ${((Date.now() - started) / 1000).toFixed(1)} s:\n${summary}`);
    assert.equal(code, 0, `schemathesis failed (exit ${code}); its output (${outputFile}):\n${output.length > 60_000 ? `${output.slice(0, 60_000)}\n…` : output}`);
  });
});
