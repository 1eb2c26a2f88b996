// Who is asking. Produced by an identity provider at login, carried in the session, matched
// against the principals config names (core/principals.ts).
import { z } from 'zod';

export const identitySchema = z.object({
  /** Stable id within the identity provider (username for `local`, `sub` for OIDC). */
  id: z.string().min(1),
  email: z.string().optional(),
  /**
   * The identity provider vouches for `email` (OIDC `email_verified: true`, an address the
   * config itself gives a local user, or a provider configured with `trust_email`). Only a
   * verified address matches an e-mail named in config.
   */
  email_verified: z.boolean().optional(),
  name: z.string().optional(),
  groups: z.array(z.string()).default([]),
  /** The identity provider's id in config, e.g. `local` or `corp`. */
  provider: z.string().min(1),
  /** The identity provider's type, e.g. `local`, `oidc`, `saml`. */
  provider_type: z.string().min(1),
});
export type Identity = z.infer<typeof identitySchema>;
