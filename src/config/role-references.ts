// The references a role makes: workflows, inherited roles, providers, authenticators. Read from
// the checked role or, when the role is invalid for another reason, from each reference field
// that is itself well-formed, so a misspelt workflow is reported along with a bad duration.
import type { z } from 'zod';
import type { Sourced } from './merge.js';
import { isPlainObject } from './plain-object.js';
import { roleFieldsSchema, type RoleConfig } from './schema/index.js';

export interface RoleReferences {
  workflow: string | undefined;
  workflows: string[];
  inherits: string[];
  providers: string[];
  authenticators: string[];
}

export function roleReferences(entry: Sourced<RoleConfig>): RoleReferences {
  const role = entry.value ?? readLeniently(entry.raw);
  return {
    workflow: role.workflow,
    workflows: role.workflows ?? [],
    inherits: role.inherits ?? [],
    providers: role.providers ?? [],
    authenticators: role.authenticators ?? [],
  };
}

type ReferenceFields = Partial<Pick<RoleConfig, 'workflow' | 'workflows' | 'inherits' | 'providers' | 'authenticators'>>;

function readLeniently(raw: unknown): ReferenceFields {
  if (!isPlainObject(raw)) return {};
  const shape = roleFieldsSchema.shape;
  return {
    workflow: field(shape.workflow, raw.workflow),
    workflows: field(shape.workflows, raw.workflows),
    inherits: field(shape.inherits, raw.inherits),
    providers: field(shape.providers, raw.providers),
    authenticators: field(shape.authenticators, raw.authenticators),
  };
}

function field<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
