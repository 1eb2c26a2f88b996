// One config file: optional `version: "1.0"` (Thand does not require it) plus top-level sections. Roles, providers and
// workflows may be given inline, or as a reference `{path}` / `{url}` to load them from
// elsewhere. `configFileSchema` describes the file as written (for editors, via JSON Schema);
// the loader checks the same pieces one entry at a time so it can report every problem.
import { z } from 'zod';
import { entryIdSchema } from './ids.js';
import { providerListSchema, providerSchema } from './provider.js';
import { roleSchema } from './role.js';
import { auditSchema } from './audit.js';
import { environmentSchema, loggingSchema, serverSchema, servicesSchema } from './server.js';
import { workflowSchema } from './workflow.js';

/** The sections whose entries are keyed by id, and may be loaded from elsewhere. */
export const ENTRY_SECTIONS = ['roles', 'providers', 'workflows'] as const;
export type EntrySection = (typeof ENTRY_SECTIONS)[number];

/** Sections given at most once across all files. */
export const SINGLE_SECTIONS = ['server', 'logging', 'environment', 'audit'] as const;
export type SingleSection = (typeof SINGLE_SECTIONS)[number];

// YAML reads `version: 1.0` (unquoted) as the number 1; both mean "1.0". Optional, as in Thand.
export const versionSchema = z.union([z.literal('1.0'), z.literal(1)], { error: 'must be "1.0"' }).optional();

/** Thand's top-level settings that Lease does not use (the loader warns that they are ignored). */
const thandSettingSchema = z.unknown().optional().meta({ description: "Thand's; not used by Lease" });

/** Load a section from files elsewhere instead of giving it inline. */
export const sectionReferenceSchema = z.union([
  z.strictObject({ path: z.string().min(1).meta({ description: 'A file or directory, relative to this file' }) }),
  z.strictObject({ url: z.url().meta({ description: 'Not supported yet' }) }),
]);

const rolesMapSchema = z.record(entryIdSchema, roleSchema);
const providersMapSchema = z.record(entryIdSchema, providerSchema);
const workflowsMapSchema = z.record(entryIdSchema, workflowSchema);

export const configFileSchema = z
  .strictObject({
    version: versionSchema,
    roles: z.union([rolesMapSchema, sectionReferenceSchema]).optional(),
    providers: z.union([providersMapSchema, providerListSchema, sectionReferenceSchema]).optional(),
    workflows: z.union([workflowsMapSchema, sectionReferenceSchema]).optional(),
    /** Older name of `workflows`. */
    policies: z.union([workflowsMapSchema, sectionReferenceSchema]).optional(),
    server: serverSchema.optional(),
    logging: loggingSchema.optional(),
    services: servicesSchema.optional(),
    environment: environmentSchema.optional(),
    audit: auditSchema.optional(),
    login: thandSettingSchema,
    api: thandSettingSchema,
    secret: thandSettingSchema,
  })
  .meta({ title: 'Lease configuration file', description: 'Roles, providers, workflows and server settings' });

/** The top level as the loader checks it, after `policies` became `workflows`: sections are checked one by one. */
export const topLevelSchema = z.strictObject({
  version: versionSchema,
  roles: z.unknown().optional(),
  providers: z.unknown().optional(),
  workflows: z.unknown().optional(),
  server: z.unknown().optional(),
  logging: z.unknown().optional(),
  services: z.unknown().optional(),
  environment: z.unknown().optional(),
  audit: z.unknown().optional(),
  login: z.unknown().optional(),
  api: z.unknown().optional(),
  secret: z.unknown().optional(),
});
