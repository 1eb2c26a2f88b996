// Placeholder: `mode: identity_center` is built in its own branch, which replaces this folder.
import type { Logger } from '../../../core/index.js';
import type { AccessProvider } from '../../provider.js';
import type { AwsClientConfig } from '../clients.js';

export interface IdentityCenterOptions {
  providerId: string;
  clientConfig: AwsClientConfig;
  /** The account the assignments are made in (config account_id, else STS GetCallerIdentity, resolved once). */
  accountId: () => Promise<string>;
  /** Config identity_center.instance_arn. */
  instanceArn?: string;
  /** Config identity_center.identity_store_id. */
  identityStoreId?: string;
  logger?: Logger;
}

export function createIdentityCenterAccess(options: IdentityCenterOptions): AccessProvider {
  const notImplemented = () => Promise.reject(new Error('aws mode identity_center: not implemented'));
  return { id: options.providerId, type: 'aws', grant: notImplemented, revoke: notImplemented, listActive: notImplemented };
}
