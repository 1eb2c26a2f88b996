// `providers.<id>.config` for type `azure`: Thand's keys (subscription, tenant, client
// credentials, `resource_group`) plus the endpoints private clouds and tests need, and `pim`.
// Unknown keys are errors.
import { z } from 'zod';
import { baseUrlSchema } from '../cloud/base-url.js';

export const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
export const DEFAULT_GRAPH_ENDPOINT = 'https://graph.microsoft.com';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** https, or http on a loopback address (a test's contract server); no credentials, query or fragment; no trailing slash kept. */
const endpoint = baseUrlSchema('https://management.azure.com');

const guid = (what: string) => z.string({ error: required(what) }).regex(GUID, `expected the ${what} (a GUID like 00000000-0000-0000-0000-000000000000)`);

/** Thand falls back to Azure's default credential chain without these; Lease needs them. */
function required(what: string) {
  return (issue: { input: unknown }) => (issue.input === undefined ? `the ${what} is required (Lease signs in with client credentials; Azure's default credential chain is not supported)` : `expected the ${what} as a string`);
}

export const azureConfigSchema = z.strictObject({
  /** The Entra ID tenant (directory) the client and the users live in. */
  tenant_id: guid('tenant id'),
  /** The subscription whose role assignments Lease manages: the default scope, and where it looks for what it made. */
  subscription_id: guid('subscription id'),
  /** The app registration (service principal) Lease signs in as. */
  client_id: guid('client (application) id'),
  /** Its client secret, usually `${AZURE_SECRET}`. */
  client_secret: z.string({ error: required('client secret') }).min(1, 'expected the client secret (e.g. ${AZURE_CLIENT_SECRET})'),
  /** Thand's: a resource group of the subscription; when set it is the default scope instead of the whole subscription. */
  resource_group: z.string().regex(/^[-\w._()]{1,90}$/, 'expected a resource group name (letters, digits, - _ . ( ), at most 90)').optional(),
  /** Entra ID sign-in host (sovereign clouds, tests). */
  authority: endpoint.default(DEFAULT_AUTHORITY),
  /** Azure Resource Manager base URL. */
  endpoint: endpoint.default(DEFAULT_ARM_ENDPOINT),
  /** Microsoft Graph base URL (user lookup). */
  graph_endpoint: endpoint.default(DEFAULT_GRAPH_ENDPOINT),
  /** Grant through Privileged Identity Management schedule requests, which Azure itself ends at the lease's expiry. */
  pim: z.boolean().default(false),
});

export type AzureConfig = z.infer<typeof azureConfigSchema>;

/** The scope a role without ARM scopes in `resources.allow` is assigned at. */
export function defaultScope(config: AzureConfig): string {
  const subscription = `/subscriptions/${config.subscription_id}`;
  return config.resource_group === undefined ? subscription : `${subscription}/resourceGroups/${config.resource_group}`;
}

export function isGuid(value: string): boolean {
  return GUID.test(value);
}
