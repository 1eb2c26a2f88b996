// A role: who may request it (scopes), where it is granted (providers), what it grants
// (permissions, resources, inherited roles) and for how long at most. Field by field as in
// Thand (docs: /work/shared/THAND-FORMAT.md "Roles"); `max_duration` and `approvals` are Lease's.
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { idRefSchema } from './ids.js';

const patternListSchema = z.array(z.string().min(1));

/** Allow and deny patterns (`*` wildcards); deny wins over allow. */
export const allowDenySchema = z.strictObject({
  allow: patternListSchema.optional(),
  deny: patternListSchema.optional(),
});

/** Who may request the role: users (emails/usernames) or members of groups (`oidc:eng`). */
export const scopesSchema = z.strictObject({
  groups: z.array(z.string().min(1)).optional(),
  users: z.array(z.string().min(1)).optional(),
});

/** The fields of a role, without the cross-field rule (for reading single fields leniently). */
export const roleFieldsSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().min(1),
  /** Identity providers the requester must have logged in with; empty = any. */
  authenticators: z.array(idRefSchema).optional(),
  workflow: idRefSchema.optional(),
  /** Newer spelling: the allowed workflows; a request may name one, else the first runs. */
  workflows: z.array(idRefSchema).optional(),
  /** Local role ids, or `<provider>:<native role>` for roles that exist on the target. */
  inherits: z.array(z.string().min(1)).optional(),
  permissions: allowDenySchema.optional(),
  resources: allowDenySchema.optional(),
  scopes: scopesSchema.optional(),
  /** Newer spelling of `scopes`; giving both is an error. */
  applies: scopesSchema.optional(),
  providers: z.array(idRefSchema).optional(),
  enabled: z.boolean().default(true),
  max_duration: durationSchema.default('1h'),
  /** Shorthand for approval policy; the workflow remains the authority. */
  approvals: z.record(z.string(), z.unknown()).optional(),
});

export const roleSchema = roleFieldsSchema
  // `when` makes this run even if other fields failed, so every problem is reported at once.
  .refine((role) => role.scopes === undefined || role.applies === undefined, {
    error: '"scopes" and "applies" are two spellings of the same field: give only one',
    path: ['applies'],
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export type RoleConfig = z.infer<typeof roleSchema>;
