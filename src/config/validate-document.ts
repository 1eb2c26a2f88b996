// Checks one file's sections against the schemas, one entry at a time, so a bad role does not
// hide the problems of the next one, and the ids of invalid entries are still known (a
// reference to an invalid role is not also reported as a reference to an unknown role).
import type { z } from 'zod';
import type { ConfigDocument } from './config-document.js';
import type { IssueLog } from './issues.js';
import { isPlainObject } from './plain-object.js';
import {
  auditSchema,
  entryIdSchema,
  environmentSchema,
  loggingSchema,
  providerSchema,
  roleSchema,
  serverSchema,
  serviceSchema,
  topLevelSchema,
  workflowSchema,
  type AuditConfig,
  type EnvironmentConfig,
  type LoggingConfig,
  type ProviderConfig,
  type RoleConfig,
  type ServerConfig,
  type WorkflowConfig,
} from './schema/index.js';
import { checkSettings, dropNulls, THAND_TOP_LEVEL_SETTINGS } from './settings.js';
import { PARSE_OPTIONS, reportZodError } from './zod-issues.js';

/** An entry's checked value, or undefined when it was invalid (the issue is in the log). */
export type Checked<T> = T | undefined;

/** An entry as checked, with the value as written (after env resolution), for lenient checks. */
export interface CheckedEntry<T> {
  value: Checked<T>;
  raw: unknown;
}

export interface ValidatedDocument {
  file: string;
  roles: Map<string, CheckedEntry<RoleConfig>>;
  providers: Map<string, CheckedEntry<ProviderConfig>>;
  workflows: Map<string, CheckedEntry<WorkflowConfig>>;
  services: Map<string, CheckedEntry<Record<string, unknown>>>;
  /** Present when the file gives the section. */
  server?: { value: Checked<ServerConfig> };
  logging?: { value: Checked<LoggingConfig> };
  environment?: { value: Checked<EnvironmentConfig> };
  audit?: { value: Checked<AuditConfig> };
}

export function validateDocument(doc: ConfigDocument, log: IssueLog): ValidatedDocument {
  const { file, data } = doc;
  const top = topLevelSchema.safeParse(data, PARSE_OPTIONS);
  if (!top.success) reportZodError(top.error, file, [], log);
  for (const key of THAND_TOP_LEVEL_SETTINGS) {
    if (data[key] !== undefined && data[key] !== null) log.warn(file, [key], `Thand's "${key}" setting is not used by Lease: ignored`);
  }

  const out: ValidatedDocument = {
    file,
    roles: checkEntries(data.roles, 'roles', roleSchema, file, log),
    providers: checkEntries(data.providers, 'providers', providerSchema, file, log),
    workflows: checkEntries(data.workflows, 'workflows', workflowSchema, file, log),
    services: checkEntries(dropNulls(data.services), 'services', serviceSchema, file, log, false),
  };
  // A section with nothing under it (YAML null: only comments) is not given.
  if (data.server != null) out.server = { value: checkSettings(data.server, 'server', serverSchema, file, log) };
  if (data.logging != null) out.logging = { value: checkSettings(data.logging, 'logging', loggingSchema, file, log) };
  if (data.audit != null) out.audit = { value: checkStrict(data.audit, 'audit', auditSchema, file, log) };
  if (data.environment != null) out.environment = { value: checkSettings(data.environment, 'environment', environmentSchema, file, log) };
  return out;
}

function checkEntries<S extends z.ZodType>(
  section: unknown,
  name: string,
  schema: S,
  file: string,
  log: IssueLog,
  checkIds = true,
): Map<string, CheckedEntry<z.output<S>>> {
  const entries = new Map<string, CheckedEntry<z.output<S>>>();
  // `roles:` with nothing under it is YAML null: an empty section, not an error.
  if (section === undefined || section === null) return entries;
  if (!isPlainObject(section)) {
    log.error(file, [name], `expected a map of ${name} by id`);
    return entries;
  }
  for (const [id, value] of Object.entries(section)) {
    if (checkIds) {
      const idCheck = entryIdSchema.safeParse(id);
      if (!idCheck.success) log.error(file, [name, id], `invalid id "${id}": ${idCheck.error.issues[0]?.message}`);
    }
    const parsed = schema.safeParse(value, PARSE_OPTIONS);
    if (!parsed.success) reportZodError(parsed.error, file, [name, id], log);
    entries.set(id, { value: parsed.success ? parsed.data : undefined, raw: value });
  }
  return entries;
}

/** A section where every problem, unknown keys included, is an error naming the file and path. */
function checkStrict<S extends z.ZodType>(value: unknown, name: string, schema: S, file: string, log: IssueLog): z.output<S> | undefined {
  const parsed = schema.safeParse(value, PARSE_OPTIONS);
  if (parsed.success) return parsed.data;
  reportZodError(parsed.error, file, [name], log);
  return undefined;
}
