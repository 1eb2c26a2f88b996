// The shipped examples and Thand's own file shapes load, with the real provider factories and
// the real workflow DSL validator: what `lease server` and `lease config validate` use.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { defaultRegistry } from '../server/provider-types.js';
import { validateWorkflowDocument } from '../workflow/dsl/index.js';
import { configJsonSchema, loadConfig, validateConfigLocation, type LoadOptions } from './index.js';

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));
const THAND = fileURLToPath(new URL('./fixtures/thand', import.meta.url));
const THAND_TREE = fileURLToPath(new URL('./fixtures/thand-tree', import.meta.url));
const SERVER_OPTIONS: LoadOptions = {
  env: {},
  providerFactories: defaultRegistry(),
  validateWorkflow: (doc) => validateWorkflowDocument(doc),
};

describe('examples/', () => {
  it('loads cleanly: no errors, no warnings', async () => {
    const result = await validateConfigLocation(EXAMPLES, SERVER_OPTIONS);
    assert.deepEqual(result.issues, []);
    assert.deepEqual(result.warnings, []);
  });

  it('has the demo roles, providers and workflow', async () => {
    const config = await loadConfig(EXAMPLES, SERVER_OPTIONS);
    assert.deepEqual([...config.providers.keys()].sort(), ['local', 'local-sudo']);
    assert.deepEqual([...config.roles.keys()].sort(), ['admin', 'break-glass', 'debug', 'viewer']);
    assert.equal(config.roles.get('admin')?.workflow, 'auto');
    assert.equal(config.roles.get('debug')?.workflow, undefined);
    assert.equal(config.roles.get('break-glass')?.enabled, false);
    const viewer = config.roles.get('viewer');
    assert.deepEqual(viewer?.permissions, { allow: ['/usr/bin/systemctl status'], deny: ['/usr/bin/journalctl'] });
  });
});

describe('Thand compatibility fixtures', () => {
  it('load: inherits with native roles, a providers list, policies, thand: tasks, dsl 1.0.0-alpha5', async () => {
    const config = await loadConfig(THAND, SERVER_OPTIONS);
    const admin = config.roles.get('admin');
    assert.deepEqual(admin?.nativeRoles, ['iam:admin']);
    assert.ok(admin?.permissions.allow.includes('s3:listBuckets'), 'inherited from user');
    assert.deepEqual(config.roles.get('auditor')?.scopes, { users: [], groups: ['oidc:audit'] });
    assert.deepEqual([...config.providers.keys()], ['aws-prod', 'aws-dev', 'google_oauth2']);
    assert.deepEqual([...config.workflows.keys()], ['basic', 'slack_approval']);
  });

  it('load their aws providers (Lease implements the type) and warn about undefined providers', async () => {
    const config = await loadConfig(THAND, SERVER_OPTIONS);
    assert.ok(!config.warnings.some((w) => /type "aws" is not implemented yet/.test(w)), config.warnings.join('\n'));
    assert.ok(config.warnings.some((w) => /provider "aws" is not defined/.test(w)));
  });

  it('load the oauth2.google provider without credentials, warning that its logins fail until they are set', async () => {
    const config = await loadConfig(THAND, SERVER_OPTIONS);
    assert.ok(config.warnings.some((w) => /providers\.google_oauth2\.config\.client_id: no client_id \/ client_secret/.test(w)), config.warnings.join('\n'));
    assert.ok(!config.warnings.some((w) => /type "oauth2\.google" is not implemented/.test(w)));
  });
});

describe('a config directory split by kind, as Thand ships it', () => {
  it('loads config.yaml (no version, empty sections) with roles/, providers/ and workflows/', async () => {
    const config = await loadConfig(THAND_TREE, SERVER_OPTIONS);
    assert.deepEqual([...config.roles.keys()].sort(), ['cloud-admin', 'cloud-reader', 'host-debug']);
    assert.deepEqual([...config.providers.keys()].sort(), ['analytics', 'cloud-prod', 'cloud-sandbox', 'code', 'host', 'people']);
    assert.deepEqual([...config.workflows.keys()].sort(), ['announce_then_grant', 'broken_notice', 'two_approvals']);
    // A workflow that only names things that do not exist loads, disabled.
    assert.equal(config.workflows.get('broken_notice')?.enabled, false);
    assert.equal(config.workflows.get('two_approvals')?.enabled, true);
    assert.deepEqual(config.roles.get('cloud-admin')?.nativeRoles, ['aws:PowerUserAccess']);
    assert.equal(config.server.port, 5225);
    assert.equal(config.logging.output, 'stdout');
  });

  it('warns, naming file and path, about each setting Lease ignores and each provider it cannot reach', async () => {
    const { warnings, issues } = await validateConfigLocation(THAND_TREE, SERVER_OPTIONS);
    assert.deepEqual(issues, []);
    // `FILE: PATH` of each warning, the file relative to the tree.
    const where = warnings.map((w) => w.slice(THAND_TREE.length + 1).split(': ').slice(0, 2).join(': '));
    for (const expected of [
      'config.yaml: environment.config',
      'config.yaml: services.temporal',
      'config.yaml: server.limit',
      'config.yaml: server.limits',
      'config.yaml: server.capabilities',
      'config.yaml: server.security.cors',
      'config.yaml: server.security.metrics',
      'config.yaml: server.health',
      'providers/cloud.yaml: providers.code.config.scopes',
      'providers/cloud.yaml: providers.code.config.token',
      'providers/cloud.yaml: providers.analytics.config.region',
      'workflows/two-approvals.yml: workflows.two_approvals.workflow.do[5].refused.with.provider',
      'workflows/broken-notice.yml: workflows.broken_notice.workflow.do[0].check.then',
      'workflows/broken-notice.yml: workflows.broken_notice.workflow.do[2].tell.call',
    ]) {
      assert.ok(where.includes(expected), `${expected} in:\n${where.join('\n')}`);
    }
    // Thand's gcp provider (project_id, region, no key: Application Default Credentials) is implemented.
    assert.ok(!where.includes('providers/cloud.yaml: providers.analytics.provider'), where.join('\n'));
  });
});

describe('configJsonSchema', () => {
  it('describes a config file for editors', () => {
    const schema = configJsonSchema() as { type: string; properties: Record<string, unknown>; required?: string[]; additionalProperties: boolean };
    assert.equal(schema.type, 'object');
    assert.equal(schema.required, undefined, 'version is optional, as in Thand');
    assert.equal(schema.additionalProperties, false);
    for (const key of ['version', 'roles', 'providers', 'workflows', 'policies', 'server', 'logging', 'services', 'environment', 'login', 'api', 'secret']) {
      assert.ok(key in schema.properties, key);
    }
    assert.doesNotThrow(() => JSON.stringify(schema));
  });
});
