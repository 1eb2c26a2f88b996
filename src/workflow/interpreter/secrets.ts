// `use.secrets`: secrets are named in the document and never resolved by the interpreter, so
// no secret value ever enters the state, a command or a Temporal history. `$secrets.<name>` is
// the placeholder `{{secret:<name>}}`; the runtime replaces placeholders in a call's arguments
// with the secret's value (revealSecrets) just before running the activity.
import type { WorkflowDocument } from './types.js';

const PLACEHOLDER = /\{\{secret:([A-Za-z0-9_.-]+)\}\}/g;

/** The names in `use.secrets` (a list of names, or a map whose keys are the names). */
export function secretNames(doc: WorkflowDocument): string[] {
  const declared = doc.use?.secrets;
  if (Array.isArray(declared)) return declared.filter((n): n is string => typeof n === 'string');
  if (declared !== null && typeof declared === 'object') return Object.keys(declared);
  return [];
}

export function secretPlaceholder(name: string): string {
  return `{{secret:${name}}}`;
}

/** `$secrets`: each declared name maps to its placeholder. */
export function secretsVariable(doc: WorkflowDocument): Record<string, string> {
  return Object.fromEntries(secretNames(doc).map((name) => [name, secretPlaceholder(name)]));
}

/**
 * For the runtime: replaces secret placeholders in `value` (deeply) with `resolve(name)`. A name
 * the resolver does not know throws, so a call never runs with a placeholder for a credential.
 */
export function revealSecrets(value: unknown, resolve: (name: string) => string | undefined): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (_, name: string) => {
      const secret = resolve(name);
      if (secret === undefined) throw new Error(`secret "${name}" is not available`);
      return secret;
    });
  }
  if (Array.isArray(value)) return value.map((item) => revealSecrets(item, resolve));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v, resolve)]));
  }
  return value;
}
