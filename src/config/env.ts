// `${NAME}` in a config string is replaced by the environment variable NAME. Only that exact
// form is a reference (NAME = letters, digits, `_`, not starting with a digit, no spaces), so
// jq expressions such as `${ .reason }` are never mistaken for one. `$${NAME}` is the escape
// for a literal `${NAME}`. A variable that is not set is an error, never an empty string.
import type { PathSegment } from './issues.js';
import { isPlainObject } from './plain-object.js';

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type Env = Record<string, string | undefined>;

export interface EnvResolution {
  /** Paths where a string must be kept verbatim (a workflow's DSL document, where `${ }` is jq). */
  skip: (path: readonly PathSegment[]) => boolean;
  onMissing: (path: readonly PathSegment[], name: string) => void;
}

/** Returns a copy of `value` with every `${NAME}` in its strings resolved. */
export function resolveEnvReferences(value: unknown, env: Env, rules: EnvResolution): unknown {
  return walk(value, [], env, rules);
}

function walk(value: unknown, path: PathSegment[], env: Env, rules: EnvResolution): unknown {
  if (rules.skip(path)) return value;
  if (typeof value === 'string') return resolveString(value, path, env, rules);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], env, rules));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = walk(item, [...path, key], env, rules);
    return out;
  }
  return value;
}

function resolveString(text: string, path: PathSegment[], env: Env, rules: EnvResolution): string {
  return text.replace(REFERENCE, (whole, escape: string, name: string) => {
    if (escape === '$') return whole.slice(1);
    const resolved = env[name];
    if (resolved === undefined) {
      rules.onMissing(path, name);
      return whole;
    }
    return resolved;
  });
}
