// The server-level settings (`server`, `logging`, `environment`, `services`, Thand's top-level
// `login`/`api`/`secret`) are lenient where Thand is: Thand ignores a key it does not know, so
// a key Lease does not know is a warning naming file and path, and a setting Lease does not act
// on is warned about — never silently accepted. Where a misspelling could widen or weaken access
// (`server.admins` here; roles, providers, workflows elsewhere) an unknown key stays an error.
import type { z } from 'zod';
import type { IssueLog, PathSegment } from './issues.js';
import type { MergedConfig } from './merge.js';
import { isPlainObject } from './plain-object.js';
import { llmServiceSchema, temporalServiceSchema } from './schema/index.js';
import { PARSE_OPTIONS, reportZodIssues, zodPath } from './zod-issues.js';

/** Paths inside a settings section where unknown keys are errors. */
const STRICT_PATHS: Record<string, PathSegment[][]> = {
  // reconcile: a misspelt `missing: fail` would quietly grant a vanished lease again.
  // tracing: Lease's own section; a misspelt `enabled` or `endpoint` would quietly send nothing.
  // store: a misspelt `url` would quietly run on a fresh SQLite file instead of the shared database.
  // metrics: a misspelt `token` would leave /metrics open.
  server: [['admins'], ['reconcile'], ['tracing'], ['store'], ['metrics']],
};

/**
 * Keys whose misspelling would quietly weaken access (no administrators is safe; a default
 * session lifetime longer than the one meant is not): an unknown key this close to one is an
 * error, not a warning.
 */
const GUARDED_KEYS: Record<string, string[]> = {
  server: ['admins', 'session_ttl'],
};

/** Thand's top-level settings that Lease has no use for. */
export const THAND_TOP_LEVEL_SETTINGS = ['login', 'api', 'secret'] as const;

/** Thand's services that Lease does not implement. */
const THAND_SERVICES = ['scheduler', 'vault', 'storage'];

/** Services another part of Lease checks when the server starts. */
const CHECKED_AT_START = ['encryption'];

/**
 * Checks one settings section. Unknown keys outside STRICT_PATHS are warnings and are dropped;
 * a key with nothing under it (YAML null, e.g. only comments) counts as not given.
 */
export function checkSettings<S extends z.ZodType>(value: unknown, section: string, schema: S, file: string, log: IssueLog): z.output<S> | undefined {
  const given = dropNulls(value);
  const first = schema.safeParse(given, PARSE_OPTIONS);
  if (first.success) return first.data;
  const strict = STRICT_PATHS[section] ?? [];
  const ignorable = first.error.issues.filter((issue) => issue.code === 'unrecognized_keys' && !strict.some((prefix) => startsWith(zodPath(issue), prefix)));
  const rest = first.error.issues.filter((issue) => !ignorable.includes(issue));
  let misspelt = false;
  for (const issue of ignorable) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const meant = zodPath(issue).length === 0 ? (GUARDED_KEYS[section] ?? []).find((guarded) => closeTo(key, guarded)) : undefined;
      if (meant === undefined) {
        log.warn(file, [section, ...zodPath(issue), key], 'unknown key: ignored (check the spelling)');
      } else {
        log.error(file, [section, key], `unknown key (did you mean ${meant}?)`);
        misspelt = true;
      }
    }
  }
  if (misspelt) return undefined;
  if (rest.length > 0) {
    reportZodIssues(rest, file, [section], log);
    return undefined;
  }
  const second = schema.safeParse(withoutKeys(given, ignorable), PARSE_OPTIONS);
  if (second.success) return second.data;
  reportZodIssues(second.error.issues, file, [section], log);
  return undefined;
}

/** At most two edits (insert, delete, replace, swap of neighbours) apart, ignoring case. */
function closeTo(written: string, known: string): boolean {
  const a = written.toLowerCase();
  const b = known.toLowerCase();
  if (Math.abs(a.length - b.length) > 2) return false;
  // Optimal string alignment distance, row by row.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]! <= 2;
}

/** A map entry whose value is null (a key with only comments under it) is dropped, at any depth. */
export function dropNulls(value: unknown): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== null) out[key] = dropNulls(item);
  return out;
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.every((segment, i) => path[i] === segment);
}

