// Reloading the configuration in a running server (SIGHUP). Roles and workflows are swapped in
// place: every service reads them through the same maps, so the next request sees the new ones
// (a running workflow keeps the document it started with). Anything else — providers and
// identity providers, server listen/store/engine settings, services, logging, audit — is built
// once at start: a change there is refused and named, and the running configuration stays. A
// configuration that does not load is refused the same way, each problem logged as
// FILE: PATH: MESSAGE.
import { ConfigError, formatIssue, type LoadedConfig } from '../config/index.js';
import type { Logger } from '../core/index.js';
import type { Store } from '../store/index.js';

export type ReloadOutcome =
  | { applied: true; roles: number; workflows: number }
  | { applied: false; reason: 'invalid'; problems: string[] }
  | { applied: false; reason: 'needs_restart'; changed: string[] };

export interface ConfigReloadDeps {
  /** The configuration the server runs with; its roles and workflows are replaced in place. */
  current: LoadedConfig;
  /** Loads and validates the configuration from its files again. */
  load: () => Promise<LoadedConfig>;
  store: Store;
  logger: Logger;
}

/** The parts of a loaded configuration a reload replaces (the rest must not have changed). */
const SWAPPED = new Set(['roles', 'workflows', 'files', 'warnings', 'sourceOf']);

export async function reloadConfig(deps: ConfigReloadDeps): Promise<ReloadOutcome> {
  const { current, store, logger } = deps;
  let next: LoadedConfig;
  try {
    next = await deps.load();
  } catch (err) {
    const problems = err instanceof ConfigError ? err.issues.map(formatIssue) : [err instanceof Error ? err.message : String(err)];
    for (const problem of problems) logger.error(`config reload: ${problem}`);
    logger.error({ problems: problems.length }, 'config reload refused: the configuration does not load; the running one is kept');
    await store.audit.append({ actor: 'lease', action: 'config.reload_refused', subject: null, data: { reason: 'invalid', problems: problems.length } });
    return { applied: false, reason: 'invalid', problems };
  }
  const changed = changesNeedingRestart(current, next);
  if (changed.length > 0) {
    logger.error({ changed }, `config reload refused: ${changed.join(', ')} changed, which needs a restart; the running configuration is kept`);
    await store.audit.append({ actor: 'lease', action: 'config.reload_refused', subject: null, data: { reason: 'needs_restart', changed } });
    return { applied: false, reason: 'needs_restart', changed };
  }
  replaceMap(current.roles, next.roles);
  replaceMap(current.workflows, next.workflows);
  current.files = next.files;
  current.warnings = next.warnings;
  current.sourceOf = next.sourceOf;
  for (const warning of next.warnings) logger.warn(`config: ${warning}`);
  const counts = { roles: next.roles.size, workflows: next.workflows.size };
  logger.info(counts, 'config reloaded');
  await store.audit.append({ actor: 'lease', action: 'config.reloaded', subject: null, data: counts });
  return { applied: true, ...counts };
}

/**
 * What differs between two configurations outside roles and workflows, by path: each provider by
 * id (`providers.aws-prod`), server settings by key (`server.port`), other sections whole.
 */
export function changesNeedingRestart(current: LoadedConfig, next: LoadedConfig): string[] {
  const changed: string[] = [];
  for (const id of new Set([...current.providers.keys(), ...next.providers.keys()])) {
    if (stableJson(current.providers.get(id)) !== stableJson(next.providers.get(id))) changed.push(`providers.${id}`);
  }
  const sections = new Set([...Object.keys(current), ...Object.keys(next)].filter((key) => key !== 'providers' && !SWAPPED.has(key)));
  for (const section of [...sections].sort()) {
    const before = (current as unknown as Record<string, unknown>)[section];
    const after = (next as unknown as Record<string, unknown>)[section];
    if (section === 'server' && isRecord(before) && isRecord(after)) {
      for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
        if (stableJson(before[key]) !== stableJson(after[key])) changed.push(`server.${key}`);
      }
    } else if (stableJson(before) !== stableJson(after)) {
      changed.push(section);
    }
  }
  return changed;
}

function replaceMap<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [key, value] of source) target.set(key, value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted and maps as sorted entries, so equal settings compare equal. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Map) return Object.fromEntries([...(item as Map<unknown, unknown>).entries()].map(([k, v]) => [String(k), v]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
    if (isRecord(item)) return Object.fromEntries(Object.keys(item).sort().map((k) => [k, item[k]]));
    return item;
  }) ?? 'undefined';
}
