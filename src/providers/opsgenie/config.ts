// `providers.<id>.config` for type `opsgenie`. Unknown keys are errors.
import { z } from 'zod';
import { apiUrlSchema } from '../on-call/index.js';

export const opsgenieConfigSchema = z.strictObject({
  /** An API integration's key (sent as `GenieKey`). A secret: give it with `${ENV}`; Lease never logs it. */
  api_key: z.string().min(1),
  /** The REST API's base URL (Opsgenie's EU instance: https://api.eu.opsgenie.com). */
  api_url: apiUrlSchema.default('https://api.opsgenie.com'),
  /** Give up on one attempt after this many milliseconds. */
  timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
  /** Attempts per lookup when Opsgenie answers 429 or 5xx (or cannot be reached). */
  max_attempts: z.number().int().min(1).max(10).default(3),
});

export type OpsgenieConfig = z.infer<typeof opsgenieConfigSchema>;
