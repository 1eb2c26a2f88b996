// Users and groups named in config resolve to (identity provider, name): bare names mean the
// identity provider declared first; e-mails cross identity providers only where trusted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityMatches, type Identity } from '../core/index.js';
import { defaultRegistry } from '../server/provider-types.js';
import { ConfigError, loadConfig, validateConfigLocation, type LoadOptions } from './index.js';

const OPTIONS: LoadOptions = { env: {}, providerFactories: defaultRegistry() };
const HASH = 'scrypt$16384$8$1$65iDEBfnEdPS6nUwFf8Sng==$C0k/3CMPNCp39aEZ46Tw8vMOnGlKG8W/WisOtFvQ+VY=';

let root: string;
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-principals-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const TWO_LOCALS = `providers:
  staff:
    name: Staff
    provider: local
    config: { users: { erin: { password_hash: '${HASH}', email: erin@example.com } } }
  partner:
    name: Partner
    provider: local
    config: { users: { erin: { password_hash: '${HASH}' } } }
  box:
    name: Box
    provider: sudo
    config: { sudoers_dir: /tmp/lease-principals-test }
`;

async function write(yaml: string): Promise<string> {
  const file = join(root, `config-${++counter}.yaml`);
  await writeFile(file, `version: "1.0"\n${yaml}`);
  return file;
}

function person(provider: string, id: string, extra: Partial<Identity> = {}): Identity {
  return { id, groups: [], provider, provider_type: 'local', ...extra };
}