function withoutKeys(value: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy = structuredClone(value);
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    let node: unknown = copy;
    for (const segment of zodPath(issue)) node = isPlainObject(node) || Array.isArray(node) ? (node as Record<PathSegment, unknown>)[segment] : undefined;
    if (isPlainObject(node)) for (const key of issue.keys) delete node[key];
  }
  return copy;
}

/** Warns about every setting given that Lease does not act on, and checks the services it uses. */
export function checkServerSettings(merged: MergedConfig, log: IssueLog): void {
  const server = merged.server;
  if (server?.value) {
    const { file, value } = server;
    const ignored = (path: PathSegment[], why: string) => log.warn(file, ['server', ...path], `${why}: ignored`);
    if (value.limits !== undefined) ignored(['limits'], 'request limits are not configurable yet (the built-in limits apply)');
    if (value.cors !== undefined) ignored(['cors'], 'CORS is not implemented (the API answers no cross-origin request)');
    if (value.security?.cors !== undefined) ignored(['security', 'cors'], 'CORS is not implemented (the API answers no cross-origin request)');
    if (value.metrics?.path !== undefined && value.metrics.path !== '/metrics') ignored(['metrics', 'path'], 'Lease serves metrics at GET /metrics');
    if (value.metrics?.namespace !== undefined && value.metrics.namespace !== 'lease') ignored(['metrics', 'namespace'], 'metric names are always prefixed lease_');
    if (value.health !== undefined) ignored(['health'], 'the health check is always GET /health');
  }
  const logging = merged.logging;
  if (logging?.value?.format !== undefined && logging.value.format !== 'json') {
    log.warn(logging.file, ['logging', 'format'], `"${logging.value.format}" is not supported: ignored (Lease logs JSON lines)`);
  }
  const output = logging?.value?.output ?? 'stderr';
  if (logging?.value?.retention !== undefined && (output === 'stdout' || output === 'stderr')) {
    log.warn(logging.file, ['logging', 'retention'], `applies to a log file Lease writes; on ${output} the platform keeps the logs: ignored`);
  }
  const environment = merged.environment;
  if (environment?.value) {
    const { file, value } = environment;
    if (value.platform !== 'local') {
      log.warn(file, ['environment', 'platform'], `Lease does not choose services by platform ("${value.platform}"): ignored; configure services.encryption and providers explicitly`);
    }
    if (value.config !== undefined && Object.keys(value.config).length > 0) {
      log.warn(file, ['environment', 'config'], 'platform settings are not used by Lease: ignored');
    }
  }
  checkServices(merged, log);
}

function checkServices(merged: MergedConfig, log: IssueLog): void {
  const engine = merged.server?.value?.engine ?? 'embedded';
  for (const [name, { file, value }] of merged.services) {
    if (value === undefined) continue;
    if (name === 'temporal') {
      // Unused with the embedded engine: its problems cannot stop the server then.
      const parsed = temporalServiceSchema.safeParse(value, PARSE_OPTIONS);
      if (!parsed.success) reportZodIssues(parsed.error.issues, file, ['services', 'temporal'], log, engine === 'temporal' ? 'error' : 'warn');
      if (engine !== 'temporal') log.warn(file, ['services', 'temporal'], 'not used: server.engine is embedded (set server.engine: temporal to run workflows on Temporal)');
      if (value.disable_versioning !== undefined) log.warn(file, ['services', 'temporal', 'disable_versioning'], 'Lease does not use worker versioning: ignored');
    } else if (name === 'llm') {
      // A language model is optional: a wrong section is an error, never a quiet fallback.
      const parsed = llmServiceSchema.safeParse(value, PARSE_OPTIONS);
      if (!parsed.success) reportZodIssues(parsed.error.issues, file, ['services', 'llm'], log);
    } else if (THAND_SERVICES.includes(name)) {
      log.warn(file, ['services', name], `Thand's ${name} service is not implemented by Lease: ignored`);
    } else if (!CHECKED_AT_START.includes(name)) {
      log.warn(file, ['services', name], 'unknown service: ignored (check the spelling)');
    }
  }
}
