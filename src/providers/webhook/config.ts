// `providers.<id>.config` for type `webhook`. Unknown keys are errors.
import { z } from 'zod';

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export const webhookConfigSchema = z.strictObject({
  /** Where notifications are POSTed as JSON. https, except on loopback (local receivers, tests). */
  url: z.url().refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  }, 'expected an https URL (http only on loopback)'),
  /** Extra headers, e.g. an API key from `${ENV}`. */
  headers: z.record(z.string(), z.string()).default({}),
  /** When set, each body is signed: `x-lease-signature: sha256=<hex HMAC-SHA256 of the body>`. */
  secret: z.string().min(16, 'use at least 16 characters').optional(),
  /** Give up on one attempt after this many milliseconds (the runtime retries). */
  timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
});

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
