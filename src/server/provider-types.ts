// The provider types this server knows, each by its names, capabilities and a loader: a type's
// module is imported only when a provider of that type is configured (see providers/README.md).
import { identityFactoryLoaders } from '../identity/index.js';
import { ProviderRegistry, type ProviderFactory, type ProviderType } from '../providers/index.js';

/** Every built-in provider type. Add a type here, never by importing its folder statically. */
export const BUILTIN_PROVIDER_TYPES: ProviderType[] = [
  { type: 'sudo', capabilities: ['access'], load: async () => (await import('../providers/sudo/index.js')).sudoProviderFactory as ProviderFactory },
  { type: 'azure', capabilities: ['access'], load: async () => (await import('../providers/azure/index.js')).azureProviderFactory as ProviderFactory },
  { type: 'aws', capabilities: ['access'], load: async () => (await import('../providers/aws/index.js')).awsProviderFactory as ProviderFactory },
  { type: 'gcp', capabilities: ['access'], load: async () => (await import('../providers/gcp/index.js')).gcpProviderFactory as ProviderFactory },
  { type: 'postgresql', aliases: ['postgres'], capabilities: ['access'], load: async () => (await import('../providers/postgresql/index.js')).postgresqlProviderFactory as ProviderFactory },
  { type: 'ssh', capabilities: ['access'], load: async () => (await import('../providers/ssh/index.js')).sshProviderFactory as ProviderFactory },
  { type: 'github', capabilities: ['access'], load: async () => (await import('../providers/github/index.js')).githubProviderFactory as ProviderFactory },
  { type: 'okta', capabilities: ['access'], load: async () => (await import('../providers/okta/index.js')).oktaProviderFactory as ProviderFactory },
  { type: 'salesforce', capabilities: ['access'], load: async () => (await import('../providers/salesforce/index.js')).salesforceProviderFactory as ProviderFactory },
  { type: 'terraform', capabilities: ['access'], load: async () => (await import('../providers/terraform/index.js')).terraformProviderFactory as ProviderFactory },
  { type: 'kubernetes', capabilities: ['access'], load: async () => (await import('../providers/kubernetes/index.js')).kubernetesProviderFactory as ProviderFactory },
  { type: 'webhook', capabilities: ['notification'], load: async () => (await import('../providers/webhook/index.js')).webhookProviderFactory as ProviderFactory },
  { type: 'email', capabilities: ['notification'], load: async () => (await import('../providers/email/index.js')).emailProviderFactory as ProviderFactory },
  { type: 'teams', capabilities: ['notification'], load: async () => (await import('../providers/teams/index.js')).teamsProviderFactory as ProviderFactory },
  { type: 'pagerduty', capabilities: ['on-call'], load: async () => (await import('../providers/pagerduty/index.js')).pagerdutyProviderFactory as ProviderFactory },
  { type: 'opsgenie', capabilities: ['on-call'], load: async () => (await import('../providers/opsgenie/index.js')).opsgenieProviderFactory as ProviderFactory },
  { type: 'slack', capabilities: ['notification'], load: async () => (await import('../providers/slack/index.js')).slackProviderFactory as ProviderFactory },
  { type: 'local', capabilities: ['identity'], load: identityFactoryLoaders.local },
  { type: 'oidc', capabilities: ['identity'], load: identityFactoryLoaders.oidc },
  { type: 'oauth2', capabilities: ['identity'], load: identityFactoryLoaders.oauth2 },
  { type: 'oauth2.google', capabilities: ['identity'], load: identityFactoryLoaders['oauth2.google'] },
  { type: 'saml', capabilities: ['identity'], load: identityFactoryLoaders.saml },
];

/** The registry with every built-in provider type (none loaded yet). */
export function defaultRegistry(): ProviderRegistry {
  const registry = new ProviderRegistry();
  for (const type of BUILTIN_PROVIDER_TYPES) registry.define(type);
  return registry;
}
