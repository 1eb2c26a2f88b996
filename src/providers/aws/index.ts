// The `aws` access provider. `mode: iam` (default): a per-request IAM role (iam/); `mode:
// identity_center`: account assignments of permission sets (identity-center/). Each mode's SDK
// clients load on its first call, so a server loads only what its config uses. See README.md.
import { LeaseError, type Logger } from '../../core/index.js';
import type { AccessCredentials, AccessProvider, ActiveGrant, ActiveLease, EngineIssue, GrantInput, GrantRecord, NativeRole, NativeRoleQuery, ProviderFactory, ProviderInstance } from '../provider.js';
import { accountIdResolver, clientConfigOf, type AwsCallContext, type AwsClientConfig } from './clients.js';
import { awsConfigSchema, type AwsConfig } from './config.js';

export { awsConfigSchema, partitionOf, DEFAULT_REGION, type AwsConfig } from './config.js';
export { accountIdResolver, awsError, awsErrorName, callAws, clientConfigOf, type AwsCallContext, type AwsClientConfig } from './clients.js';
export { policyDocument, roleStatements, untilCondition, awsTime, type PolicyStatement } from './policy.js';

/** Loads the mode's provider on first use; the optional capabilities answer 400 not_supported when the mode lacks them. */
class LazyAwsAccess implements AccessProvider {
  readonly type = 'aws';
  private loading?: Promise<AccessProvider>;

  constructor(
    readonly id: string,
    private readonly load: () => Promise<AccessProvider>,
  ) {}

  private provider(): Promise<AccessProvider> {
    this.loading ??= this.load().catch((err: unknown) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  async grant(input: GrantInput): Promise<GrantRecord> {
    return (await this.provider()).grant(input);
  }
  async revoke(record: GrantRecord): Promise<void> {
    return (await this.provider()).revoke(record);
  }
  async listActive(): Promise<ActiveGrant[]> {
    return (await this.provider()).listActive();
  }
  async listNativeRoles(query: NativeRoleQuery): Promise<NativeRole[]> {
    const provider = await this.provider();
    if (!provider.listNativeRoles) throw this.notSupported('has no native role catalog');
    return provider.listNativeRoles(query);
  }
  async credentials(record: GrantRecord, lease: ActiveLease): Promise<AccessCredentials> {
    const provider = await this.provider();
    if (!provider.credentials) throw this.notSupported('issues no credentials');
    return provider.credentials(record, lease);
  }
  async consoleUrl(record: GrantRecord, lease: ActiveLease): Promise<string> {
    const provider = await this.provider();
    if (!provider.consoleUrl) throw this.notSupported('has no console sign-in');
    return provider.consoleUrl(record, lease);
  }

  private notSupported(what: string): LeaseError {
    return new LeaseError('not_supported', `provider "${this.id}" (type aws) ${what}`, { status: 400 });
  }
}

/** The access provider for a parsed config (tests may pass their own client settings). */
export function createAwsAccess(id: string, config: AwsConfig, options: { logger?: Logger; clientConfig?: AwsClientConfig } = {}): AccessProvider {
  const clientConfig = options.clientConfig ?? clientConfigOf(config);
  const context: AwsCallContext = { target: `aws provider "${id}"` };
  const accountId = accountIdResolver(clientConfig, context, config.account_id);
  if (config.mode === 'identity_center') {
    return new LazyAwsAccess(id, async () => {
      const { createIdentityCenterAccess } = await import('./identity-center/index.js');
      return createIdentityCenterAccess({
        providerId: id,
        clientConfig,
        accountId,
        ...(config.identity_center?.instance_arn !== undefined ? { instanceArn: config.identity_center.instance_arn } : {}),
        ...(config.identity_center?.identity_store_id !== undefined ? { identityStoreId: config.identity_center.identity_store_id } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
    });
  }
  return new LazyAwsAccess(id, async () => {
    const { IamAccessProvider } = await import('./iam/provider.js');
    return new IamAccessProvider({ providerId: id, config, clientConfig, accountId, ...(options.logger ? { logger: options.logger } : {}) });
  });
}

function awsConfigWarnings(config: AwsConfig): EngineIssue[] {
  const warnings: EngineIssue[] = [];
  if (config.imsd_disable === true && config.access_key_id === undefined && config.profile === undefined) {
    warnings.push({ path: ['imsd_disable'], message: "Lease uses the AWS SDK's default credential chain here; to keep it off the instance metadata service set AWS_EC2_METADATA_DISABLED=true in the server's environment" });
  }
  if (config.mode === 'iam' && config.identity_center !== undefined) {
    warnings.push({ path: ['identity_center'], message: 'ignored with mode: iam (set mode: identity_center to use it)' });
  }
  return warnings;
}

export const awsProviderFactory: ProviderFactory<AwsConfig> = {
  type: 'aws',
  capabilities: ['access'],
  configSchema: awsConfigSchema as unknown as ProviderFactory<AwsConfig>['configSchema'],
  configWarnings: awsConfigWarnings,
  create({ id, name, enabled, config, deps }): ProviderInstance {
    return { id, type: 'aws', name, enabled, capabilities: ['access'], access: createAwsAccess(id, config, deps.logger ? { logger: deps.logger } : {}) };
  },
};
