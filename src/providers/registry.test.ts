import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { hashPassword } from '../identity/index.js';
import type { IdentityProviderInstance } from '../identity/index.js';
import { ProviderConfigInvalid, ProviderTypeConflict, ProviderTypeMismatch } from './errors.js';
import type { ProviderFactory } from './provider.js';
import { defaultRegistry } from '../server/provider-types.js';
import { ProviderRegistry } from './registry.js';
import { SudoAccessProvider } from './sudo/index.js';
import { silentLogger, ManualClock } from '../core/index.js';
import { credentialSha256, HostChannel, RemoteAccessProvider } from './remote/index.js';
import type { Store } from '../store/index.js';

const entry = (over: Partial<{ id: string; provider: string; config: unknown; enabled: boolean }>) => ({
  id: 'p1',
  name: 'Provider one',
  provider: 'sudo',
  enabled: true,
  config: {},
  configDir: '/etc/lease',
  ...over,
});

const fakeFactory: ProviderFactory<{ dir: string }> = {
  type: 'fake',
  aliases: ['thand-fake'],
  capabilities: [],
  configSchema: z.strictObject({ dir: z.string().default('x') }),
  create: ({ id, name, enabled, config, deps }) => ({ id, type: 'fake', name: `${name}|${config.dir}|${deps.configDir}|${deps.dataDir}`, enabled, capabilities: [] }),
};

