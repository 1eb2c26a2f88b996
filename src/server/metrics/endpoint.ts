// `GET /metrics` and the HTTP latency middleware. The token, when set, is compared in constant
// time (over digests, so its length does not leak either); a wrong or missing one is a 401.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { LeaseMetrics } from '../../core/index.js';
import type { PrometheusMetrics } from './prometheus.js';

export interface MetricsEndpoint {
  registry: PrometheusMetrics;
  recorder: LeaseMetrics;
  /** `server.metrics.token`: scrapers send `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * Times every HTTP call by its route pattern: a path no route matched is `unmatched`, so the
 * label's values stay the (bounded) set of routes whatever paths clients send.
 */
export function httpMetrics(recorder: LeaseMetrics, routes: ReadonlySet<string>): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const pattern = routePath(c, -1);
      const route = routes.has(pattern) ? pattern : 'unmatched';
      recorder.httpRequest(route, c.req.method, c.res.status, (performance.now() - started) / 1000);
    }
  };
}

export function metricsHandler(endpoint: MetricsEndpoint): (c: Context) => Promise<Response> {
  const expected = endpoint.token === undefined ? undefined : digest(endpoint.token);
  return async (c) => {
    if (expected !== undefined) {
      const header = c.req.header('authorization') ?? '';
      const given = /^Bearer (.+)$/i.exec(header)?.[1];
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        c.header('www-authenticate', 'Bearer realm="lease metrics"');
        return c.json({ error: { code: 'unauthenticated', message: 'GET /metrics needs the bearer token set in server.metrics.token' } }, 401);
      }
    }
    return c.body(await endpoint.registry.scrape(), 200, { 'content-type': endpoint.registry.contentType });
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
