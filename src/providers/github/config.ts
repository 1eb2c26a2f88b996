// `providers.<id>.config` for type `github`: Thand's keys (`token`, `api_url`, `organization`,
// `scopes`) plus a GitHub App installation instead of a token, and the e-mail → login map.
// Unknown keys are errors.
import { z } from 'zod';

export const DEFAULT_API_URL = 'https://api.github.com';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** A GitHub login or organization: letters, digits and single hyphens, at most 39. */
export const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** https, or http on a loopback address (an emulator); no credentials, query or fragment; no trailing slash kept. */
const apiUrl = z
  .string()
  .refine((value) => URL.canParse(value), 'expected an absolute URL like https://api.github.com or https://github.example.com/api/v3')
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) return;
    const url = new URL(value);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) ctx.addIssue({ code: 'custom', message: 'expected an https URL (http only on a loopback address)' });
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') ctx.addIssue({ code: 'custom', message: 'expected a base URL without credentials, query or fragment' });
  })
  .transform((value) => value.replace(/\/+$/, ''));

export const githubConfigSchema = z
  .strictObject({
    /** A token (fine-grained or classic PAT) with the permissions in docs/providers/github.md; usually `${GITHUB_TOKEN}`. */
    token: z.string().min(1, 'expected the token (e.g. ${GITHUB_TOKEN})').optional(),
    /** REST API base: https://api.github.com, or `https://<host>/api/v3` for GitHub Enterprise Server. */
    api_url: apiUrl.default(DEFAULT_API_URL),
    /** The organization whose teams `inherits: [github:team/<slug>]` names. */
    organization: z.string().regex(LOGIN, 'expected an organization login (letters, digits, hyphens)').optional(),
    /** Thand's OAuth scopes for its GitHub login; Lease grants with `token` or the App and ignores them. */
    scopes: z.array(z.string()).optional(),
    /** Verified e-mail address → GitHub login, for people whose login cannot be found by e-mail. */
    accounts: z.record(z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected an e-mail address'), z.string().regex(LOGIN, 'expected a GitHub login')).default({}),
    /** A GitHub App instead of a token: its id, private key (PEM, inline or a file path) and installation id. */
    app_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'expected the App id (a number)').transform(Number)]).optional(),
    private_key: z.string().min(1).optional(),
    installation_id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, 'expected the installation id (a number)').transform(Number)]).optional(),
    /** Where Lease keeps what each membership was before its leases (default `<data dir>/github/<provider id>.ledger.json`). */
    ledger_file: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    const app = [config.app_id, config.private_key, config.installation_id];
    const someApp = app.some((v) => v !== undefined);
    if (someApp && app.some((v) => v === undefined)) {
      for (const key of ['app_id', 'private_key', 'installation_id'] as const) {
        if (config[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `a GitHub App needs app_id, private_key and installation_id together; ${key} is missing` });
      }
    }
    if (config.token !== undefined && someApp) ctx.addIssue({ code: 'custom', path: ['token'], message: 'give either token or a GitHub App (app_id, private_key, installation_id), not both' });
  });

export type GithubConfig = z.infer<typeof githubConfigSchema>;

/** True when the config names a credential: a token or a GitHub App. */
export function hasGithubCredential(config: GithubConfig): boolean {
  return config.token !== undefined || config.app_id !== undefined;
}
