// Provider types → factories, and configured providers → instances. The config loader asks it
// which schema validates `providers.<id>.config`; the server asks it for the instances.
// A type's factory module is imported only when a provider of that type is configured: the
// server must start fast, and some types bring a large library (SAML's XML stack alone is
// about 150 modules). So the registry knows each type by name and a loader; the server
// assembles the built-in ones (server/provider-types.ts), so providers/ imports no provider type.
import type { z } from 'zod';
import { ProviderConfigInvalid, ProviderTypeConflict, ProviderTypeMismatch } from './errors.js';
import type { AgentBinding, Capability, ProviderDeps, ProviderFactory, ProviderInstance } from './provider.js';
import { RemoteAccessProvider, type HostChannel, type HostTaskTransport } from './remote/index.js';
import { traceProviderCalls } from './traced-access.js';

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

/**
 * A provider type as the registry knows it before its module is loaded: its names and
 * capabilities, and how to load its factory (a dynamic `import()` of the provider's folder).
 */
export interface ProviderType {
  type: string;
  /** Alternative type names accepted in config; the loaded factory must declare the same. */
  aliases?: string[];
  /** What it can do; the loaded factory must declare the same. */
  capabilities: Capability[];
  load(): Promise<ProviderFactory>;
}


export class ProviderRegistry {
  private readonly byName = new Map<string, ProviderType>();
  private readonly loaded = new Map<ProviderType, Promise<ProviderFactory>>();

  /** Adds a factory (loaded already) under its type and aliases; a name already taken is a ProviderTypeConflict. */
  register<C>(factory: ProviderFactory<C>): this {
    return this.define({ type: factory.type, ...(factory.aliases ? { aliases: factory.aliases } : {}), capabilities: factory.capabilities, load: () => Promise.resolve(factory as ProviderFactory) });
  }

  /** Adds a type whose factory is loaded on first use; a name already taken is a ProviderTypeConflict. */
  define(type: ProviderType): this {
    const names = [type.type, ...(type.aliases ?? [])];
    for (const name of names) if (this.byName.has(name)) throw new ProviderTypeConflict(name);
    for (const name of names) this.byName.set(name, type);
    return this;
  }

  /** Every type name and alias (of the types with `capability`, if given), without loading anything. */
  names(capability?: Capability): string[] {
    return [...this.byName].filter(([, type]) => capability === undefined || type.capabilities.includes(capability)).map(([name]) => name);
  }

  /**
   * The factories of `types` (names or aliases; default: every type), keyed by each of their
   * names. Only those types' modules are loaded; a name no type has is left out.
   */
  async factories(types: Iterable<string> = this.byName.keys()): Promise<Map<string, ProviderFactory>> {
    const wanted = new Set<ProviderType>();
    for (const name of types) {
      const type = this.byName.get(name);
      if (type) wanted.add(type);
    }
    const factories = new Map<string, ProviderFactory>();
    for (const type of wanted) {
      const factory = await this.load(type);
      for (const name of [type.type, ...(type.aliases ?? [])]) factories.set(name, factory);
    }
    return factories;
  }

  /**
   * One instance per entry, keyed by provider id. An unknown type yields an instance with no
   * capabilities, so the server still starts and policy refuses requests on it by name.
   */
  async create(entries: Iterable<ProviderConfigEntry>, deps: Omit<ProviderDeps, 'configDir'> & HostTransports): Promise<Map<string, ProviderInstance>> {
    const list = [...entries];
    const factories = await this.factories(list.map((entry) => entry.provider));
    const instances = new Map<string, ProviderInstance>();
    for (const entry of list) {
      if (instances.has(entry.id)) throw new ProviderConfigInvalid(`provider id ${JSON.stringify(entry.id)} is declared twice`, `providers.${entry.id}`);
      instances.set(entry.id, traceProviderCalls(await this.createOne(entry, factories.get(entry.provider), { ...deps, configDir: entry.configDir })));
    }
    return instances;
  }

  private load(type: ProviderType): Promise<ProviderFactory> {
    let factory = this.loaded.get(type);
    if (!factory) {
      factory = type.load().then((loaded) => {
        // Names and capabilities are known before the module is loaded: they must agree.
        const declared = `${[type.type, ...(type.aliases ?? [])].sort().join(',')} (${[...type.capabilities].sort().join(',')})`;
        const actual = `${[loaded.type, ...(loaded.aliases ?? [])].sort().join(',')} (${[...loaded.capabilities].sort().join(',')})`;
        if (declared !== actual) throw new ProviderTypeMismatch(declared, actual);
        return loaded;
      });
      this.loaded.set(type, factory);
    }
    return factory;
  }

  private async createOne(entry: ProviderConfigEntry, factory: ProviderFactory | undefined, deps: ProviderDeps & HostTransports): Promise<ProviderInstance> {
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
    const args = { id: entry.id, name: entry.name, enabled: entry.enabled, config: parsed.data, deps };
    return factory.open ? await factory.open(args) : factory.create(args);
  }
}
