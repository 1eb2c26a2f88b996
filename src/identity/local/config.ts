// `providers.<id>.config` for type `local`. Unknown keys are errors; hashes are checked at load.
import { z } from 'zod';
import { trustEmailSchema } from '../trust-email.js';
import { PASSWORD_HASH_FORMAT, isPasswordHash } from './password.js';

/** Usernames become Identity.id and, by default, the sudo account name. */
const USERNAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;

export const localUserSchema = z.strictObject({
  password_hash: z.string().refine(isPasswordHash, {
    message: `expected a password hash ${PASSWORD_HASH_FORMAT} (N a power of two ≤ 131072); never a plain password`,
  }),
  email: z.email().optional(),
  name: z.string().min(1).optional(),
  groups: z.array(z.string().min(1)).default([]),
});

export const localConfigSchema = z.strictObject({
  /** The addresses below are the config's own, hence verified; trusted across identity providers only with this. */
  trust_email: trustEmailSchema,
  users: z.record(z.string().regex(USERNAME_PATTERN, 'expected a username of letters, digits and . _ @ - (at most 64)'), localUserSchema),
});

export type LocalUser = z.infer<typeof localUserSchema>;
export type LocalConfig = z.infer<typeof localConfigSchema>;
