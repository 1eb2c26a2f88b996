// PLACEHOLDER until ../clients.ts (h/aws-iam) is merged.
import type { SSOAdminClientConfig } from '@aws-sdk/client-sso-admin';

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: SSOAdminClientConfig['credentials'];
}
