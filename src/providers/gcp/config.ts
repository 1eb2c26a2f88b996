// `providers.<id>.config` for type `gcp`: Thand's keys (`project_id`, `region`,
// `service_account_key`) plus the base URLs that private endpoints and tests need. Unknown keys
// are errors.
import { z } from 'zod';

export const DEFAULT_RESOURCE_MANAGER_ENDPOINT = 'https://cloudresourcemanager.googleapis.com';
export const DEFAULT_IAM_ENDPOINT = 'https://iam.googleapis.com';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http on a loopback address (a test's contract server). */
export function isAllowedUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

/** A base URL: https (http only on loopback), no credentials, query or fragment; no trailing slash kept. */
const endpoint = z
  .string()
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected an absolute URL like https://cloudresourcemanager.googleapis.com' });
      return;
    }
    const url = new URL(value);
    if (!isAllowedUrl(value)) ctx.addIssue({ code: 'custom', message: 'expected an https URL (http only on a loopback address)' });
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: 'custom', message: 'expected a base URL without credentials, query or fragment' });
    }
  })
  .transform((value) => value.replace(/\/+$/, ''));

/** Google's rule for project ids: 6 to 30 lower-case letters, digits and hyphens, starting with a letter, not ending with a hyphen. */
const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

export const gcpConfigSchema = z.strictObject({
  /** The project whose allow policy Lease adds its conditional role bindings to. */
  project_id: z
    .string({ error: (issue) => (issue.input === undefined ? 'the project id is required (e.g. my-project)' : 'expected the project id as a string') })
    .regex(PROJECT_ID, 'expected a project id (6 to 30 lower-case letters, digits and hyphens, starting with a letter), not the project number or name'),
  /** Thand's: IAM is global, so Lease does not use it (a warning says so). */
  region: z.string().optional(),
  /**
   * A service account key: its JSON text (usually `${GCP_KEY}`) or the path of its file
   * (relative to the config file). Absent: Application Default Credentials.
   */
  service_account_key: z.string().min(1, 'expected the key JSON or the path of its file (or leave the key out for Application Default Credentials)').optional(),
  /** Resource Manager base URL (private endpoints, tests). */
  endpoint: endpoint.default(DEFAULT_RESOURCE_MANAGER_ENDPOINT),
  /** IAM API base URL (custom roles, the predefined role list); for private endpoints and tests. */
  iam_endpoint: endpoint.default(DEFAULT_IAM_ENDPOINT),
});

export type GcpConfig = z.infer<typeof gcpConfigSchema>;
