// Each provider's `config` is checked with its type's own schema (ProviderFactory.configSchema),
// so a bad provider config is reported with every other config problem, with its file and path.
// The config is kept as written: the provider registry parses it again when it creates the
// instance. A setting the chosen `server.engine` cannot honour is an error here too. Types with no registered factory are not implemented yet: a warning says so.
import type { ProviderFactory } from '../providers/index.js';
import type { IssueLog } from './issues.js';
import type { Sourced } from './merge.js';
import type { ProviderConfig, RoleConfig } from './schema/index.js';
import { PARSE_OPTIONS, reportZodError } from './zod-issues.js';

export function checkProviderConfigs(
  providers: ReadonlyMap<string, Sourced<ProviderConfig>>,
  factories: ReadonlyMap<string, ProviderFactory> | undefined,
  log: IssueLog,
  engine: 'embedded' | 'temporal' = 'embedded',
): void {
  // Without factories the caller did not ask for type-specific checks (e.g. a schema-only lint).
  if (factories === undefined) return;
  for (const [id, { file, value: provider }] of providers) {
    if (provider === undefined) continue;
    const factory = factories.get(provider.provider);
    if (factory === undefined) {
      log.warn(file, ['providers', id, 'provider'], `provider type "${provider.provider}" is not implemented yet; its config is kept as written`);
      continue;
    }
    const parsed = factory.configSchema.safeParse(provider.config, PARSE_OPTIONS);
    if (!parsed.success) {
      reportZodError(parsed.error, file, ['providers', id, 'config'], log);
      continue;
    }
    // A setting that needs the other workflow engine (e.g. sudo's agent_transport: temporal).
    const issue = factory.engineIssue?.(parsed.data, engine);
    if (issue) log.error(file, ['providers', id, 'config', ...issue.path], issue.message);
    for (const warning of factory.configWarnings?.(parsed.data) ?? []) log.warn(file, ['providers', id, 'config', ...warning.path], warning.message);
  }
}

/** Each role's `resources` entries, as written, against the syntax of the types that own them (ProviderFactory.resourceIssue). */
export function checkRoleResources(roles: ReadonlyMap<string, Sourced<RoleConfig>>, factories: ReadonlyMap<string, ProviderFactory> | undefined, log: IssueLog): void {
  if (factories === undefined) return;
  const checks = [...new Set(factories.values())].flatMap((f) => (f.resourceIssue ? [f.resourceIssue.bind(f)] : []));
  if (checks.length === 0) return;
  for (const [id, { file, value: role }] of roles) {
    for (const list of ['allow', 'deny'] as const) {
      (role?.resources?.[list] ?? []).forEach((entry, i) => {
        for (const check of checks) {
          const issue = check(entry);
          if (issue !== undefined) log.error(file, ['roles', id, 'resources', list, i], issue);
        }
      });
    }
  }
}
