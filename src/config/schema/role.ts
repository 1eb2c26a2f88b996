// A role: who may request it (scopes), where it is granted (providers), what it grants
// (permissions, resources, inherited roles) and for how long at most. Field by field as in
// Thand's roles files (docs/configuration.md); `max_duration` and `approvals` are Lease's.
import { z } from 'zod';
import { durationSchema } from './duration.js';
import { idRefSchema } from './ids.js';

const patternListSchema = z.array(z.string().min(1));

/** Allow and deny patterns (`*` wildcards); deny wins over allow. */
export const allowDenySchema = z.strictObject({
  allow: patternListSchema.optional(),
  deny: patternListSchema.optional(),
});

/**
 * Users and groups: `<identity provider>:<name>`, or a bare name meaning the identity provider
 * declared first (config/principals.ts). Users by subject or e-mail, groups by name.
 */
export const scopesSchema = z.strictObject({
  groups: z.array(z.string().min(1)).optional(),
  users: z.array(z.string().min(1)).optional(),
});

const approverNamesSchema = scopesSchema.refine((names) => (names.users?.length ?? 0) + (names.groups?.length ?? 0) > 0, {
  error: 'name at least one approver (users or groups)',
});

/** One approval stage: `required` distinct approvers (default 1) among `approvers`. */
export const approvalStageSchema = z.strictObject({
  /** Shown to people ("team lead", "security"); default `stage <n>`. */
  name: z.string().min(1).optional(),
  approvers: approverNamesSchema,
  required: z.number().int().min(1).default(1),
});

/**
 * Who must approve a request for the role before it is granted, whatever its workflow:
 * `required` distinct approvers (default 1) among `approvers`, or `stages`, each approved after
 * the one before (team lead, then security). `timeout`: a request still undecided then ends
 * `expired`. Unknown keys are refused: a misspelt approval rule must never quietly grant
 * without approval.
 */
export const approvalsSchema = z
  .strictObject({
    approvers: approverNamesSchema.optional(),
    required: z.number().int().min(1).optional(),
    stages: z.array(approvalStageSchema).min(1, { error: 'name at least one stage' }).optional(),
    timeout: durationSchema.optional(),
  /**
   * (Lease) Approves a request at once when its requester is on call now on this schedule of a
   * `pagerduty` or `opsgenie` provider (matched by verified e-mail); otherwise, or when the
   * service cannot say, the approvers (every stage) decide.
   */
  auto_approve_on_call: z.strictObject({ provider: idRefSchema, schedule: z.string().min(1) }).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.stages !== undefined && value.approvers !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: '"approvers" and "stages" cannot both be given: put the approvers in the stages' });
    } else if (value.stages !== undefined && value.required !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['required'], message: 'with "stages", each stage has its own "required"' });
    } else if (value.stages === undefined && value.approvers === undefined) {
      ctx.addIssue({ code: 'custom', path: ['approvers'], message: 'name the approvers ("approvers", or "stages" each with its approvers)' });
    }
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
  /** Approvals a request needs before it is granted (the default workflow waits for them). */
  approvals: approvalsSchema.optional(),
  /** **(Lease)** May be requested with `break_glass: true`: granted at once, loudly, and reviewed afterwards. */
  break_glass: z.boolean().default(false),
  /** **(Lease)** Extensions of a lease (within max_duration) need no approval. */
  extend_without_approval: z.boolean().default(false),
});

export const roleSchema = roleFieldsSchema
  // `when` makes this run even if other fields failed, so every problem is reported at once.
  .refine((role) => role.scopes === undefined || role.applies === undefined, {
    error: '"scopes" and "applies" are two spellings of the same field: give only one',
    path: ['applies'],
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

export type RoleConfig = z.infer<typeof roleSchema>;