describe('provider registry', () => {
  test('the default registry knows sudo, azure, aws, gcp, postgresql (alias postgres), ssh, github, okta, kubernetes, terraform, salesforce, local, oidc, saml, webhook, email, slack, teams, pagerduty, opsgenie, oauth2 and oauth2.google', () => {
    assert.deepEqual(defaultRegistry().names().sort(), ['aws', 'azure', 'email', 'gcp', 'github', 'kubernetes', 'local', 'oauth2', 'oauth2.google', 'oidc', 'okta', 'opsgenie', 'pagerduty', 'postgres', 'postgresql', 'salesforce', 'saml', 'slack', 'ssh', 'sudo', 'teams', 'terraform', 'webhook']);
    assert.deepEqual(defaultRegistry().names('identity').sort(), ['local', 'oauth2', 'oauth2.google', 'oidc', 'saml']);
  });

  test('each built-in type loads a factory of that type, under the names and with the capabilities declared for it', async () => {
    const factories = await defaultRegistry().factories();
    assert.deepEqual([...factories.keys()].sort(), ['aws', 'azure', 'email', 'gcp', 'github', 'kubernetes', 'local', 'oauth2', 'oauth2.google', 'oidc', 'okta', 'opsgenie', 'pagerduty', 'postgres', 'postgresql', 'salesforce', 'saml', 'slack', 'ssh', 'sudo', 'teams', 'terraform', 'webhook']);
    for (const [name, factory] of factories) assert.ok(name === factory.type || factory.aliases?.includes(name), name);
  });

  test('lists factories under their type and aliases', async () => {
    const factories = await new ProviderRegistry().register(fakeFactory).factories();
    assert.equal(factories.get('fake'), factories.get('thand-fake'));
  });

  test('loads only the factories of the types asked for, once', async () => {
    let loads = 0;
    const registry = new ProviderRegistry().define({ type: 'fake', aliases: ['thand-fake'], capabilities: [], load: () => (loads++, Promise.resolve(fakeFactory as ProviderFactory)) });
    registry.define({ type: 'never', capabilities: [], load: () => Promise.reject(new Error('not configured, so never loaded')) });
    assert.deepEqual([...(await registry.factories(['thand-fake', 'unknown'])).keys()].sort(), ['fake', 'thand-fake']);
    await registry.create([entry({ id: 'a', provider: 'fake' })], { dataDir: '.lease' });
    assert.equal(loads, 1);
  });

  test('refuses a loaded factory whose names or capabilities differ from those declared for its type', async () => {
    const withoutAlias = new ProviderRegistry().define({ type: 'fake', capabilities: [], load: () => Promise.resolve(fakeFactory as ProviderFactory) });
    await assert.rejects(withoutAlias.factories(['fake']), ProviderTypeMismatch);
    const otherCapability = new ProviderRegistry().define({ type: 'fake', aliases: ['thand-fake'], capabilities: ['identity'], load: () => Promise.resolve(fakeFactory as ProviderFactory) });
    await assert.rejects(otherCapability.factories(['fake']), ProviderTypeMismatch);
  });

  test('refuses a type or alias registered twice', () => {
    assert.throws(() => new ProviderRegistry().register(fakeFactory).register({ ...fakeFactory, type: 'other' }), ProviderTypeConflict);
  });

  test('creates instances keyed by id, with parsed config and per-entry deps', async () => {
    const instances = await new ProviderRegistry().register(fakeFactory).create([entry({ id: 'a', provider: 'thand-fake' })], { dataDir: '/var/lib/lease' });
    assert.equal(instances.get('a')?.name, 'Provider one|x|/etc/lease|/var/lib/lease');
  });

  test('creates a sudo access provider and a local identity provider', async () => {
    const hash = await hashPassword('pw');
    const instances = await defaultRegistry().create(
      [entry({ id: 'host' }), entry({ id: 'break-glass', provider: 'local', config: { users: { alice: { password_hash: hash } } } })],
      { dataDir: '.lease' },
    );
    assert.ok(instances.get('host')?.access instanceof SudoAccessProvider);
    const local = instances.get('break-glass') as IdentityProviderInstance;
    assert.deepEqual(local.capabilities, ['identity']);
    assert.equal(local.identity.kind, 'password');
    if (local.identity.kind === 'password') assert.equal((await local.identity.authenticate('alice', 'pw')).provider, 'break-glass');
  });

  test('an unknown type yields an instance marked not implemented, with no capabilities, so the server still starts', async () => {
    const instance = (await defaultRegistry().create([entry({ id: 'crm', provider: 'servicenow', config: { instance: 'example.service-now.com' } })], { dataDir: '.lease' })).get('crm');
    assert.deepEqual(instance, { id: 'crm', type: 'servicenow', name: 'Provider one', enabled: true, implemented: false, capabilities: [] });
  });

  test('creates an aws access provider without calling AWS (its SDK loads on first use)', async () => {
    const instance = (await defaultRegistry().create([entry({ id: 'aws', provider: 'aws', config: { region: 'eu-west-1' } })], { dataDir: '.lease' })).get('aws');
    assert.deepEqual(instance?.capabilities, ['access']);
    assert.equal(instance?.access?.type, 'aws');
    assert.equal(typeof instance?.access?.credentials, 'function');
  });

  test('an invalid config names the provider and the path inside its config', async () => {
    await assert.rejects(
      defaultRegistry().create([entry({ id: 'host', config: { sudoers_dir: 7 } })], { dataDir: '.lease' }),
      (err: unknown) => err instanceof ProviderConfigInvalid && err.field === 'providers.host.config' && /sudoers_dir/.test(err.message),
    );
  });

  test('refuses the same provider id twice', async () => {
    await assert.rejects(defaultRegistry().create([entry({}), entry({})], { dataDir: '.lease' }), ProviderConfigInvalid);
  });

  describe('a sudo provider bound to a host agent', () => {
    const hash = credentialSha256('lhc_secret');
    const hosts = () => new HostChannel({ store: {} as Store, clock: new ManualClock(), logger: silentLogger });

    test('becomes a remote provider and registers the host credential', async () => {
      const channel = hosts();
      const instance = (await defaultRegistry().create([entry({ id: 'laptop', config: { agent: 'laptop-42', agent_credential_sha256: hash, accounts: { alice: 'asmith' } } })], { dataDir: '.lease', hosts: channel })).get('laptop');
      assert.ok(instance?.access instanceof RemoteAccessProvider);
      assert.deepEqual((instance.access as RemoteAccessProvider).binding, { host: 'laptop-42', transport: 'server', credentialSha256: hash, settings: { accounts: { alice: 'asmith' }, run_as: 'ALL', nopasswd: true } });
      assert.deepEqual(channel.credentials.hosts(), ['laptop-42']);
    });

    test('needs the credential hash, and leaves sudoers_dir and visudo to the host', async () => {
      for (const config of [
        { agent: 'laptop-42' },
        { agent: 'laptop-42', agent_credential_sha256: hash, sudoers_dir: '/etc/cron.d' },
        { agent: 'laptop-42', agent_credential_sha256: hash, visudo: false },
        { agent_credential_sha256: hash },
        { agent: 'bad host/..', agent_credential_sha256: hash },
      ]) {
        await assert.rejects(defaultRegistry().create([entry({ id: 'laptop', config })], { dataDir: '.lease', hosts: hosts() }), ProviderConfigInvalid, JSON.stringify(config));
      }
    });

    describe('with agent_transport: temporal', () => {
      const temporalHosts = () => {
        const bound: Array<[string, unknown]> = [];
        return { bound, bind: (id: string, binding: unknown) => void bound.push([id, binding]), run: () => Promise.resolve(null) };
      };

      test('is dispatched to the Temporal transport, with no host credential', async () => {
        const channel = hosts();
        const temporal = temporalHosts();
        const config = { agent: 'laptop-42', agent_transport: 'temporal', agent_payload_key_file: '/etc/lease/laptop.jwk' };
        const instance = (await defaultRegistry().create([entry({ id: 'laptop', config })], { dataDir: '.lease', hosts: channel, temporalHosts: temporal })).get('laptop');
        assert.ok(instance?.access instanceof RemoteAccessProvider);
        assert.deepEqual(temporal.bound, [['laptop', { host: 'laptop-42', transport: 'temporal', payloadKeyFile: '/etc/lease/laptop.jwk', settings: { accounts: {}, run_as: 'ALL', nopasswd: true } }]]);
        assert.deepEqual(channel.credentials.hosts(), [], 'the server channel knows nothing of this host');
      });

      test('is refused without the Temporal engine, naming agent_transport', async () => {
        await assert.rejects(
          defaultRegistry().create([entry({ id: 'laptop', config: { agent: 'laptop-42', agent_transport: 'temporal' } })], { dataDir: '.lease', hosts: hosts() }),
          (err: unknown) => err instanceof ProviderConfigInvalid && err.field === 'providers.laptop.config.agent_transport',
        );
      });

      test('refuses agent_transport without agent, and a payload key file on the server transport', async () => {
        for (const config of [{ agent_transport: 'temporal' }, { agent: 'laptop-42', agent_credential_sha256: hash, agent_payload_key_file: '/k.jwk' }, { agent: 'laptop-42', agent_transport: 'carrier-pigeon' }]) {
          await assert.rejects(defaultRegistry().create([entry({ id: 'laptop', config })], { dataDir: '.lease', hosts: hosts(), temporalHosts: temporalHosts() }), ProviderConfigInvalid, JSON.stringify(config));
        }
      });
    });

    test('is refused where no host channel exists', async () => {
      await assert.rejects(defaultRegistry().create([entry({ id: 'laptop', config: { agent: 'laptop-42', agent_credential_sha256: hash } })], { dataDir: '.lease' }), ProviderConfigInvalid);
    });
  });
});
