import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { ProviderFactory } from '../providers/index.js';
import { ConfigError, loadConfig, validateConfigLocation, type ConfigIssue, type LoadOptions } from './index.js';

let root: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-config-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes files into a fresh directory and returns its path. */
async function configDir(files: Record<string, string>): Promise<string> {
  const dir = join(root, `case-${++counter}`);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Loads and expects a ConfigError; returns its issues. */
async function loadIssues(location: string, options: LoadOptions = {}): Promise<ConfigIssue[]> {
  try {
    await loadConfig(location, options);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'invalid_config');
    return err.issues;
  }
  assert.fail('expected the config to be refused');
}

function findIssue(issues: ConfigIssue[], path: string): ConfigIssue {
  const issue = issues.find((i) => i.path === path);
  assert.ok(issue, `no issue at ${path}; got:\n${issues.map((i) => `${i.file}: ${i.path}: ${i.message}`).join('\n')}`);
  return issue;
}

const ROLE = (extra = '') => `    name: Admin\n    description: Administrators\n${extra}`;

describe('loadConfig: files and merging', () => {
  it('loads a single file', async () => {
    const dir = await configDir({ 'lease.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE()}` });
    const config = await loadConfig(join(dir, 'lease.yaml'), { env: {} });
    assert.deepEqual(config.files, [join(dir, 'lease.yaml')]);
    const admin = config.roles.get('admin');
    assert.equal(admin?.maxDurationMs, 3_600_000, 'max_duration defaults to 1h');
    assert.equal(admin?.enabled, true);
    assert.deepEqual(admin?.scopes, { users: [], groups: [] });
  });

  it('merges every *.yaml and *.yml file of a directory by top-level key, in name order', async () => {
    const dir = await configDir({
      'b-roles.yml': `version: "1.0"\nroles:\n  admin:\n${ROLE()}`,
      'a-providers.yaml': `version: "1.0"\nproviders:\n  box:\n    name: Box\n    provider: sudo\n`,
      'notes.txt': 'not config',
    });
    const config = await loadConfig(dir, { env: {} });
    assert.deepEqual(config.files, [join(dir, 'a-providers.yaml'), join(dir, 'b-roles.yml')]);
    assert.ok(config.roles.has('admin'));
    assert.equal(config.providers.get('box')?.configDir, dir);
    assert.deepEqual(config.providers.get('box')?.config, {}, 'config defaults to {}');
    assert.equal(config.sourceOf('role', 'admin'), join(dir, 'b-roles.yml'));
    assert.equal(config.sourceOf('provider', 'box'), join(dir, 'a-providers.yaml'));
  });

  it('reads subdirectories (Thand splits its files by kind), after the directory\'s own files; skips hidden ones', async () => {
    const dir = await configDir({
      'server.yaml': 'server:\n  session_ttl: 1h\n',
      'roles/b.yaml': `roles:\n  ops:\n${ROLE()}`,
      'roles/a.yml': `roles:\n  admin:\n${ROLE()}`,
      'providers/nested/box.yaml': 'providers:\n  box: {name: Box, provider: sudo}\n',
      '.lease/ignored.yaml': 'not: [valid',
    });
    const config = await loadConfig(dir, { env: {} });
    assert.deepEqual(
      config.files.map((f) => f.slice(dir.length + 1)),
      ['server.yaml', join('providers', 'nested', 'box.yaml'), join('roles', 'a.yml'), join('roles', 'b.yaml')],
    );
    assert.deepEqual([...config.roles.keys()].sort(), ['admin', 'ops']);
    assert.ok(config.providers.has('box'));
  });

  it('reads a file once when a {path} reference names a subdirectory of the location', async () => {
    const dir = await configDir({
      'config.yaml': 'roles:\n  path: ./roles\n',
      'roles/a.yaml': `roles:\n  admin:\n${ROLE()}`,
    });
    const config = await loadConfig(dir, { env: {} });
    assert.deepEqual([...config.roles.keys()], ['admin']);
    assert.deepEqual(config.files, [join(dir, 'config.yaml'), join(dir, 'roles', 'a.yaml')]);
  });

  it('refuses the same role in two files, naming both', async () => {
    const dir = await configDir({
      'one.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE()}`,
      'two.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE()}`,
    });
    const issue = findIssue(await loadIssues(dir), 'roles.admin');
    assert.match(issue.message, /one\.yaml/);
    assert.match(issue.message, /two\.yaml/);
  });

  it('refuses a provider with the id "lease", which names Lease itself in identities and the audit', async () => {
    const dir = await configDir({ 'lease.yaml': `providers:\n  lease:\n    provider: local\n    config: {}\n` });
    const issue = findIssue(await loadIssues(dir), 'providers.lease');
    assert.match(issue.message, /reserved for Lease itself/);
  });

  it('refuses a server section given in two files', async () => {
    const dir = await configDir({
      'one.yaml': `version: "1.0"\nserver:\n  port: 8080\n`,
      'two.yaml': `version: "1.0"\nserver:\n  port: 9090\n`,
    });
    assert.match(findIssue(await loadIssues(dir), 'server').message, /one\.yaml.*two\.yaml/);
  });

  it('accepts version written as the number 1.0', async () => {
    const dir = await configDir({ 'lease.yaml': 'version: 1.0\n' });
    await loadConfig(dir, { env: {} });
  });

  it('accepts a file without version (Thand does not require it) and refuses a wrong one', async () => {
    const dir = await configDir({ 'a.yaml': `roles:\n  admin:\n${ROLE()}`, 'b.yaml': 'version: "2.0"\n' });
    const issues = await loadIssues(dir);
    assert.deepEqual(
      issues.map((i) => [i.file, i.path, i.message]),
      [[join(dir, 'b.yaml'), 'version', 'must be "1.0"']],
    );
    const config = await loadConfig(join(dir, 'a.yaml'), { env: {} });
    assert.ok(config.roles.has('admin'));
  });

  it('refuses a file whose top level is not a mapping; an empty file is a warning', async () => {
    const dir = await configDir({ 'a.yaml': '- just\n- a list\n', 'b.yaml': '# only a comment\n' });
    const issues = await loadIssues(dir);
    assert.equal(issues.length, 1);
    assert.match(issues[0]?.message ?? '', /expected a mapping/);
    const result = await validateConfigLocation(join(dir, 'b.yaml'), { env: {} });
    assert.equal(result.ok, true);
    assert.deepEqual(result.warnings, [`${join(dir, 'b.yaml')}: the file is empty: nothing is loaded from it`]);
  });

  it('reads a section with only comments under it (YAML null) as empty, at any level of the server settings', async () => {
    const dir = await configDir({
      'lease.yaml': `roles:
  # none yet
providers:
workflows:
server:
  cors:
    # allowed_origins: [...]
  admins:
logging:
environment:
services:
  temporal:
`,
    });
    const result = await validateConfigLocation(dir, { env: {} });
    assert.deepEqual(result.issues, []);
    const config = await loadConfig(dir, { env: {} });
    assert.equal(config.roles.size, 0);
    assert.deepEqual(config.server, {});
    assert.deepEqual(config.environment, { platform: 'local' });
  });

  it('refuses a YAML alias that contains itself, naming file, path and line', async () => {
    const dir = await configDir({ 'a.yaml': 'version: "1.0"\nroles: &a {x: *a}\n', 'b.yaml': `roles:\n  ops: &ops\n${ROLE()}    inherits: [*ops]\n` });
    const issues = await loadIssues(dir);
    assert.deepEqual(
      issues.map((i) => [i.file.slice(dir.length + 1), i.path, i.line]),
      [['a.yaml', 'roles.x', 2], ['b.yaml', 'roles.ops.inherits[0]', 5]],
    );
    assert.match(issues[0]?.message ?? '', /alias \*a refers to a node that contains it/);
  });

  it('still expands aliases that are not cycles, and merge keys', async () => {
    const dir = await configDir({
      'a.yaml': `roles:\n  base: &base\n${ROLE()}    max_duration: 2h\n  ops:\n    <<: *base\n    name: Ops\n  dev: *base\n`,
    });
    const config = await loadConfig(dir, { env: {} });
    assert.equal(config.roles.get('ops')?.maxDuration, '2h');
    assert.equal(config.roles.get('ops')?.name, 'Ops');
    assert.equal(config.roles.get('dev')?.name, 'Admin');
  });

  it('refuses a location that does not exist, and a directory without YAML files', async () => {
    const missing = await loadIssues(join(root, 'nowhere'));
    assert.match(missing[0]?.message ?? '', /no such file or directory/);
    const empty = await configDir({ 'readme.txt': 'hi' });
    assert.match((await loadIssues(empty))[0]?.message ?? '', /no \*\.yaml/);
  });

  it('reports a YAML syntax error with its file and line', async () => {
    const dir = await configDir({ 'lease.yaml': 'version: "1.0"\nroles:\n  admin: [oops\n  other: 1\n' });
    const [issue] = await loadIssues(dir);
    assert.equal(issue?.file, join(dir, 'lease.yaml'));
    assert.match(issue?.message ?? '', /YAML syntax error/);
    assert.equal(typeof issue?.line, 'number');
  });

  it('reports a duplicate key inside one YAML mapping', async () => {
    const dir = await configDir({ 'lease.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE()}  admin:\n${ROLE()}` });
    const [issue] = await loadIssues(dir);
    assert.match(issue?.message ?? '', /unique/);
    assert.equal(issue?.line, 6);
  });
});

describe('loadConfig: shapes', () => {
  it('names file and path of an unknown key, with its line', async () => {
    const dir = await configDir({ 'roles.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE('    colour: red\n')}` });
    const issue = findIssue(await loadIssues(dir), 'roles.admin.colour');
    assert.equal(issue.file, join(dir, 'roles.yaml'));
    assert.equal(issue.message, 'unknown key');
    assert.equal(issue.line, 6);
  });

  it('refuses an unknown top-level section', async () => {
    const dir = await configDir({ 'lease.yaml': 'version: "1.0"\nrolez: {}\n' });
    findIssue(await loadIssues(dir), 'rolez');
  });

  it('refuses a max_duration that is not a duration', async () => {
    const dir = await configDir({ 'roles.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE('    max_duration: forever\n')}` });
    assert.match(findIssue(await loadIssues(dir), 'roles.admin.max_duration').message, /"forever" is not a positive duration/);
  });

  it('accepts short and ISO-8601 durations', async () => {
    const dir = await configDir({
      'roles.yaml': `version: "1.0"\nroles:\n  a:\n${ROLE('    max_duration: PT8H\n')}  b:\n${ROLE('    max_duration: 90s\n')}`,
    });
    const config = await loadConfig(dir, { env: {} });
    assert.equal(config.roles.get('a')?.maxDurationMs, 8 * 3_600_000);
    assert.equal(config.roles.get('b')?.maxDurationMs, 90_000);
  });

  it('reads `applies` as `scopes`, and refuses both on one role', async () => {
    const ok = await configDir({ 'roles.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE('    applies:\n      groups: [ops]\n')}` });
    assert.deepEqual((await loadConfig(ok, { env: {} })).roles.get('admin')?.scopes, { users: [], groups: ['ops'] });
    const both = await configDir({
      'roles.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE('    scopes: {groups: [ops]}\n    applies: {users: [bob]}\n')}`,
    });
    assert.match(findIssue(await loadIssues(both), 'roles.admin.applies').message, /only one/);
  });

  it('refuses a role id with a colon, which `inherits` would read as a native role', async () => {
    const dir = await configDir({ 'roles.yaml': `version: "1.0"\nroles:\n  "aws:admin":\n${ROLE()}` });
    assert.match(findIssue(await loadIssues(dir), 'roles.aws:admin').message, /invalid id/);
  });

  it('accepts a providers list, keyed by each name', async () => {
    const dir = await configDir({
      'providers.yaml': `version: "1.0"
providers:
  - name: aws-prod
    provider: aws
    config: {region: us-east-1}
  - name: box
    provider: sudo
    enabled: false
`,
    });
    const config = await loadConfig(dir, { env: {} });
    assert.deepEqual([...config.providers.keys()], ['aws-prod', 'box']);
    assert.deepEqual(config.providers.get('aws-prod')?.config, { region: 'us-east-1' });
    assert.equal(config.providers.get('box')?.enabled, false);
  });

  it('names a provider written without a name by its id, as Thand\'s examples do', async () => {
    const dir = await configDir({ 'providers.yaml': 'version: "1.0"\nproviders:\n  box:\n    provider: sudo\n    description: unnamed\n' });
    assert.equal((await loadConfig(dir, { env: {} })).providers.get('box')?.name, 'box');
  });

  it('reports problems of a providers list item at the line of that item', async () => {
    const dir = await configDir({
      'providers.yaml': 'version: "1.0"\nproviders:\n  - name: a\n    provider: sudo\n  - name: b\n    provider: sudo\n    colour: red\n  - provider: sudo\n',
    });
    const issues = await loadIssues(dir);
    assert.equal(findIssue(issues, 'providers.b.colour').line, 7);
    assert.match(findIssue(issues, 'providers[2].name').message, /needs a name/);
  });

  it('accepts `policies` as the older name of `workflows`', async () => {
    const dir = await configDir({
      'lease.yaml': `version: "1.0"
policies:
  basic:
    workflow:
      document: {dsl: "1.0.0", namespace: x, name: basic, version: "1.0.0"}
      do: []
roles:
  admin:
${ROLE('    workflow: basic\n')}`,
    });
    const config = await loadConfig(dir, { env: {} });
    assert.equal(config.workflows.get('basic')?.enabled, true);
    assert.equal(config.roles.get('admin')?.workflow, 'basic');
  });

  it('refuses `policies` and `workflows` in the same file', async () => {
    const dir = await configDir({ 'lease.yaml': 'version: "1.0"\npolicies: {}\nworkflows: {}\n' });
    findIssue(await loadIssues(dir), 'policies');
  });

  it('reads server, logging, services and environment', async () => {
    const dir = await configDir({
      'server.yaml': `version: "1.0"
server:
  port: "8443"
  url: https://lease.example.com
  session_ttl: 8h
  cors: {allowed_origins: [https://app.example.com]}
logging: {level: debug, format: json}
services:
  temporal: {host: temporal.internal, port: 7233, namespace: lease}
environment: {platform: aws, config: {region: eu-west-1}}
`,
    });
    const config = await loadConfig(dir, { env: {} });
    assert.equal(config.server.port, 8443, 'a numeric string is a port');
    assert.equal(config.logging.level, 'debug');
    assert.deepEqual(config.services.temporal, { host: 'temporal.internal', port: 7233, namespace: 'lease' });
    assert.equal(config.environment.platform, 'aws');
  });

  it('reads server.trusted_proxies as addresses and CIDR ranges, naming a bad entry', async () => {
    const good = await configDir({ 'server.yaml': 'version: "1.0"\nserver:\n  trusted_proxies: [10.0.0.0/8, 192.0.2.10, "fd00::/8"]\n' });
    assert.deepEqual((await loadConfig(good, { env: {} })).server.trusted_proxies, ['10.0.0.0/8', '192.0.2.10', 'fd00::/8']);
    const bad = await configDir({ 'server.yaml': 'version: "1.0"\nserver:\n  trusted_proxies: [10.0.0.0/8, proxy.internal]\n' });
    const issue = findIssue(await loadIssues(bad), 'server.trusted_proxies[1]');
    assert.match(issue.message, /expected an IP address or a CIDR range/);
    assert.match(issue.file, /server\.yaml$/);
  });

  it('defaults server, logging and environment when no file gives them', async () => {
    const config = await loadConfig(await configDir({ 'a.yaml': 'version: "1.0"\n' }), { env: {} });
    assert.deepEqual(config.server, {});
    assert.deepEqual(config.logging, {});
    assert.deepEqual(config.environment, { platform: 'local' });
  });

  it('reports every problem at once, grouped by file and ordered by line', async () => {
    const dir = await configDir({
      'a.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE('    colour: red\n    max_duration: soon\n')}  ops:\n    name: Ops\n`,
      'b.yaml': 'version: "1.0"\nlogging: {level: loud}\nenvironment: {platform: mars}\n',
    });
    const issues = await loadIssues(dir);
    assert.deepEqual(
      issues.map((i) => `${i.file.slice(dir.length + 1)}: ${i.path}`),
      ['a.yaml: roles.admin.colour', 'a.yaml: roles.admin.max_duration', 'a.yaml: roles.ops.description', 'b.yaml: logging.level', 'b.yaml: environment.platform'],
    );
  });

  it('lists every issue in the error message, one per line as FILE: PATH: MESSAGE', async () => {
    const dir = await configDir({ 'a.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE('    colour: red\n    max_duration: soon\n')}` });
    const err = await loadConfig(dir, { env: {} }).catch((e: unknown) => e);
    assert.ok(err instanceof ConfigError);
    const lines = err.message.split('\n');
    assert.equal(lines[0], 'invalid configuration (2 problems):');
    assert.equal(lines[1], `${join(dir, 'a.yaml')}: roles.admin.colour: unknown key (line 6)`);
    assert.match(lines[2] ?? '', /^.*a\.yaml: roles\.admin\.max_duration: "soon" is not a positive duration/);
  });
});

describe('loadConfig: environment references', () => {
  const files = {
    'lease.yaml': `version: "1.0"
providers:
  gh:
    name: GitHub
    provider: github
    config:
      token: \${GITHUB_TOKEN}
      api_url: "https://\${GH_HOST}/api"
workflows:
  notify:
    description: "owner \${TEAM}"
    workflow:
      document: {dsl: "1.0.0", namespace: x, name: notify, version: "1.0.0"}
      do:
        - tell:
            call: lease.notify
            with:
              message: "\${ .user.name } wants \${ .role.name } for \${TEAM}"
`,
  };

  it('resolves ${NAME} in every string outside workflow documents', async () => {
    const config = await loadConfig(await configDir(files), { env: { GITHUB_TOKEN: 't0k', GH_HOST: 'github.example.com', TEAM: 'ops' } });
    assert.deepEqual(config.providers.get('gh')?.config, { token: 't0k', api_url: 'https://github.example.com/api' });
    assert.equal(config.workflows.get('notify')?.description, 'owner ops');
  });

  it('leaves ${ ... } inside a workflow document untouched: there it is jq', async () => {
    const config = await loadConfig(await configDir(files), { env: { GITHUB_TOKEN: 't', GH_HOST: 'h', TEAM: 'ops' } });
    const doc = config.workflows.get('notify')?.workflow as { do: Array<{ tell: { with: { message: string } } }> };
    assert.equal(doc.do[0]?.tell.with.message, '${ .user.name } wants ${ .role.name } for ${TEAM}');
  });

  it('refuses a variable that is not set, naming file and path', async () => {
    const dir = await configDir(files);
    const issues = await loadIssues(dir, { env: { GH_HOST: 'h', TEAM: 'ops' } });
    const issue = findIssue(issues, 'providers.gh.config.token');
    assert.equal(issue.file, join(dir, 'lease.yaml'));
    assert.match(issue.message, /GITHUB_TOKEN is not set/);
    assert.equal(issue.line, 7);
  });

  it('uses process.env when no env is given', async () => {
    process.env.LEASE_CONFIG_TEST_NAME = 'from-process';
    try {
      const dir = await configDir({ 'a.yaml': 'version: "1.0"\nroles:\n  r:\n    name: ${LEASE_CONFIG_TEST_NAME}\n    description: d\n' });
      assert.equal((await loadConfig(dir)).roles.get('r')?.name, 'from-process');
    } finally {
      delete process.env.LEASE_CONFIG_TEST_NAME;
    }
  });
});

describe('loadConfig: section references', () => {
  it('loads a section from the files of a directory relative to the declaring file', async () => {
    const dir = await configDir({
      'main/server.yaml': 'version: "1.0"\nroles:\n  path: ../roles.d\n',
      'roles.d/a.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE()}`,
      'roles.d/b.yaml': `version: "1.0"\nroles:\n  ops:\n${ROLE()}`,
    });
    const config = await loadConfig(join(dir, 'main'), { env: {} });
    assert.deepEqual([...config.roles.keys()].sort(), ['admin', 'ops']);
    assert.equal(config.sourceOf('role', 'ops'), join(dir, 'main', '..', 'roles.d', 'b.yaml'));
    assert.equal(config.files.length, 3);
  });

  it('refuses other sections in a file loaded through a reference', async () => {
    const dir = await configDir({
      'main/server.yaml': 'version: "1.0"\nproviders:\n  path: ../p\n',
      'p/a.yaml': 'version: "1.0"\nproviders:\n  box: {name: Box, provider: sudo}\nroles: {}\n',
    });
    const issue = findIssue(await loadIssues(join(dir, 'main')), 'roles');
    assert.match(issue.message, /only "providers" is read from this file/);
  });

  it('refuses a reference to a path that does not exist', async () => {
    const dir = await configDir({ 'lease.yaml': 'version: "1.0"\nworkflows:\n  path: ./missing\n' });
    assert.match(findIssue(await loadIssues(dir), 'workflows.path').message, /no such file or directory/);
  });

  it('says plainly that loading from a URL is not supported yet', async () => {
    const dir = await configDir({ 'lease.yaml': 'version: "1.0"\nroles:\n  url: https://config.example.com/roles.yaml\n' });
    assert.match(findIssue(await loadIssues(dir), 'roles.url').message, /loading from a URL is not supported yet/);
  });
});

describe('loadConfig: provider configs', () => {
  const boxFactory: ProviderFactory = {
    type: 'box',
    capabilities: ['access'],
    configSchema: z.strictObject({ dir: z.string(), mode: z.enum(['a', 'b']).default('a') }),
    create: () => {
      throw new Error('not used by the loader');
    },
  };
  const factories = new Map([['box', boxFactory], ['boxy', boxFactory]]);

  it("checks each provider's config with its type's schema, naming the path inside config", async () => {
    const dir = await configDir({
      'providers.yaml': `version: "1.0"
providers:
  good: {name: Good, provider: box, config: {dir: /tmp}}
  alias: {name: Alias, provider: boxy, config: {dir: /tmp, mode: b}}
  bad: {name: Bad, provider: box, config: {dirr: /tmp, mode: c}}
`,
    });
    const issues = await loadIssues(dir, { env: {}, providerFactories: factories });
    assert.deepEqual(issues.map((i) => i.path).sort(), ['providers.bad.config.dir', 'providers.bad.config.dirr', 'providers.bad.config.mode']);
  });

  it('keeps the config as written: the provider registry parses it again', async () => {
    const dir = await configDir({ 'p.yaml': 'version: "1.0"\nproviders:\n  good: {name: Good, provider: box, config: {dir: /tmp}}\n' });
    const config = await loadConfig(dir, { env: {}, providerFactories: factories });
    assert.deepEqual(config.providers.get('good')?.config, { dir: '/tmp' });
  });

  it('accepts a provider type with no factory, with a warning', async () => {
    const dir = await configDir({ 'p.yaml': 'version: "1.0"\nproviders:\n  aws: {name: AWS, provider: aws, config: {region: x}}\n' });
    const config = await loadConfig(dir, { env: {}, providerFactories: factories });
    assert.deepEqual(config.providers.get('aws')?.config, { region: 'x' });
    assert.equal(config.warnings.length, 1);
    assert.match(config.warnings[0] ?? '', /p\.yaml: providers\.aws\.provider: provider type "aws" is not implemented yet/);
  });
});

describe('loadConfig: provider settings that need another engine', () => {
  const sudoLaptop = 'providers:\n  laptop: {name: Laptop, provider: sudo, config: {agent: laptop-42, agent_transport: temporal}}\n';

  it('refuses sudo agent_transport: temporal on the embedded engine, naming the path', async () => {
    const { defaultRegistry } = await import('../server/provider-types.js');
    const dir = await configDir({ 'p.yaml': `version: "1.0"\n${sudoLaptop}` });
    const issue = findIssue(await loadIssues(dir, { env: {}, providerFactories: defaultRegistry() }), 'providers.laptop.config.agent_transport');
    assert.match(issue.message, /needs server\.engine: temporal/);
  });

  it('accepts it with server.engine: temporal', async () => {
    const { defaultRegistry } = await import('../server/provider-types.js');
    const dir = await configDir({ 'p.yaml': `version: "1.0"\nserver: {engine: temporal}\n${sudoLaptop}` });
    const config = await loadConfig(dir, { env: {}, providerFactories: defaultRegistry() });
    assert.ok(config.providers.has('laptop'));
  });
});

describe('loadConfig: workflow documents', () => {
  it('reports the problems found by the injected validator under the workflow document path', async () => {
    const dir = await configDir({
      'w.yaml': 'version: "1.0"\nworkflows:\n  w:\n    workflow:\n      document: {dsl: "1.0.0"}\n      do:\n        - a: {call: nope}\n',
    });
    const issues = await loadIssues(dir, {
      env: {},
      validateWorkflow: () => [{ path: 'do/0/a/call', message: 'unknown call "nope"' }, { path: '', message: 'whole document' }],
    });
    assert.equal(findIssue(issues, 'workflows.w.workflow.do[0].a.call').line, 7);
    findIssue(issues, 'workflows.w.workflow');
  });

  it('disables, with a warning, a workflow whose only problems are names that refer to nothing; any other problem is an error', async () => {
    const dir = await configDir({
      'w.yaml': 'version: "1.0"\nworkflows:\n  w:\n    workflow:\n      document: {dsl: "1.0.0"}\n      do:\n        - a: {call: nope}\n',
    });
    const unresolved = { path: 'do/0/a/call', message: 'unknown call "nope"', unresolved: true as const };
    const result = await validateConfigLocation(dir, { env: {}, validateWorkflow: () => [unresolved] });
    assert.equal(result.ok, true);
    assert.match(result.warnings.join('\n'), /workflows\.w\.workflow\.do\[0\]\.a\.call: unknown call "nope"; workflow "w" is disabled until this is fixed/);
    assert.equal((await loadConfig(dir, { env: {}, validateWorkflow: () => [unresolved] })).workflows.get('w')?.enabled, false);
    const mixed = await validateConfigLocation(dir, { env: {}, validateWorkflow: () => [unresolved, { path: 'do/0/a/with', message: 'must be an object' }] });
    assert.equal(mixed.ok, false);
    assert.deepEqual(mixed.issues.map((i) => i.path).sort(), ['workflows.w.workflow.do[0].a.call', 'workflows.w.workflow.do[0].a.with']);
  });
});

describe('validateConfigLocation', () => {
  it('returns every issue instead of throwing', async () => {
    const dir = await configDir({ 'a.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE('    colour: red\n    workflow: ghost\n')}` });
    const result = await validateConfigLocation(dir, { env: {} });
    assert.equal(result.ok, false);
    assert.deepEqual(result.issues.map((i) => i.path), ['roles.admin.colour', 'roles.admin.workflow']);
  });

  it('says ok for a valid location, with its warnings', async () => {
    const dir = await configDir({ 'a.yaml': `version: "1.0"\nroles:\n  admin:\n${ROLE('    providers: [nowhere]\n')}` });
    const result = await validateConfigLocation(dir, { env: {} });
    assert.deepEqual(result.issues, []);
    assert.equal(result.ok, true);
    assert.match(result.warnings[0] ?? '', /provider "nowhere" is not defined/);
  });
});

describe('loadConfig: server settings in Thand\'s shape', () => {
  /** Warnings as `PATH: MESSAGE` without the file (all in one file here). */
  async function warningsOf(files: Record<string, string>): Promise<{ dir: string; warnings: string[] }> {
    const dir = await configDir(files);
    const result = await validateConfigLocation(dir, { env: {} });
    assert.deepEqual(result.issues, [], 'no errors');
    return { dir, warnings: result.warnings };
  }

  it('warns, with file, path and line, about keys Thand would ignore in server, logging and environment', async () => {
    const { dir, warnings } = await warningsOf({
      'config.yaml': `server:
  host: 127.0.0.1
  limit:
    burst: 10
  capabilities: {llm: {enabled: true}}
  security:
    metrics: {enabled: true}
logging:
  level: info
  colour: true
environment:
  name: development
`,
    });
    const file = join(dir, 'config.yaml');
    for (const [path, line] of [['server.limit', 3], ['server.capabilities', 5], ['server.security.metrics', 7], ['logging.colour', 10], ['environment.name', 12]] as const) {
      assert.ok(warnings.includes(`${file}: ${path}: unknown key: ignored (check the spelling) (line ${line})`), `${path} in:\n${warnings.join('\n')}`);
    }
  });

  it("keeps unknown keys in a role's approvals an error: a misspelt approvers would drop them", async () => {
    const dir = await configDir({ 'roles.yaml': `roles:\n  admin:\n${ROLE('    approvals:\n      aprovers: {groups: [ops]}\n')}` });
    assert.equal(findIssue(await loadIssues(dir), 'roles.admin.approvals.aprovers').message, 'unknown key');
  });

  it('keeps unknown keys in server.admins an error: a misspelling there changes who is administrator', async () => {
    const dir = await configDir({ 'config.yaml': 'server:\n  admins:\n    user: [bob]\n' });
    assert.equal(findIssue(await loadIssues(dir), 'server.admins.user').message, 'unknown key');
  });

  it('reads server.reconcile.missing, refusing an unknown value or key there (a misspelt fail would grant again)', async () => {
    const ok = await configDir({ 'config.yaml': 'server:\n  reconcile:\n    missing: fail\n' });
    assert.equal((await loadConfig(ok)).server?.reconcile?.missing, 'fail');
    const badValue = await configDir({ 'config.yaml': 'server:\n  reconcile:\n    missing: delete\n' });
    assert.match(findIssue(await loadIssues(badValue), 'server.reconcile.missing').message, /regrant.*fail/);
    const badKey = await configDir({ 'config.yaml': 'server:\n  reconcile:\n    mising: fail\n' });
    assert.equal(findIssue(await loadIssues(badKey), 'server.reconcile.mising').message, 'unknown key');
  });

  it('refuses an unknown server key that is a near miss of admins or session_ttl (a default there weakens access)', async () => {
    const dir = await configDir({ 'config.yaml': 'server:\n  admin: {users: [bob]}\n  session_tll: 10m\n  Admins: {}\n  limit: {}\n' });
    const result = await validateConfigLocation(dir, { env: {} });
    assert.deepEqual(
      result.issues.map((i) => `${i.path}: ${i.message}`),
      ['server.admin: unknown key (did you mean admins?)', 'server.session_tll: unknown key (did you mean session_ttl?)', 'server.Admins: unknown key (did you mean admins?)'],
    );
    assert.ok(result.warnings.some((w) => w.includes('server.limit: unknown key: ignored')));
  });

  it('still refuses a wrong value in a lenient section, reporting the unknown keys beside it as warnings', async () => {
    const dir = await configDir({ 'config.yaml': 'server:\n  port: lots\n  limit: {}\n' });
    const result = await validateConfigLocation(dir, { env: {} });
    assert.deepEqual(result.issues.map((i) => i.path), ['server.port']);
    assert.ok(result.warnings.some((w) => w.includes('server.limit: unknown key')));
  });

  it('warns that limits, CORS, health, platform settings, non-JSON log formats and log retention on stdout are ignored', async () => {
    const { warnings } = await warningsOf({
      'config.yaml': `server:
  limits: {requests_per_minute: 100, read_timeout: 30s}
  cors: {allowed_origins: [https://app.example.com], max_age: 86400}
  security:
    cors: {allowed_methods: [GET], max_age: 1h}
  metrics: {enabled: true, path: /metrics, namespace: lease}
  health: {path: /healthz}
logging: {format: text, output: stdout, retention: {days: 7}}
environment:
  platform: aws
  config: {salt: changeme}
`,
    });
    const expected = [
      /server\.limits: request limits are not configurable yet .*: ignored/,
      /server\.cors: CORS is not implemented .*: ignored/,
      /server\.security\.cors: CORS is not implemented .*: ignored/,
      /server\.health: the health check is always GET \/health: ignored/,
      /logging\.format: "text" is not supported: ignored/,
      /logging\.retention: applies to a log file Lease writes; on stdout the platform keeps the logs: ignored/,
      /environment\.platform: Lease does not choose services by platform \("aws"\): ignored/,
      /environment\.config: platform settings are not used by Lease: ignored/,
    ];
    for (const pattern of expected) assert.ok(warnings.some((w) => pattern.test(w)), `${pattern} in:\n${warnings.join('\n')}`);
    assert.equal(warnings.length, expected.length, warnings.join('\n'));
  });

  it('reads cors.max_age as seconds (Thand) or a duration, and refuses a negative one', async () => {
    await warningsOf({ 'config.yaml': 'server:\n  cors: {max_age: 86400}\n  security: {cors: {max_age: 10m}}\n' });
    const dir = await configDir({ 'config.yaml': 'server:\n  cors: {max_age: -1}\n' });
    findIssue(await loadIssues(dir), 'server.cors.max_age');
  });

  it("warns that Thand's top-level login, api and secret settings are ignored; other unknown top-level keys stay errors", async () => {
    const { warnings } = await warningsOf({ 'config.yaml': 'login: {endpoint: "http://localhost:9090"}\napi: {version: v1}\nsecret: changeme\n' });
    assert.deepEqual(warnings.map((w) => w.replace(/^.*config\.yaml: /, '').replace(/ \(line \d+\)$/, '')), [
      'login: Thand\'s "login" setting is not used by Lease: ignored',
      'api: Thand\'s "api" setting is not used by Lease: ignored',
      'secret: Thand\'s "secret" setting is not used by Lease: ignored',
    ]);
    assert.ok(!warnings.join('\n').includes('changeme'), 'the value of secret is never shown');
  });

  it("warns that Thand's scheduler and vault services, and unknown services, are ignored", async () => {
    const { warnings } = await warningsOf({
      'config.yaml': 'services:\n  scheduler: {provider: local}\n  vault: {provider: aws}\n  llm: {provider: gemini, model: gemini-2.0-flash, api_key: k}\n  cache: {}\n',
    });
    assert.deepEqual(warnings.map((w) => w.replace(/^.*config\.yaml: /, '').replace(/ \(line \d+\)$/, '')), [
      "services.scheduler: Thand's scheduler service is not implemented by Lease: ignored",
      "services.vault: Thand's vault service is not implemented by Lease: ignored",
      'services.cache: unknown service: ignored (check the spelling)',
    ]);
  });
});

describe('loadConfig: services.llm', () => {
  it('refuses an unknown provider and a missing model, naming the path', async () => {
    const dir = await configDir({ 'config.yaml': 'services:\n  llm: {provider: mistral, api_key: k}\n' });
    const issues = await loadIssues(dir);
    assert.match(findIssue(issues, 'services.llm.provider').message, /openai, anthropic or gemini/);
    assert.ok(findIssue(issues, 'services.llm.model'));
  });
});

describe('loadConfig: services.temporal', () => {
  const PEM = (kind: string) => `"-----BEGIN ${kind}-----\\nMIIB\\n-----END ${kind}-----"`;

  it("accepts Thand's keys (host, port, namespace, mtls_cert + mtls_key, mtls_cert_path + mtls_key_file) with the Temporal engine", async () => {
    const dir = await configDir({
      'inline.yaml': `server: {engine: temporal}\nservices:\n  temporal:\n    host: localhost\n    port: 7233\n    namespace: default\n    mtls_cert: ${PEM('CERTIFICATE')}\n    mtls_key: ${PEM('PRIVATE KEY')}\n`,
    });
    const result = await validateConfigLocation(dir, { env: {} });
    assert.deepEqual(result.issues, []);
    assert.deepEqual(result.warnings, []);
    // Thand's zero values: an empty string is "not set".
    const files = await configDir({ 'a.yaml': 'server: {engine: temporal}\nservices:\n  temporal: {host: t.internal, mtls_cert_path: client.pem, mtls_key_file: client.key, api_key: "", mtls_vault_name: ""}\n' });
    assert.deepEqual((await validateConfigLocation(files, { env: {} })).issues, []);
  });

  it('refuses a half client certificate and a vault-held key with the Temporal engine, naming the path', async () => {
    const dir = await configDir({
      'a.yaml': `server: {engine: temporal}\nservices:\n  temporal:\n    host: localhost\n    mtls_cert: ${PEM('CERTIFICATE')}\n    mtls_vault_name: arn:aws:kms:eu-west-1:1:key/x\n`,
    });
    const issues = await loadIssues(dir, { env: {} });
    assert.match(findIssue(issues, 'services.temporal.mtls_key').message, /mtls_cert and mtls_key go together/);
    assert.match(findIssue(issues, 'services.temporal.mtls_vault_name').message, /does not load the Temporal client key from a vault/);
  });

  it('with the embedded engine: says the section is not used, and its problems are warnings', async () => {
    const dir = await configDir({ 'a.yaml': 'services:\n  temporal:\n    host: localhost\n    mtls_cert_file: client.pem\n    disable_versioning: true\n' });
    const result = await validateConfigLocation(dir, { env: {} });
    assert.deepEqual(result.issues, []);
    const warnings = result.warnings.map((w) => w.replace(/^.*a\.yaml: /, '').replace(/ \(line \d+\)$/, ''));
    assert.deepEqual(warnings, [
      'services.temporal.mtls_key_file: mtls_cert_file and mtls_key_file go together (the client certificate and its private key)',
      'services.temporal: not used: server.engine is embedded (set server.engine: temporal to run workflows on Temporal)',
      'services.temporal.disable_versioning: Lease does not use worker versioning: ignored',
    ]);
  });
});

describe('loadConfig: calls that name a provider', () => {
  it('warns when a call names a provider that is not defined (Thand\'s example names `slack`)', async () => {
    const dir = await configDir({
      'w.yaml': `workflows:
  w:
    workflow:
      document: {dsl: "1.0.0-alpha5", namespace: thand, name: w, version: "1.0.0"}
      do:
        - tell:
            call: slack.postMessage
            with: {provider: slack, to: C0123, message: {text: hi}}
        - later:
            thand: approvals
            with:
              notifiers:
                mail: {provider: email, to: ops@example.com}
        - dynamic:
            call: thand.notify
            with: {provider: '\${ .provider }'}
`,
    });
    const result = await validateConfigLocation(dir, { env: {} });
    assert.deepEqual(result.issues, []);
    assert.deepEqual(result.warnings.map((w) => w.replace(/^.*w\.yaml: /, '')), [
      'workflows.w.workflow.do[0].tell.with.provider: slack.postMessage names provider "slack", which is not defined: the call cannot reach it (line 8)',
      'workflows.w.workflow.do[1].later.with.notifiers.mail.provider: thand.approvals names provider "email", which is not defined: the call cannot reach it (line 13)',
    ]);
  });
});
