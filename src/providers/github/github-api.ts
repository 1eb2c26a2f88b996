// How Lease talks to GitHub's REST API: version header, bearer token (a PAT, or a GitHub App
// installation token cached until shortly before it expires), Link-header paging, and GitHub's
// own reading of its errors (see GitHub's "Rate limits for the REST API" and "Troubleshooting
// the REST API"):
// - a secondary rate limit is a 403 (or 429) with `retry-after`, or a 403/429 with
//   `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds): transient, retried;
// - any other 403 is a refusal; `x-accepted-github-permissions` names the permission a
//   fine-grained token or App lacks.
import { answerError, callRest, TargetRefused, TargetUnavailable, TokenCache, type RestAnswer, type RestClientOptions, type RestRequest, type RetryOptions } from '../cloud/index.js';
import { hasGithubCredential, type GithubConfig } from './config.js';
import { installationTokenFetcher } from './app-token.js';

export const API_VERSION = '2022-11-28';
const HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': API_VERSION };

export function classifyGithubAnswer(now: () => number): NonNullable<RestClientOptions['classify']> {
  return ({ status, body, headers, what }) => {
    if (status !== 403 && status !== 429) return undefined;
    const message = typeof (body as { message?: unknown } | undefined)?.message === 'string' ? (body as { message: string }).message : 'no message';
    const text = `${what} answered ${status}: ${message}`;
    const retryAfter = Number(headers.get('retry-after') ?? NaN);
    if (Number.isFinite(retryAfter)) return new TargetUnavailable(`GitHub is rate limiting: ${text}`, { retryAfterSeconds: retryAfter });
    if (headers.get('x-ratelimit-remaining') === '0') {
      const reset = Number(headers.get('x-ratelimit-reset') ?? NaN);
      return new TargetUnavailable(`GitHub's rate limit is used up: ${text}`, Number.isFinite(reset) ? { retryAfterSeconds: Math.max(1, reset - Math.floor(now() / 1000)) } : {});
    }
    if (status === 429 || /secondary rate limit|abuse detection/i.test(message)) return new TargetUnavailable(`GitHub is rate limiting: ${text}`, { retryAfterSeconds: 60 });
    const accepted = headers.get('x-accepted-github-permissions');
    return new TargetRefused('target_permission_denied', `${text}${accepted ? ` (the token or App needs: ${accepted})` : ''}`, { status: 403, ...(accepted ? { missingPermission: accepted } : {}) });
  };
}

export interface GithubApi {
  call<T>(request: RestRequest): Promise<RestAnswer<T>>;
  /** Every item of a listing, following `Link: <...>; rel="next"`. */
  all<T>(request: RestRequest): Promise<T[]>;
}

export function githubApi(id: string, config: GithubConfig, options: { configDir: string; retry?: RetryOptions; now: () => number }): GithubApi {
  const target = `github provider "${id}"`;
  const classify = classifyGithubAnswer(options.now);
  let token: () => Promise<string>;
  if (!hasGithubCredential(config)) {
    // Thand's files may name a GitHub provider without a credential: it loads (with a warning),
    // and each request on it fails at once, saying what is missing, rather than being retried.
    token = () => Promise.reject(new TargetRefused('target_refused', `${target} has no credential: set token (or app_id, private_key and installation_id) in its config`));
  } else if (config.token !== undefined) {
    const value = config.token;
    token = () => Promise.resolve(value);
  } else {
    const cache = new TokenCache(
      installationTokenFetcher(
        { apiUrl: config.api_url, appId: config.app_id!, privateKey: config.private_key!, installationId: config.installation_id!, configDir: options.configDir, target, headers: HEADERS, classify, ...(options.retry ? { retry: options.retry } : {}) },
        options.now,
      ),
      options.now,
    );
    token = () => cache.get();
  }
  const client: RestClientOptions = { baseUrl: config.api_url, token, target, headers: HEADERS, classify, ...(options.retry ? { retry: options.retry } : {}) };
  return {
    call: (request) => callRest(client, request),
    async all<T>(first: RestRequest): Promise<T[]> {
      const items: T[] = [];
      let request: RestRequest | undefined = { ...first, query: { per_page: '100', ...first.query } };
      for (let pages = 0; request !== undefined && pages < 1000; pages++) {
        const answer: RestAnswer<T[]> = await callRest<T[]>(client, request);
        if (!Array.isArray(answer.body)) throw answerError(target, `GET ${request.path}`, 502, 'expected a JSON array');
        items.push(...answer.body);
        const next = nextLink(answer.headers.get('link'));
        // The token goes only to the configured API: a next page elsewhere is refused.
        if (next !== undefined && new URL(next).origin !== new URL(config.api_url).origin) throw answerError(target, `GET ${first.path}`, 502, `a next page at another origin (${new URL(next).origin})`);
        request = next ? { path: next } : undefined;
      }
      return items;
    },
  };
}

/** `<https://api.github.com/...&page=2>; rel="next", <...>; rel="last"` → the next URL. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}
