// `providers.<id>.config` for type `aws`: Thand's keys (region, profile or access keys, and its
// `imsd_disable`) plus Lease's: `account_id`, `endpoint` (emulators, VPC endpoints), `mode`
// (`iam` or `identity_center`), `identity_center` and `accounts`. Unknown keys are errors.
import { z } from 'zod';
import { baseUrlSchema } from '../cloud/base-url.js';

export const DEFAULT_REGION = 'us-east-1';
/** https, or http on a loopback address (moto, a test's fake); no credentials, query or fragment; no trailing slash kept. */
const endpoint = baseUrlSchema;

/** YAML reads an unquoted 012345678901 as a number: accept it, give it back its leading zeros. */
const accountId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((value) => (typeof value === 'number' ? String(value).padStart(12, '0') : value.trim()))
  .pipe(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id (quote it in YAML: "012345678901")'));

/** An IAM user name: letters, digits and + = , . @ _ -, at most 64. */
export const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/;

export const awsConfigSchema = z
  .strictObject({
    /** The region for STS and the regional APIs (IAM is global). */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region like us-east-1').default(DEFAULT_REGION),
    /** The account Lease grants in; else STS GetCallerIdentity tells. */
    account_id: accountId.optional(),
    /** A profile of the shared config/credentials files. */
    profile: z.string().min(1).optional(),
    /** Static keys (usually `${AWS_ACCESS_KEY_ID}`); absent → the SDK's default chain. */
    access_key_id: z.string().min(1).optional(),
    secret_access_key: z.string().min(1).optional(),
    /** Thand's: do not ask the EC2 instance metadata service for credentials (see configWarnings). */
    imsd_disable: z.union([z.boolean(), z.enum(['true', 'false'])]).transform((value) => value === true || value === 'true').optional(),
    /** One base URL for every AWS API Lease calls (moto, LocalStack, VPC endpoints). */
    endpoint: endpoint('https://vpce-0123.iam.us-east-1.vpce.amazonaws.com').optional(),
    /** The console federation endpoint; default from the region's partition (aws, aws-cn, aws-us-gov). */
    federation_endpoint: endpoint('https://signin.aws.amazon.com/federation').optional(),
    /** `iam`: a per-request IAM role; `identity_center`: account assignments of permission sets. */
    mode: z.enum(['iam', 'identity_center']).default('iam'),
    /** Identity Center instance; discovered (ListInstances) when absent. */
    identity_center: z
      .strictObject({
        instance_arn: z.string().regex(/^arn:aws[\w-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/, 'expected an Identity Center instance ARN like arn:aws:sso:::instance/ssoins-0123456789abcdef').optional(),
        identity_store_id: z.string().regex(/^d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'expected an identity store id like d-0123456789').optional(),
      })
      .optional(),
    /** Identity (e-mail or username) → IAM user name; default: the identity's username. */
    accounts: z.record(z.string().min(1), z.string().regex(IAM_USER_NAME, 'expected an IAM user name (letters, digits, + = , . @ _ -, at most 64)')).optional(),
  })
  .superRefine((config, ctx) => {
    if ((config.access_key_id === undefined) !== (config.secret_access_key === undefined)) {
      const missing = config.access_key_id === undefined ? 'access_key_id' : 'secret_access_key';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'access_key_id and secret_access_key go together' });
    }
    if (config.profile !== undefined && config.access_key_id !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['profile'], message: 'give either a profile or access_key_id + secret_access_key, not both' });
    }
  });

export type AwsConfig = z.infer<typeof awsConfigSchema>;

/** The partition of a region: its ARN prefix and its console federation endpoint. */
export function partitionOf(region: string): { partition: string; federation: string; console: string } {
  if (region.startsWith('cn-')) return { partition: 'aws-cn', federation: 'https://signin.amazonaws.cn/federation', console: 'https://console.amazonaws.cn/' };
  if (region.startsWith('us-gov-')) return { partition: 'aws-us-gov', federation: 'https://signin.amazonaws-us-gov.com/federation', console: 'https://console.amazonaws-us-gov.com/' };
  return { partition: 'aws', federation: 'https://signin.aws.amazon.com/federation', console: 'https://console.aws.amazon.com/' };
}