describe('principals in config', () => {
  it('a bare name means that name at the identity provider declared first, and says so when there are several', async () => {
    const file = await write(`${TWO_LOCALS}server:\n  admins: { users: [erin], groups: [ops] }\n`);
    const result = await validateConfigLocation(file, OPTIONS);
    assert.equal(result.ok, true);
    assert.ok(result.warnings.some((w) => w.includes('server.admins.users[0]') && w.includes('staff:erin')), result.warnings.join('\n'));
    assert.ok(result.warnings.some((w) => w.includes('server.admins.groups[0]') && w.includes('staff:ops')));
    const config = await loadConfig(file, OPTIONS);
    assert.ok(identityMatches(person('staff', 'erin'), config.admins));
    assert.ok(!identityMatches(person('partner', 'erin'), config.admins), 'the same user name at another identity provider is another person');
    assert.ok(!identityMatches(person('partner', 'x', { groups: ['ops'] }), config.admins), 'so is the same group name');
  });

  it('<provider>:<name> names that identity provider, by id or by its only provider of a type', async () => {
    const file = await write(`${TWO_LOCALS}server:\n  admins: { users: ['partner:erin'] }\n`);
    const result = await validateConfigLocation(file, OPTIONS);
    assert.deepEqual(result.warnings, []);
    const config = await loadConfig(file, OPTIONS);
    assert.ok(identityMatches(person('partner', 'erin'), config.admins));
    assert.ok(!identityMatches(person('staff', 'erin'), config.admins));
  });

  it('a prefix naming an identity type or a provider that is no configured identity provider matches no one', async () => {
    const file = await write(`${TWO_LOCALS}roles:
  r:
    name: R
    description: d
    providers: [box]
    scopes: { groups: ['oidc:eng', 'box:ops'], users: ['urn:x:erin'] }
`);
    const result = await validateConfigLocation(file, OPTIONS);
    assert.ok(result.warnings.some((w) => w.includes('roles.r.scopes.groups[0]: "oidc:eng" matches no one: no identity provider "oidc"')), result.warnings.join('\n'));
    assert.ok(result.warnings.some((w) => w.includes('roles.r.scopes.groups[1]: "box:ops" matches no one')));
    const config = await loadConfig(file, OPTIONS);
    assert.deepEqual(config.roles.get('r')?.requesters, [{ provider: 'staff', user: 'urn:x:erin' }], 'any other prefix is part of a bare name');
  });

  it('refuses a provider type that names several identity providers', async () => {
    const file = await write(`${TWO_LOCALS}roles:
  r:
    name: R
    description: d
    providers: [box]
    scopes: { groups: ['local:ops'] }
`);
    await assert.rejects(loadConfig(file, OPTIONS), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /roles\.r\.scopes\.groups\[0\]: "local" is the type of several identity providers \(staff, partner\)/);
      return true;
    });
  });

  it('with one identity provider, bare names are plain (no warning) and keep matching as before', async () => {
    const file = await write(`providers:
  local:
    name: Local
    provider: local
    config: { users: { bob: { password_hash: '${HASH}', email: bob@example.com } } }
server:
  admins: { users: [bob, carol@example.com] }
`);
    const result = await validateConfigLocation(file, OPTIONS);
    assert.deepEqual(result.warnings, []);
    const config = await loadConfig(file, OPTIONS);
    assert.ok(identityMatches(person('local', 'bob'), config.admins));
    assert.ok(identityMatches(person('local', 'c', { email: 'Carol@example.com', email_verified: true }), config.admins));
    assert.ok(!identityMatches(person('local', 'c', { email: 'carol@example.com' }), config.admins), 'an unverified address matches no one');
  });

  it('an e-mail matches at another identity provider only when that provider has trust_email', async () => {
    const oidc = (trust: boolean) => `providers:
  staff:
    name: Staff
    provider: local
    config: { users: {} }
  corp:
    name: Corp
    provider: oidc
    config: { issuer: https://idp.example.com, client_id: lease${trust ? ', trust_email: true' : ''} }
roles:
  r:
    name: R
    description: d
    scopes: { users: [ops@example.com, 'staff:lead@example.com'] }
`;
    const carolAtCorp = { ...person('corp', 'sub-123', { email: 'ops@example.com', email_verified: true }), provider_type: 'oidc' };
    const untrusted = await loadConfig(await write(oidc(false)), OPTIONS);
    assert.ok(!identityMatches(carolAtCorp, untrusted.roles.get('r')!.requesters));
    const trusted = await loadConfig(await write(oidc(true)), OPTIONS);
    assert.ok(identityMatches(carolAtCorp, trusted.roles.get('r')!.requesters));
    assert.ok(!identityMatches({ ...carolAtCorp, email_verified: false }, trusted.roles.get('r')!.requesters));
    assert.ok(
      !identityMatches({ ...carolAtCorp, email: 'lead@example.com' }, trusted.roles.get('r')!.requesters),
      'an address written with its provider stays on that provider',
    );
  });

  it('approvers resolve the same way; an approval rule with a misspelt key or no approvers is refused', async () => {
    const role = (approvals: string) => `${TWO_LOCALS}roles:
  r:
    name: R
    description: d
    providers: [box]
    approvals: ${approvals}
`;
    const config = await loadConfig(await write(role(`{ approvers: { users: ['partner:erin'] }, required: 2 }`)), OPTIONS);
    assert.deepEqual(config.roles.get('r')?.approvals, {
      stages: [{ name: 'stage 1', approvers: [{ provider: 'partner', user: 'erin' }], required: 2 }],
      approvers: [{ provider: 'partner', user: 'erin' }],
      required: 2,
      timeoutMs: undefined,
    });
    await assert.rejects(loadConfig(await write(role(`{ approvers: { users: [erin] }, requried: 2 }`)), OPTIONS), /roles\.r\.approvals\.requried: unknown key/);
    await assert.rejects(loadConfig(await write(role(`{ approvers: {} }`)), OPTIONS), /roles\.r\.approvals\.approvers: name at least one approver/);
    await assert.rejects(loadConfig(await write(role(`{ approvers: { users: [erin] }, required: 0 }`)), OPTIONS), /roles\.r\.approvals\.required/);
  });

  it('stages resolve in order with a timeout; bad stages and timeouts are refused with file and path', async () => {
    const role = (approvals: string) => `${TWO_LOCALS}roles:
  r:
    name: R
    description: d
    providers: [box]
    approvals: ${approvals}
`;
    const config = await loadConfig(await write(role(`{ stages: [{ name: lead, approvers: { users: [erin] } }, { approvers: { groups: ['partner:sec'] }, required: 2 }], timeout: 24h }`)), OPTIONS);
    const approvals = config.roles.get('r')?.approvals;
    assert.deepEqual(approvals?.stages.map((s) => [s.name, s.required]), [['lead', 1], ['stage 2', 2]]);
    assert.equal(approvals?.required, 3);
    assert.equal(approvals?.timeoutMs, 24 * 3_600_000);
    await assert.rejects(loadConfig(await write(role(`{ stages: [{ approvers: { users: [erin] } }], timeout: soon }`)), OPTIONS), /\.yaml: roles\.r\.approvals\.timeout: "soon" is not a positive duration/);
    await assert.rejects(loadConfig(await write(role(`{ stages: [] }`)), OPTIONS), /roles\.r\.approvals\.stages: name at least one stage/);
    await assert.rejects(loadConfig(await write(role(`{ stages: [{ approvers: {} }] }`)), OPTIONS), /roles\.r\.approvals\.stages\[0\]\.approvers: name at least one approver/);
    await assert.rejects(loadConfig(await write(role(`{ stages: [{ approvers: { users: [erin] }, requird: 1 }] }`)), OPTIONS), /roles\.r\.approvals\.stages\[0\]\.requird: unknown key/);
    await assert.rejects(loadConfig(await write(role(`{ approvers: { users: [erin] }, stages: [{ approvers: { users: [erin] } }] }`)), OPTIONS), /roles\.r\.approvals\.stages: "approvers" and "stages" cannot both be given/);
  });

  it('warns when a role names approvers and its workflow never asks for approval', async () => {
    const file = await write(`providers:
  local: { name: Local, provider: local, config: { users: {} } }
  box: { name: Box, provider: sudo, config: { sudoers_dir: /tmp/lease-principals-test } }
workflows:
  straight:
    workflow:
      document: { dsl: "1.0.0", namespace: t, name: straight, version: "1" }
      do:
        - authorize: { call: lease.authorize }
  asks:
    workflow:
      document: { dsl: "1.0.0", namespace: t, name: asks, version: "1" }
      do:
        - wait: { listen: { to: { one: { with: { type: com.thand.approval } } } } }
        - authorize: { thand: authorize }
roles:
  careless:
    name: Careless
    description: d
    workflow: straight
    providers: [box]
    approvals: { approvers: { users: [bob] } }
  careful:
    name: Careful
    description: d
    workflow: asks
    providers: [box]
    approvals: { approvers: { users: [bob] } }
`);
    const result = await validateConfigLocation(file, OPTIONS);
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.warnings.filter((w) => w.includes('never asks for approval')).map((w) => w.split(': ')[1]),
      ['roles.careless.workflow'],
    );
  });
});
