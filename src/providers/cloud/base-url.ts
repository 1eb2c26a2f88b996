// A target's base URL in a provider's config: https, or http on a loopback address only (a
// test's emulator or contract server, never a plain-text link to a real service).
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether a URL's host is the loopback interface (where plain http is allowed). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** An absolute base URL without credentials, query or fragment; kept without a trailing slash. */
export function baseUrlSchema(example: string) {
  return z
    .string()
    .refine((value) => URL.canParse(value), `expected an absolute URL like ${example}`)
    .superRefine((value, ctx) => {
      if (!URL.canParse(value)) return;
      const url = new URL(value);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
        ctx.addIssue({ code: 'custom', message: 'expected an https URL (http only on a loopback address)' });
      }
      if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
        ctx.addIssue({ code: 'custom', message: 'expected a base URL without credentials, query or fragment' });
      }
    })
    .transform((value) => value.replace(/\/+$/, ''));
}
