// Reads one config file into its top-level sections: YAML parsed, Thand's alternative
// spellings normalised, `${NAME}` environment references resolved. Shapes are checked later.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describeFsError } from './config-files.js';
import { resolveEnvReferences, type Env } from './env.js';
import type { IssueLog, PathSegment } from './issues.js';
import { normaliseSections } from './normalise.js';
import { isPlainObject } from './plain-object.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';

export interface ConfigDocument {
  file: string;
  data: Record<string, unknown>;
}

export interface ReadContext {
  log: IssueLog;
  env: Env;
  /** Parsed files by name, so issues can be given a line. */
  sources: Map<string, YamlSource>;
  /** Absolute paths of the files read so far: a file is part of the config once. */
  loaded: Set<string>;
  /** Absolute paths of the files of the location itself (read whole, every section). */
  location: Set<string>;
  /** Every file read, in order. */
  files: string[];
}

/** Reads one file of the config and registers it as read. */
export async function readConfigDocument(file: string, ctx: ReadContext): Promise<ConfigDocument | undefined> {
  ctx.loaded.add(resolve(file));
  ctx.files.push(file);
  ctx.log.noteFile(file);
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    ctx.log.error(file, [], describeFsError(err));
    return undefined;
  }
  const source = parseYamlSource(file, text, ctx.log);
  if (source === undefined) return undefined;
  ctx.sources.set(file, source);
  if (source.data === null || source.data === undefined) {
    // Only comments, or nothing: Thand reads it as an empty config, and so does Lease.
    ctx.log.warn(file, [], 'the file is empty: nothing is loaded from it');
    return undefined;
  }
  if (!isPlainObject(source.data)) {
    ctx.log.error(file, [], 'expected a mapping of sections such as roles, providers, workflows');
    return undefined;
  }
  const normalised = normaliseSections(source.data, source, ctx.log);
  const data = resolveEnvReferences(normalised, ctx.env, {
    skip: isWorkflowDocument,
    onMissing: (path, name) => ctx.log.error(file, path, `environment variable ${name} is not set (referenced as \${${name}})`),
  }) as Record<string, unknown>;
  return { file, data };
}

// In `workflows.<id>.workflow`, `${ ... }` is a jq expression evaluated at run time.
function isWorkflowDocument(path: readonly PathSegment[]): boolean {
  return path.length === 3 && path[0] === 'workflows' && path[2] === 'workflow';
}
