// `providers.<id>.config` for type `pagerduty`. Unknown keys are errors.
import { z } from 'zod';
import { apiUrlSchema } from '../on-call/index.js';

export const pagerdutyConfigSchema = z.strictObject({
  /** A REST API key (read-only is enough). A secret: give it with `${ENV}`; Lease never logs it. */
  token: z.string().min(1),
  /** The REST API's base URL (PagerDuty's EU service: https://api.eu.pagerduty.com). */
  api_url: apiUrlSchema.default('https://api.pagerduty.com'),
  /** Give up on one attempt after this many milliseconds. */
  timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
  /** Attempts per lookup when PagerDuty answers 429 or 5xx (or cannot be reached). */
  max_attempts: z.number().int().min(1).max(10).default(3),
});

export type PagerdutyConfig = z.infer<typeof pagerdutyConfigSchema>;
