// How Lease talks to Okta's management API (/api/v1): `Authorization: SSWS <token>`, cursor
// paging by `Link: <...>; rel="next"` (kept to the org's own origin), and Okta's own reading of
// its errors (Okta developer docs, "Rate limits" and "Error codes"):
// - 429 (E0000047) with `X-Rate-Limit-Reset` (epoch seconds when the window resets): transient,
//   retried after that time (capped by withRetries), then handed to the workflow runtime;
// - 401 (E0000011 "Invalid token provided"): the token is wrong, expired or revoked;
// - 403 (E0000006 "You do not have permission..."): the token's admin lacks a role for that call.
import { answerError, callRest, TargetRefused, TargetUnavailable, type RestAnswer, type RestClientOptions, type RestRequest, type RetryOptions } from '../cloud/index.js';
import type { OktaConfig } from './config.js';

export function classifyOktaAnswer(target: string, now: () => number): NonNullable<RestClientOptions['classify']> {
  return ({ status, body, headers, what }) => {
    const okta = body as { errorCode?: unknown; errorSummary?: unknown; message?: unknown } | undefined;
    const said =
      typeof okta?.errorSummary === 'string' ? `${typeof okta.errorCode === 'string' ? `${okta.errorCode}: ` : ''}${okta.errorSummary}` : typeof okta?.message === 'string' ? okta.message : 'no message';
    const text = `${target}: ${what} answered ${status}: ${said}`;
    if (status === 429) {
      const reset = Number(headers.get('x-rate-limit-reset') ?? NaN);
      const retryAfter = Number(headers.get('retry-after') ?? NaN);
      const seconds = Number.isFinite(reset) ? Math.max(1, Math.ceil(reset - now() / 1000)) : Number.isFinite(retryAfter) ? retryAfter : 60;
      return new TargetUnavailable(`Okta is rate limiting: ${text}`, { retryAfterSeconds: seconds });
    }
    if (status === 401) {
      return new TargetRefused('target_permission_denied', `${text} (the API token is invalid, expired or revoked: create a new one and set token)`, { status: 403, missingPermission: 'a valid API token' });
    }
    if (status === 403) {
      const needs = /\/groups\/[^/]+\/users\//.test(what) ? 'an admin role that may manage this group\'s membership (Group Membership Admin or Group Admin over it, Org Admin or Super Admin)' : 'an admin role that may read users and groups (Read-only Admin or higher)';
      return new TargetRefused('target_permission_denied', `${text} (the token's admin needs ${needs})`, { status: 403, missingPermission: needs });
    }
    return undefined;
  };
}

export interface OktaApi {
  call<T>(request: RestRequest): Promise<RestAnswer<T>>;
  /** Items of a listing that `keep` accepts, following `Link: <...>; rel="next"`, at most `max` of them. */
  all<T>(request: RestRequest, options?: { max?: number; keep?: (item: T) => boolean }): Promise<T[]>;
}

export function oktaApi(id: string, config: OktaConfig, options: { retry?: RetryOptions; now: () => number }): OktaApi {
  const target = `okta provider "${id}"`;
  const token = config.token;
  const client: RestClientOptions = {
    baseUrl: config.domain,
    token: () => Promise.resolve(token),
    authScheme: 'SSWS',
    target,
    classify: classifyOktaAnswer(target, options.now),
    ...(options.retry ? { retry: options.retry } : {}),
  };
  return {
    call: (request) => callRest(client, request),
    async all<T>(first: RestRequest, { max = Infinity, keep }: { max?: number; keep?: (item: T) => boolean } = {}): Promise<T[]> {
      const items: T[] = [];
      let request: RestRequest | undefined = first;
      for (let pages = 0; request !== undefined && items.length < max && pages < 1000; pages++) {
        const answer: RestAnswer<T[]> = await callRest<T[]>(client, request);
        if (!Array.isArray(answer.body)) throw answerError(target, `GET ${request.path}`, 502, 'expected a JSON array');
        items.push(...(keep ? answer.body.filter(keep) : answer.body));
        const next = nextLink(answer.headers.get('link'));
        // The token goes only to the configured org: a next page elsewhere is refused.
        if (next !== undefined && new URL(next).origin !== new URL(config.domain).origin) throw answerError(target, `GET ${first.path}`, 502, `a next page at another origin (${new URL(next).origin})`);
        request = next ? { path: next } : undefined;
      }
      return items.slice(0, max);
    },
  };
}

/** `<https://acme.okta.com/api/v1/groups?after=x&limit=200>; rel="next"` → that URL. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (match) return match[1];
  }
  return undefined;
}
