// A provider: one configured instance of a provider type (aws, sudo, local, oidc, ...). The
// `config` map is type-specific; the loader validates it with the type's own schema
// (ProviderFactory.configSchema) when that type is registered.
import { z } from 'zod';

export const providerSchema = z.strictObject({
  /** Display name; default the provider's id (Thand's own examples leave it out). */
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  /** The provider type, e.g. `aws`, `oauth2.google`, `sudo`. */
  provider: z.string().min(1),
  config: z.record(z.string(), z.unknown()).default({}),
  /** Optional base role for this provider (free-form for now). */
  role: z.record(z.string(), z.unknown()).optional(),
  /** A disabled provider is loaded and validated but not used. */
  enabled: z.boolean().default(true),
});

export type ProviderConfig = z.infer<typeof providerSchema>;

/** Thand's deviant shape: `providers:` as a list, each item keyed by its `name`. */
export const providerListSchema = z.array(providerSchema.extend({ name: z.string().min(1) }));
