// Loads a config location (a file or a directory of YAML files) into a LoadedConfig. Every
// step records its problems in one IssueLog; they are reported together at the end, so a
// person sees the whole list at once. The steps, in order:
//   read files → expand {path} references → check shapes → merge by key → server settings →
//   provider configs → workflow documents → cross-references → inheritance cycles → resolve roles.
import { dirname, resolve } from 'node:path';
import type { ProviderFactory } from '../providers/index.js';
import { listConfigFiles } from './config-files.js';
import { readConfigDocument, type ConfigDocument, type ReadContext } from './config-document.js';
import { checkCrossReferences } from './cross-references.js';
import { reportInheritanceCycles, resolveRoles } from './inheritance.js';
import { ConfigError, formatIssue, IssueLog } from './issues.js';
import { mergeDocuments, type MergedConfig, type Sourced } from './merge.js';
import { PrincipalResolver } from './principals.js';
import { checkProviderConfigs, checkRoleResources } from './provider-config.js';
import { checkServerSettings } from './settings.js';
import { expandSectionReferences } from './section-reference.js';
import type { EntryKind, LoadedConfig, LoadedProvider, LoadedWorkflow, LoadOptions } from './types.js';
import { validateDocument } from './validate-document.js';
import { checkWorkflowDocuments } from './workflow-documents.js';
import type { YamlSource } from './yaml-source.js';

/** Loads and checks the config; throws ConfigError listing every problem. */
export async function loadConfig(location: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  const { config, log } = await collectConfig(location, options);
  if (log.errors.length > 0) throw new ConfigError(log.errors);
  return config;
}

/** Runs every step whatever the problems found, and returns the config with its log. */
export async function collectConfig(location: string, options: LoadOptions = {}): Promise<{ config: LoadedConfig; log: IssueLog }> {
  const sources = new Map<string, YamlSource>();
  const log = new IssueLog((file, path) => sources.get(file)?.lineOf(path));
  const ctx: ReadContext = { log, env: options.env ?? process.env, sources, loaded: new Set(), location: new Set(), files: [] };

  const docs = await readLocation(location, ctx);
  const merged = mergeDocuments(docs.map((doc) => validateDocument(doc, log)), log);
  checkServerSettings(merged, log);
  const { factories, identityTypes } = await providerFactories(merged, options);
  checkProviderConfigs(merged.providers, factories, log, merged.server?.value?.engine ?? 'embedded');
  checkRoleResources(merged.roles, factories, log);
  checkWorkflowDocuments(merged.workflows, options.validateWorkflow, log);
  checkCrossReferences(merged, log);
  reportInheritanceCycles(merged.roles, log);

  return { config: buildLoadedConfig(merged, ctx.files, PrincipalResolver.fromProviders(merged.providers, factories, log, identityTypes), log), log };
}

/** From the registry: the factories of the provider types the config names, and every identity type's name. */
async function providerFactories(merged: MergedConfig, options: LoadOptions): Promise<{ factories?: ReadonlyMap<string, ProviderFactory>; identityTypes?: string[] }> {
  const source = options.providerFactories;
  if (source === undefined || !('factories' in source)) return source === undefined ? {} : { factories: source };
  const types = new Set([...merged.providers.values()].flatMap(({ value }) => (value ? [value.provider] : [])));
  return { factories: await source.factories(types), identityTypes: source.names('identity') };
}

async function readLocation(location: string, ctx: ReadContext): Promise<ConfigDocument[]> {
  const listed = await listConfigFiles(location);
  if ('problem' in listed) {
    ctx.log.error(location, [], listed.problem);
    return [];
  }
  for (const file of listed.files) ctx.location.add(resolve(file));
  const docs: ConfigDocument[] = [];
  for (const file of listed.files) {
    const doc = await readConfigDocument(file, ctx);
    if (doc) docs.push(doc);
  }
  // References are expanded after the whole location is read, so a referenced file that is
  // also part of the location is recognised as such.
  const expanded: ConfigDocument[] = [];
  for (const doc of docs) expanded.push(...(await expandSectionReferences(doc, ctx)));
  return expanded;
}

const RESERVED_PROVIDER_ID = 'lease';

function buildLoadedConfig(merged: MergedConfig, files: string[], principals: PrincipalResolver, log: IssueLog): LoadedConfig {
  const providers = new Map<string, LoadedProvider>();
  for (const [id, { file, value }] of merged.providers) {
    // `lease` names Lease itself in identities and the audit (`lease:on-call:<provider>`, the
    // actor of its own steps): a provider of that id could pass for it.
    if (id === RESERVED_PROVIDER_ID) {
      log.error(file, ['providers', id], `"${RESERVED_PROVIDER_ID}" is reserved for Lease itself: give this provider another id`);
      continue;
    }
    if (value) providers.set(id, { ...value, name: value.name ?? id, id, configDir: resolve(dirname(file)) });
  }
  const workflows = new Map<string, LoadedWorkflow>();
  for (const [id, { value }] of merged.workflows) if (value) workflows.set(id, { ...value, id });
  const services: Record<string, Record<string, unknown>> = {};
  for (const [id, { value }] of merged.services) if (value) services[id] = value;

  const sourceMaps: Record<EntryKind, ReadonlyMap<string, Sourced<unknown>>> = {
    role: merged.roles,
    provider: merged.providers,
    workflow: merged.workflows,
    service: merged.services,
  };
  return {
    files,
    roles: resolveRoles(merged.roles, principals),
    providers,
    workflows,
    server: merged.server?.value ?? {},
    admins: merged.server?.value?.admins ? principals.resolve(merged.server.value.admins, merged.server.file, ['server', 'admins']) : [],
    logging: merged.logging?.value ?? {},
    services,
    environment: merged.environment?.value ?? { platform: 'local' },
    audit: { ...(merged.audit?.value ?? {}), configDir: merged.audit ? resolve(dirname(merged.audit.file)) : undefined },
    warnings: log.warnings.map(formatIssue),
    sourceOf: (kind, id) => sourceMaps[kind].get(id)?.file,
  };
}
