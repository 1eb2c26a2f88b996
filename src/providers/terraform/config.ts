// `providers.<id>.config` for type `terraform` (HCP Terraform / Terraform Enterprise): Thand's
// `token`, plus `address` (Terraform Enterprise) and the `organization` Lease manages teams in.
// Unknown keys are errors.
import { z } from 'zod';
import { baseUrlSchema } from '../cloud/base-url.js';

export const DEFAULT_ADDRESS = 'https://app.terraform.io';
/** https, or http on a loopback address (a test's contract server); no path, credentials, query or fragment. */
const address = baseUrlSchema('https://app.terraform.io');

export const terraformConfigSchema = z.strictObject({
  /** Thand's: an API token that can manage teams (the owners team's token, or an organization token), usually `${TFE_TOKEN}`. */
  token: z.string({ error: (issue) => (issue.input === undefined ? 'the API token is required (e.g. token: ${TFE_TOKEN})' : 'expected the API token as a string') }).min(1, 'expected the API token (e.g. ${TFE_TOKEN})'),
  /** HCP Terraform (default) or a Terraform Enterprise host. */
  address: address.default(DEFAULT_ADDRESS),
  /** The organization whose teams and workspaces Lease manages. */
  organization: z
    .string({ error: (issue) => (issue.input === undefined ? 'the organization name is required' : 'expected the organization name as a string') })
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected an organization name (letters, digits, - and _)'),
});

export type TerraformConfig = z.infer<typeof terraformConfigSchema>;
