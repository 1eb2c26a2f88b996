// `providers.<id>.config` for type `sudo`. Unknown keys are errors.
import { z } from 'zod';
import { ACCOUNT_PATTERN, RUN_AS_PATTERN } from './rule.js';

export const sudoConfigSchema = z.strictObject({
  /** Drop-in directory that /etc/sudoers includes (`@includedir`). Relative paths resolve against the working directory. */
  sudoers_dir: z.string().min(1).default('/etc/sudoers.d'),
  /** Identity id or email → local account. Without an entry the account is the identity id. */
  accounts: z
    .record(z.string().min(1), z.string().regex(ACCOUNT_PATTERN, 'expected a local account name like `alice` (at most 32 chars)'))
    .default({}),
  /** Path to visudo; absent = looked up on PATH (then /usr/sbin, /sbin); `false` = skip the syntax check. */
  visudo: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** Who the commands may run as: `ALL`, a user, or `user:group`. */
  run_as: z.string().regex(RUN_AS_PATTERN, 'expected `ALL`, a user name, or `user:group`').default('ALL'),
  /** Whether the rule carries NOPASSWD (the default: break-glass users may have no local password). */
  nopasswd: z.boolean().default(true),
});

export type SudoConfig = z.infer<typeof sudoConfigSchema>;
