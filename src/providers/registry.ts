// Provider types → factories, and configured providers → instances. The config loader asks it
// which schema validates `providers.<id>.config`; the server asks it for the instances.
import type { z } from 'zod';
import { googleOAuth2IdentityFactory, localIdentityFactory, oauth2IdentityFactory, oidcIdentityFactory, samlIdentityFactory } from '../identity/index.js';
import { ProviderConfigInvalid, ProviderTypeConflict } from './errors.js';
import type { AgentBinding, ProviderDeps, ProviderFactory, ProviderInstance } from './provider.js';
import { RemoteAccessProvider, type HostChannel, type HostTaskTransport } from './remote/index.js';
import { sudoProviderFactory } from './sudo/index.js';
import { webhookProviderFactory } from './webhook/index.js';

/**
 * Where providers bound to a host agent are dispatched: `hosts` (the server channel) and, with
 * server.engine temporal, `temporalHosts` (per-host task queues, remote/temporal/).
 */
export interface HostTransports {
  hosts?: HostChannel;
  temporalHosts?: HostTaskTransport & { bind(providerId: string, binding: Extract<AgentBinding, { transport: 'temporal' }>): void };
}

/** One entry of the providers file, as the config loader hands it over. */
export interface ProviderConfigEntry {
  id: string;
  name: string;
  /** The provider type (or one of its aliases). */
  provider: string;
  enabled: boolean;
  /** `providers.<id>.config` as written; validated again here with the factory's schema. */
  config: unknown;
  /** Directory of the file that declared it. */
  configDir: string;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(config)'}: ${i.message}`).join('; ');
}

export class ProviderRegistry {
  private readonly byType = new Map<string, ProviderFactory>();

  /** Adds a factory under its type and aliases; a name already taken is a ProviderTypeConflict. */
  register<C>(factory: ProviderFactory<C>): this {
    const names = [factory.type, ...(factory.aliases ?? [])];
    for (const name of names) if (this.byType.has(name)) throw new ProviderTypeConflict(name);
    for (const name of names) this.byType.set(name, factory as ProviderFactory);
    return this;
  }

  /** Factories keyed by type and by alias (the same factory appears under each name). */
  factories(): Map<string, ProviderFactory> {
    return new Map(this.byType);
  }

  /**
   * One instance per entry, keyed by provider id. An unknown type yields an instance with no
   * capabilities, so the server still starts and policy refuses requests on it by name.
   */
  create(entries: Iterable<ProviderConfigEntry>, deps: Omit<ProviderDeps, 'configDir'> & HostTransports): Map<string, ProviderInstance> {
    const instances = new Map<string, ProviderInstance>();
    for (const entry of entries) {
      if (instances.has(entry.id)) throw new ProviderConfigInvalid(`provider id ${JSON.stringify(entry.id)} is declared twice`, `providers.${entry.id}`);
      instances.set(entry.id, this.createOne(entry, { ...deps, configDir: entry.configDir }));
    }
    return instances;
  }

  private createOne(entry: ProviderConfigEntry, deps: ProviderDeps & HostTransports): ProviderInstance {
    const factory = this.byType.get(entry.provider);
    if (factory === undefined) {
      return { id: entry.id, type: entry.provider, name: entry.name, enabled: entry.enabled, implemented: false, capabilities: [] };
    }
    const parsed = factory.configSchema.safeParse(entry.config ?? {});
    if (!parsed.success) {
      throw new ProviderConfigInvalid(
        `provider ${JSON.stringify(entry.id)} (type ${factory.type}) has an invalid config: ${describeIssues(parsed.error)}`,
        `providers.${entry.id}.config`,
      );
    }
    // Bound to a host agent (`agent: <host>`): the host runs it; here it is dispatched to the host.
    const binding = factory.agentBinding?.(parsed.data);
    if (binding?.transport === 'temporal') {
      if (deps.temporalHosts === undefined) {
        throw new ProviderConfigInvalid(`provider ${JSON.stringify(entry.id)}: agent_transport: temporal needs server.engine: temporal`, `providers.${entry.id}.config.agent_transport`);
      }
      deps.temporalHosts.bind(entry.id, binding);
      const access = new RemoteAccessProvider(entry.id, factory.type, binding, deps.temporalHosts);
      return { id: entry.id, type: factory.type, name: entry.name, enabled: entry.enabled, capabilities: ['access'], access };
    }
    if (binding !== undefined) {
      if (deps.hosts === undefined) {
        throw new ProviderConfigInvalid(`provider ${JSON.stringify(entry.id)} runs on host agent ${JSON.stringify(binding.host)}, which this process cannot reach`, `providers.${entry.id}.config.agent`);
      }
      deps.hosts.bind(entry.id, binding);
      const access = new RemoteAccessProvider(entry.id, factory.type, binding, deps.hosts);
      return { id: entry.id, type: factory.type, name: entry.name, enabled: entry.enabled, capabilities: ['access'], access };
    }
    return factory.create({ id: entry.id, name: entry.name, enabled: entry.enabled, config: parsed.data, deps });
  }
}

/** The registry with every built-in provider type. */
export function defaultRegistry(): ProviderRegistry {
  return new ProviderRegistry().register(sudoProviderFactory).register(localIdentityFactory).register(oidcIdentityFactory).register(samlIdentityFactory).register(webhookProviderFactory).register(oauth2IdentityFactory).register(googleOAuth2IdentityFactory);
}
