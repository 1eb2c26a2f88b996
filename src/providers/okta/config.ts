// `providers.<id>.config` for type `okta`: the org's `domain` and an API `token` (Okta's SSWS
// API token). Thand's examples have no okta access provider, so there are no Thand keys to keep.
// Unknown keys are errors.
import { z } from 'zod';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * `acme.okta.com` (or a custom domain) → `https://acme.okta.com`; a full URL is taken as is when
 * it is https, or http on a loopback address (an emulator in tests). No path, credentials,
 * query or fragment: the token goes to that origin only.
 */
const domain = z
  .string()
  .min(1, 'expected the Okta domain, e.g. acme.okta.com')
  .transform((value, ctx) => {
    const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
    if (!URL.canParse(text)) {
      ctx.addIssue({ code: 'custom', message: 'expected an Okta domain like acme.okta.com (or https://acme.okta.com)' });
      return z.NEVER;
    }
    const url = new URL(text);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) ctx.addIssue({ code: 'custom', message: 'expected https (plain http only on a loopback address)' });
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname.replace(/\/+$/, '') !== '') {
      ctx.addIssue({ code: 'custom', message: 'expected the domain alone (no path, credentials, query or fragment), e.g. acme.okta.com' });
    }
    return url.origin;
  });

export const oktaConfigSchema = z.strictObject({
  /** The Okta org: `acme.okta.com`, a custom domain, or a base URL (`https://...`; http only on loopback). */
  domain,
  /** An Okta API token (sent as `Authorization: SSWS <token>`); usually `${OKTA_API_TOKEN}`. */
  token: z.string().min(1, 'expected the API token (e.g. ${OKTA_API_TOKEN})'),
  /** Where Lease keeps what each membership was before its leases (default `<data dir>/okta/<provider id>.ledger.json`). */
  ledger_file: z.string().min(1).optional(),
});

export type OktaConfig = z.infer<typeof oktaConfigSchema>;
