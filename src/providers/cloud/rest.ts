// JSON over HTTPS to a cloud's REST API with a bearer token (GCP, Azure, Microsoft Graph). The
// answer's status decides the error (errors.ts); the error message is the target's own, which
// names the missing permission when the target says. Tokens are never part of an error or log.
import { TargetRefused, TargetUnavailable } from './errors.js';
import { withRetries, type RetryOptions } from './retry.js';

export interface RestClientOptions {
  /** Base URL; a request's path is appended to it. */
  baseUrl: string;
  /** A valid bearer token (cached by the caller: see TokenCache). */
  token: () => Promise<string>;
  /** Names the target in messages (`gcp provider "gcp-prod"`). */
  target: string;
  retry?: RetryOptions;
  /** The Authorization scheme before the token (default `Bearer`; Okta API tokens use `SSWS`). */
  authScheme?: string;
  /** Headers sent with every request (e.g. an API version). */
  headers?: Record<string, string>;
  /**
   * The target's own reading of a non-2xx answer, before the generic one (e.g. GitHub's
   * secondary rate limit is a 403, Okta's throttling names its reset time in a header).
   */
  classify?: (answer: { status: number; body: unknown; headers: Headers; what: string }) => Error | undefined;
}

export interface RestRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Appended to baseUrl (starts with `/`), or an absolute URL (a next-page link). */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RestAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/** Sends one request (with quick retries of transient failures); a 2xx answer's JSON body, else a typed error. */
export async function callRest<T>(client: RestClientOptions, request: RestRequest): Promise<RestAnswer<T>> {
  return withRetries(() => callOnce<T>(client, request), client.retry);
}

async function callOnce<T>(client: RestClientOptions, request: RestRequest): Promise<RestAnswer<T>> {
  const url = request.path.startsWith('https://') || request.path.startsWith('http://') ? new URL(request.path) : new URL(`${client.baseUrl.replace(/\/$/, '')}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
  const token = await client.token();
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method ?? 'GET',
      redirect: 'error',
      headers: {
        accept: 'application/json',
        authorization: `${client.authScheme ?? 'Bearer'} ${token}`,
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...client.headers,
        ...request.headers,
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
  } catch (err) {
    throw new TargetUnavailable(`${client.target}: cannot reach ${url.origin}: ${causeMessage(err)}`);
  }
  const text = await response.text();
  const body = parseJson(text);
  if (response.ok) return { status: response.status, body: body as T, headers: response.headers };
  const what = `${request.method ?? 'GET'} ${url.pathname}`;
  const own = client.classify?.({ status: response.status, body, headers: response.headers, what });
  if (own) throw own;
  // Retry-After, or HCP Terraform's X-RateLimit-Reset (seconds until the limit resets).
  throw answerError(client.target, `${request.method ?? 'GET'} ${url.pathname}`, response.status, body, response.headers.get('retry-after') ?? response.headers.get('x-ratelimit-reset'));
}

/** The error for a non-2xx answer: the target's own message, typed by status. */
export function answerError(target: string, what: string, status: number, body: unknown, retryAfter?: string | null): Error {
  const message = `${target}: ${what} answered ${status}: ${targetMessage(body) ?? 'no message'}`;
  if (status === 429 || status >= 500) {
    const seconds = retryAfter ? Number(retryAfter) : NaN;
    return new TargetUnavailable(message, Number.isFinite(seconds) && seconds >= 0 ? { retryAfterSeconds: seconds } : {});
  }
  if (status === 401 || status === 403) return new TargetRefused('target_permission_denied', message, { status: 403, ...missingPermissionOf(body) });
  if (status === 404) return new TargetRefused('target_not_found', message);
  if (status === 409 || status === 412) return new TargetRefused('target_conflict', message, { status: 409 });
  return new TargetRefused('target_refused', message, { status: 400 });
}

/**
 * `{error: {message}}` (Google, Azure), `{error: {code, message}}`, `{error_description}` (OAuth),
 * JSON:API `{errors: [{title, detail}]}` (HCP Terraform), `[{errorCode, message}]` (Salesforce),
 * or a plain string.
 */
function targetMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 500) || undefined;
  if (Array.isArray(body)) {
    const parts = body.flatMap((e: { errorCode?: unknown; message?: unknown }) => (typeof e?.message === 'string' ? [`${typeof e.errorCode === 'string' ? `${e.errorCode}: ` : ''}${e.message}`] : []));
    return parts.length > 0 ? parts.join('; ') : undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const jsonApi = (body as { errors?: unknown }).errors;
  if (Array.isArray(jsonApi)) {
    const parts = jsonApi.flatMap((e: { title?: unknown; detail?: unknown; source?: { pointer?: unknown } }) => {
      const text = [e?.title, e?.detail].filter((t): t is string => typeof t === 'string' && t !== '').join(': ');
      const at = typeof e?.source?.pointer === 'string' ? ` (at ${e.source.pointer})` : '';
      return text ? [`${text}${at}`] : [];
    });
    if (parts.length > 0) return parts.join('; ');
  }
  const record = body as { error?: unknown; error_description?: unknown; message?: unknown; errorSummary?: unknown; errorCode?: unknown };
  if (typeof record.error_description === 'string') return record.error_description;
  // Okta: {errorCode: 'E0000007', errorSummary: 'Not found: ...'}
  if (typeof record.errorSummary === 'string') return typeof record.errorCode === 'string' ? `${record.errorCode}: ${record.errorSummary}` : record.errorSummary;
  if (typeof record.error === 'object' && record.error !== null) {
    const error = record.error as { code?: unknown; message?: unknown };
    const code = typeof error.code === 'string' ? `${error.code}: ` : '';
    if (typeof error.message === 'string') return `${code}${error.message}`;
  }
  if (typeof record.error === 'string') return record.error;
  return typeof record.message === 'string' ? record.message : undefined;
}

/** Google names it in error.details[].metadata.permission; Azure in the message ("does not have authorization to perform action 'X'"). */
function missingPermissionOf(body: unknown): { missingPermission?: string } {
  const error = (body as { error?: { message?: unknown; details?: unknown } } | undefined)?.error;
  if (Array.isArray(error?.details)) {
    for (const detail of error.details as { metadata?: { permission?: unknown } }[]) {
      if (typeof detail?.metadata?.permission === 'string') return { missingPermission: detail.metadata.permission };
    }
  }
  const match = typeof error?.message === 'string' ? /(?:action|permission) '([^']+)'/.exec(error.message) : null;
  return match ? { missingPermission: match[1] as string } : {};
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function causeMessage(err: unknown): string {
  if (err instanceof Error && err.cause instanceof Error) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Every item of a paged list: `next(page)` gives the next request (or undefined), `items(page)` the page's items. */
export async function collectPages<P, I>(first: RestRequest, client: RestClientOptions, items: (page: P) => I[], next: (page: P) => RestRequest | undefined, limit = Infinity): Promise<I[]> {
  const all: I[] = [];
  for (let request: RestRequest | undefined = first; request !== undefined && all.length < limit; ) {
    const page = (await callRest<P>(client, request)).body;
    all.push(...items(page));
    request = next(page);
  }
  return all.slice(0, limit);
}
