// Merges the files of a config location by top-level key. An id (role `admin`, provider
// `aws-prod`, service `temporal`) or a single section (`server`) given in two files is an
// error naming both: silently letting one file win would hide a mistake.
import type { IssueLog } from './issues.js';
import type { AuditConfig, EnvironmentConfig, LoggingConfig, ProviderConfig, RoleConfig, ServerConfig, WorkflowConfig } from './schema/index.js';
import type { Checked, CheckedEntry, ValidatedDocument } from './validate-document.js';

/** A value and the file it came from. */
export interface Sourced<T> {
  file: string;
  value: Checked<T>;
  /** As written, for checks that still make sense when the entry as a whole is invalid. */
  raw?: unknown;
}

export interface MergedConfig {
  roles: Map<string, Sourced<RoleConfig>>;
  providers: Map<string, Sourced<ProviderConfig>>;
  workflows: Map<string, Sourced<WorkflowConfig>>;
  services: Map<string, Sourced<Record<string, unknown>>>;
  server?: Sourced<ServerConfig>;
  logging?: Sourced<LoggingConfig>;
  environment?: Sourced<EnvironmentConfig>;
  audit?: Sourced<AuditConfig>;
}

export function mergeDocuments(docs: readonly ValidatedDocument[], log: IssueLog): MergedConfig {
  const merged: MergedConfig = { roles: new Map(), providers: new Map(), workflows: new Map(), services: new Map() };
  for (const doc of docs) {
    mergeEntries(merged.roles, doc.roles, 'roles', doc.file, log);
    mergeEntries(merged.providers, doc.providers, 'providers', doc.file, log);
    mergeEntries(merged.workflows, doc.workflows, 'workflows', doc.file, log);
    mergeEntries(merged.services, doc.services, 'services', doc.file, log);
    merged.server = mergeSingle(merged.server, doc.server, 'server', doc.file, log);
    merged.logging = mergeSingle(merged.logging, doc.logging, 'logging', doc.file, log);
    merged.environment = mergeSingle(merged.environment, doc.environment, 'environment', doc.file, log);
    merged.audit = mergeSingle(merged.audit, doc.audit, 'audit', doc.file, log);
  }
  return merged;
}

function mergeEntries<T>(
  into: Map<string, Sourced<T>>,
  from: Map<string, CheckedEntry<T>>,
  section: string,
  file: string,
  log: IssueLog,
): void {
  for (const [id, { value, raw }] of from) {
    const first = into.get(id);
    if (first) {
      log.error(file, [section, id], `"${id}" is defined in both ${first.file} and ${file}`);
    } else {
      into.set(id, { file, value, raw });
    }
  }
}

function mergeSingle<T>(
  current: Sourced<T> | undefined,
  given: { value: Checked<T> } | undefined,
  section: string,
  file: string,
  log: IssueLog,
): Sourced<T> | undefined {
  if (given === undefined) return current;
  if (current === undefined) return { file, value: given.value };
  log.error(file, [section], `"${section}" is given in both ${current.file} and ${file}`);
  return current;
}
