// `services.encryption` in the server configuration: which backend wraps the data keys of the
// server's key files. The config loader keeps services free-form; this schema checks the section
// when the server (or `lease worker`) starts, and names each problem by its path.
//
//   services:
//     encryption:
//       provider: aws                       # local | aws | gcp | azure
//       key_id: alias/lease                 # key id, ARN or alias
//       region: eu-west-1                   # optional: the SDK's chain (AWS_REGION...) otherwise
//       endpoint: http://127.0.0.1:5000     # optional (tests, VPC endpoints)
//
// Unset: the key files stay plain JWK sets (mode 0600), as before.
import { z } from 'zod';
import { EncryptionConfigInvalid } from './errors.js';

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const localEncryptionSchema = z
  .strictObject({
    provider: z.literal('local'),
    /** A file (mode 0600) holding the base64url of 32 random bytes; relative to the directory of the config file that names it. */
    key_file: z.string().min(1).optional(),
    /** An environment variable holding the base64url of 32 random bytes. */
    key_env: envName.optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.key_file === undefined) === (c.key_env === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['key_file'], message: 'set key_file or key_env (exactly one)' });
    }
  });

export const awsEncryptionSchema = z.strictObject({
  provider: z.literal('aws'),
  /** Key id, key ARN, alias name (`alias/lease`) or alias ARN. */
  key_id: z.string().min(1),
  region: z.string().regex(/^[a-z0-9-]+$/, 'expected an AWS region such as eu-west-1').optional(),
  endpoint: httpUrl.optional(),
});

export const gcpEncryptionSchema = z.strictObject({
  provider: z.literal('gcp'),
  key_id: z
    .string()
    .regex(/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/, 'expected projects/P/locations/L/keyRings/R/cryptoKeys/K'),
  /** Default https://cloudkms.googleapis.com. */
  endpoint: httpUrl.optional(),
  /** An OAuth access token (e.g. `${GCP_TOKEN}`); else $GOOGLE_OAUTH_ACCESS_TOKEN, else the metadata server. */
  token: z.string().min(1).optional(),
  /** Default http://metadata.google.internal (or $GCE_METADATA_HOST). */
  metadata_url: httpUrl.optional(),
});

export const azureEncryptionSchema = z.strictObject({
  provider: z.literal('azure'),
  /** The key identifier: https://VAULT.vault.azure.net/keys/NAME[/VERSION]. */
  key_id: httpUrl.regex(/^https?:\/\/[^/]+\/keys\/[^/]+(\/[^/]+)?\/?$/, 'expected https://VAULT.vault.azure.net/keys/NAME[/VERSION]'),
  /** Requests go here instead of the key_id's origin (tests, private endpoints). */
  endpoint: httpUrl.optional(),
  /** An access token for https://vault.azure.net; else a managed identity. */
  token: z.string().min(1).optional(),
  /** Managed identity endpoint; default $IDENTITY_ENDPOINT, else the instance metadata service. */
  identity_endpoint: httpUrl.optional(),
  /** Client id of a user-assigned managed identity. */
  client_id: z.string().min(1).optional(),
});

export const encryptionServiceSchema = z.discriminatedUnion('provider', [localEncryptionSchema, awsEncryptionSchema, gcpEncryptionSchema, azureEncryptionSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'expected provider local, aws, gcp or azure' : undefined),
});

export type EncryptionConfig = z.infer<typeof encryptionServiceSchema>;
export type LocalEncryptionConfig = z.infer<typeof localEncryptionSchema>;
export type AwsEncryptionConfig = z.infer<typeof awsEncryptionSchema>;
export type GcpEncryptionConfig = z.infer<typeof gcpEncryptionSchema>;
export type AzureEncryptionConfig = z.infer<typeof azureEncryptionSchema>;

const PREFIX = ['services', 'encryption'];

/** Checks `services.encryption`; throws EncryptionConfigInvalid naming every problem's path. */
export function parseEncryptionConfig(section: unknown, file?: string): EncryptionConfig {
  const parsed = encryptionServiceSchema.safeParse(section, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issues: { file?: string; path: string; message: string }[] = [];
  const add = (path: PropertyKey[], message: string) =>
    issues.push({ ...(file === undefined ? {} : { file }), path: [...PREFIX, ...path.map(String)].join('.'), message });
  // Worded as config/zod-issues.ts words them for the rest of the configuration.
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') for (const key of issue.keys) add([...issue.path, key], 'unknown key');
    else if (issue.code === 'invalid_type' && issue.input === undefined) add(issue.path, `required (expected ${issue.expected})`);
    else if (issue.code === 'invalid_union' && issue.path.length === 0) add(['provider'], issue.message);
    else add(issue.path, issue.message);
  }
  throw new EncryptionConfigInvalid(issues);
}
