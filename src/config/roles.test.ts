// Role resolution: inheritance (deny wins, native roles, cycles) and references to workflows,
// roles and providers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PolicyRole } from '../core/index.js';
import type { GrantRole } from '../providers/index.js';
import { ConfigError, loadConfig, type ConfigIssue, type LoadedConfig, type ResolvedRole } from './index.js';

let root: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-roles-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const WORKFLOWS = `workflows:
  approve:
    workflow: {document: {dsl: "1.0.0", namespace: x, name: approve, version: "1"}, do: []}
  auto:
    workflow: {document: {dsl: "1.0.0", namespace: x, name: auto, version: "1"}, do: []}
`;

/** Writes one file with the given `roles:` body (plus two workflows) and loads it. */
async function loadRoles(rolesYaml: string): Promise<LoadedConfig> {
  const file = join(root, `roles-${++counter}.yaml`);
  await writeFile(file, `version: "1.0"\n${WORKFLOWS}roles:\n${rolesYaml}`);
  return loadConfig(file, { env: {} });
}

async function rolesIssues(rolesYaml: string): Promise<ConfigIssue[]> {
  const err = await loadRoles(rolesYaml).then(
    () => assert.fail('expected the config to be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError);
  return err.issues;
}

function role(config: LoadedConfig, id: string): ResolvedRole {
  const found = config.roles.get(id);
  assert.ok(found, `role ${id} not loaded`);
  return found;
}

describe('role inheritance', () => {
  const CHAIN = `
  base:
    name: Base
    description: d
    inherits: [aws:ReadOnlyAccess]
    permissions: {allow: [s3:list*, ec2:describe*], deny: [s3:delete*]}
    resources: {allow: ["arn:aws:s3:::logs/*"]}
  middle:
    name: Middle
    description: d
    inherits: [base, iam:admin]
    permissions: {allow: [ec2:start*, s3:delete*]}
  top:
    name: Top
    description: d
    inherits: [middle]
    permissions: {allow: [ec2:stop*], deny: [ec2:describe*]}
    resources: {deny: ["arn:aws:s3:::logs/*"]}
    scopes: {users: [bob]}
`;

  it('merges allow and deny across the whole chain', async () => {
    const top = role(await loadRoles(CHAIN), 'top');
    assert.deepEqual(top.permissions, { allow: ['ec2:stop*', 'ec2:start*', 's3:list*'], deny: ['ec2:describe*', 's3:delete*'] });
  });

  it('lets a deny anywhere in the chain win over an allow anywhere in it', async () => {
    const config = await loadRoles(CHAIN);
    assert.ok(!role(config, 'middle').permissions.allow.includes('s3:delete*'), "base's deny beats middle's allow");
    assert.ok(!role(config, 'top').permissions.allow.includes('ec2:describe*'), "top's deny beats base's allow");
    assert.deepEqual(role(config, 'top').resources, { allow: [], deny: ['arn:aws:s3:::logs/*'] });
  });

  it('collects native roles (`<provider>:<role>`) across the chain without resolving them', async () => {
    const config = await loadRoles(CHAIN);
    assert.deepEqual(role(config, 'top').nativeRoles, ['iam:admin', 'aws:ReadOnlyAccess']);
    assert.deepEqual(role(config, 'base').nativeRoles, ['aws:ReadOnlyAccess']);
  });

  it('does not inherit scopes, providers or durations: they are the role\'s own', async () => {
    const config = await loadRoles(`${CHAIN}    providers: [aws-prod]\n    max_duration: 15m\n`);
    assert.deepEqual(role(config, 'middle').scopes, { users: [], groups: [] });
    assert.deepEqual(role(config, 'middle').providers, []);
    assert.equal(role(config, 'middle').maxDurationMs, 3_600_000);
  });

  it('refuses an inheritance cycle, naming it', async () => {
    const issues = await rolesIssues(`
  a: {name: A, description: d, inherits: [b]}
  b: {name: B, description: d, inherits: [c]}
  c: {name: C, description: d, inherits: [a]}
  d: {name: D, description: d, inherits: [d]}
`);
    assert.deepEqual(
      issues.map((i) => `${i.path}: ${i.message}`),
      ['roles.a.inherits: inheritance cycle: a → b → c → a', 'roles.d.inherits: inheritance cycle: d → d'],
    );
  });

  it('refuses an unknown inherited role', async () => {
    const issues = await rolesIssues('  a: {name: A, description: d, inherits: [ghost, aws:Fine]}\n');
    assert.deepEqual(issues.map((i) => `${i.path}: ${i.message.split(' (')[0]}`), ['roles.a.inherits[0]: unknown role "ghost"']);
  });
});

describe('role references', () => {
  it('picks the workflow from `workflow`, else the first of `workflows`, else none (built-in default)', async () => {
    const config = await loadRoles(`
  one: {name: One, description: d, workflow: approve}
  many: {name: Many, description: d, workflows: [auto, approve]}
  none: {name: None, description: d}
`);
    assert.equal(role(config, 'one').workflow, 'approve');
    assert.equal(role(config, 'many').workflow, 'auto');
    assert.deepEqual(role(config, 'many').workflows, ['auto', 'approve']);
    assert.equal(role(config, 'none').workflow, undefined);
  });

  it('refuses an unknown workflow', async () => {
    const issues = await rolesIssues(`
  a: {name: A, description: d, workflow: ghost}
  b: {name: B, description: d, workflows: [auto, phantom]}
`);
    assert.deepEqual(issues.map((i) => i.path), ['roles.a.workflow', 'roles.b.workflows[1]']);
  });

  it('still checks the references of a role that is invalid for another reason', async () => {
    const issues = await rolesIssues('  a: {name: A, description: d, max_duration: soon, workflow: ghost}\n');
    assert.deepEqual(issues.map((i) => i.path), ['roles.a.max_duration', 'roles.a.workflow']);
  });

  it('only warns about an undefined provider, as Thand\'s own examples have them', async () => {
    const config = await loadRoles('  a: {name: A, description: d, providers: [aws-prod], authenticators: [okta]}\n');
    assert.equal(config.warnings.length, 2);
    assert.match(config.warnings[0] ?? '', /roles\.a\.providers\[0\]: provider "aws-prod" is not defined/);
    assert.match(config.warnings[1] ?? '', /roles\.a\.authenticators\[0\]/);
  });

  it('keeps a disabled role, marked disabled', async () => {
    const config = await loadRoles('  a: {name: A, description: d, enabled: false}\n');
    assert.equal(role(config, 'a').enabled, false);
  });

  it('gives roles that policy and providers can use as they are', async () => {
    const resolved = role(await loadRoles('  a: {name: A, description: d}\n'), 'a');
    // Compile-time: a ResolvedRole is a PolicyRole and a GrantRole.
    const asPolicy: PolicyRole = resolved;
    const asGrant: GrantRole = resolved;
    assert.equal(asPolicy.id, asGrant.id);
  });
});
