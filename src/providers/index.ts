// providers/: the provider contract, the registry of provider types, the built-in providers.
export type {
  AccessCredentials,
  AwsAccessCredentials,
  PostgresqlAccessCredentials,
  AccessProvider,
  ActiveLease,
  NativeRole,
  NativeRoleQuery,
  AgentBinding,
  EngineIssue,
  ActiveGrant,
  Capability,
  GrantInput,
  GrantRecord,
  GrantRole,
  Notification,
  NotificationProvider,
  OnCallProvider,
  ProviderDeps,
  SealedFileOpener,
  SeenKeys,
  ProviderFactory,
  ProviderInstance,
  SshCertificate,
} from './provider.js';
export { ProviderRegistry, type HostTransports, type ProviderConfigEntry, type ProviderType } from './registry.js';
export { ProviderConfigInvalid, ProviderTypeConflict, ProviderTypeMismatch } from './errors.js';
export * from './sudo/index.js';
export { webhookProviderFactory, WebhookNotifier, WebhookDeliveryFailed } from './webhook/index.js';
export * from './remote/index.js';
