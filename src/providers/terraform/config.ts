// `providers.<id>.config` for type `terraform` (HCP Terraform / Terraform Enterprise): Thand's
// `token`, plus `address` (Terraform Enterprise) and the `organization` Lease manages teams in.
// Unknown keys are errors.
import { z } from 'zod';

export const DEFAULT_ADDRESS = 'https://app.terraform.io';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http on a loopback address (a test's contract server); no path, credentials, query or fragment. */
const address = z
  .string()
  .refine((value) => URL.canParse(value), 'expected an absolute URL like https://app.terraform.io')
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) return;
    const url = new URL(value);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      ctx.addIssue({ code: 'custom', message: 'expected an https URL (http only on a loopback address)' });
    }
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: 'custom', message: 'expected a base URL without credentials, query or fragment' });
    }
  })
  .transform((value) => value.replace(/\/+$/, ''));

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
