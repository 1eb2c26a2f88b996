// config/: loads and checks Lease's YAML configuration (roles, providers, workflows, server
// settings) in Thand's format. See README.md.
export { loadConfig } from './load.js';
export { validateConfigLocation } from './validate.js';
export { configJsonSchema } from './json-schema.js';
export { ConfigError, formatIssue, type ConfigIssue } from './issues.js';
export type {
  AllowDeny,
  ConfigValidation,
  EntryKind,
  LoadedConfig,
  LoadedProvider,
  LoadedWorkflow,
  LoadOptions,
  ResolvedRole,
  RoleApprovals,
  ApprovalStage,
} from './types.js';
export type { Env } from './env.js';
export type { WorkflowDocumentValidator } from './workflow-documents.js';
export {
  configFileSchema,
  durationSchema,
  environmentSchema,
  loggingSchema,
  providerSchema,
  roleSchema,
  serverSchema,
  isPostgresUrl,
  servicesSchema,
  workflowSchema,
  temporalServiceSchema,
  auditSchema,
  forwarderName,
  type AuditConfig,
  type AuditForwarderConfig,
  type TemporalServiceConfig,
  type TracingConfig,
  type EnvironmentConfig,
  type LoggingConfig,
  type ProviderConfig,
  type RoleConfig,
  type ServerConfig,
  type StoreConfig,
  type ServicesConfig,
  type WorkflowConfig,
} from './schema/index.js';
