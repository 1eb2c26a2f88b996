// One read of an on-call service's REST API, with the retries its rate limits ask for: 429 and
// 5xx (and an unreachable service) are tried again with backoff, Retry-After honoured; anything
// else is an answer. Shared by the `pagerduty` and `opsgenie` providers.
import { z } from 'zod';
import { LeaseError } from '../../core/index.js';

/** The on-call service could not say who is on call. Never names the credential. */
export class OnCallLookupFailed extends LeaseError {
  constructor(providerId: string, detail: string, status = 502) {
    super('on_call_lookup_failed', `${providerId}: ${detail}`, { status });
  }
}

export interface LookupSettings {
  timeout_ms: number;
  max_attempts: number;
}

export interface LookupOptions {
  /** First backoff; doubles per attempt (default 500 ms). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * GETs `url` and returns its JSON body on a 2xx. A 4xx other than 429 (refused credential,
 * unknown schedule) fails at once with the service's own message; 429/5xx/unreachable fail after
 * `max_attempts`.
 */
export async function getJson(providerId: string, url: URL, headers: Record<string, string>, settings: LookupSettings, options: LookupOptions = {}): Promise<unknown> {
  const backoffMs = options.backoffMs ?? 500;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // The path and query name the schedule, never a secret: safe in messages.
  const what = `GET ${url.pathname}`;
  let last: string;
  for (let attempt = 1; ; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, { headers, redirect: 'error', signal: AbortSignal.timeout(settings.timeout_ms) });
      const text = await response.text();
      if (response.ok) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw new OnCallLookupFailed(providerId, `${what} answered ${response.status} with a body that is not JSON`);
        }
      }
      const detail = `${what} answered ${response.status}${serviceMessage(text)}`;
      if (response.status !== 429 && response.status < 500) throw new OnCallLookupFailed(providerId, detail);
      last = detail;
      const header = response.headers.get('retry-after');
      if (header !== null && /^\d+$/.test(header.trim())) retryAfterMs = Number(header.trim()) * 1000;
    } catch (err) {
      if (err instanceof OnCallLookupFailed) throw err;
      const cause = err instanceof Error && err.cause instanceof Error ? ` (${(err.cause as { code?: string }).code ?? err.cause.name})` : '';
      last = `${what} not reachable: ${err instanceof Error ? err.name : 'error'}${cause}`;
    }
    if (attempt >= settings.max_attempts) throw new OnCallLookupFailed(providerId, last);
    await sleep(Math.min(retryAfterMs ?? backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS));
  }
}

/** `: <message>` from a JSON error body (`{error: {message}}` or `{message}`), cut short; else nothing. */
function serviceMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } };
    const message = typeof body.error?.message === 'string' ? body.error.message : typeof body.message === 'string' ? body.message : undefined;
    return message === undefined ? '' : `: ${message.replace(/\s+/g, ' ').slice(0, 200)}`;
  } catch {
    return '';
  }
}

/** The e-mail addresses in `values`, lower-case, without repeats. */
export function emails(values: unknown[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.includes('@')).map((v) => v.trim().toLowerCase()))];
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A service's base URL: https, except on loopback (contract servers, tests). */
export const apiUrlSchema = z
  .url()
  .refine((u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  }, 'expected an https URL (http only on loopback)')
  .transform((u) => u.replace(/\/+$/, ''));
