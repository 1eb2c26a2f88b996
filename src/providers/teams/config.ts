// `providers.<id>.config` for type `teams` (a Microsoft Teams incoming webhook). Unknown keys are
// errors. Thand's examples give no keys for Teams; these are Lease's.
import { z } from 'zod';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export const teamsConfigSchema = z.strictObject({
  /**
   * The incoming webhook's URL, as Teams shows it when the webhook is added to a channel. It is a
   * secret (whoever holds it can post to the channel): give it with `${ENV}`; Lease never logs it.
   * https, except on loopback (local receivers, tests).
   */
  webhook_url: z.url().refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  }, 'expected an https URL (http only on loopback)'),
  /** Give up on one attempt after this many milliseconds. */
  timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
  /** Attempts per notification when Teams answers 429 or 5xx (or cannot be reached); then the workflow runtime retries the call. */
  max_attempts: z.number().int().min(1).max(10).default(3),
});

export type TeamsConfig = z.infer<typeof teamsConfigSchema>;
