// The HTTP app: thin handlers over the services. Every error leaves as JSON
// `{ error: { code, message, field? } }` with a 4xx status for bad input; never a stack trace.
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { InvalidInput, LeaseError, toErrorBody, type Identity, type Logger } from '../core/index.js';
import { buildOpenApi } from './api/openapi.js';
import { MAX_BODY_BYTES, parseInput, toHonoPath, type RouteSpec } from './api/route.js';
import { traceRoute } from './trace-route.js';
import type { InFlightCalls } from './in-flight.js';
import { httpMetrics, metricsHandler, type MetricsEndpoint } from './metrics/endpoint.js';
import type { Readiness } from './readiness.js';
import type { WebSessions } from './web/web-sessions.js';

export interface HttpAppDeps {
  routes: RouteSpec<never, never>[];
  /** Authenticates `auth: true` routes: a bearer header, or the web session cookie (+ CSRF). */
  web: WebSessions;
  logger: Logger;
  version: string;
  /** `GET /ready`: 200 once start-up is done while the store and the engine answer, else 503 saying why. */
  readiness: () => Promise<Readiness>;
  /** Counts the calls being answered, so a shutdown can wait for them. */
  inFlight?: InFlightCalls;
  /** `server.metrics.enabled`: GET /metrics, and every call timed by route. */
  metrics?: MetricsEndpoint;
}

export function createHttpApp(deps: HttpAppDeps): Hono {
  const app = new Hono();
  // Built on first request: converting every schema is work a server start need not wait for.
  let openapi: Record<string, unknown> | undefined;

  if (deps.inFlight) app.use('*', deps.inFlight.middleware);
  const fixedRoutes = ['/health', '/ready', '/api/v1/openapi.json', ...(deps.metrics ? ['/metrics'] : [])];
  if (deps.metrics) app.use('*', httpMetrics(deps.metrics.recorder, new Set([...fixedRoutes, ...deps.routes.map((spec) => toHonoPath(spec.path))])));
  app.use('*', secureHeaders());
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => c.json({ error: { code: 'body_too_large', message: `request body exceeds ${MAX_BODY_BYTES} bytes` } }, 413),
    }),
  );

  // Liveness: the process answers. Whether it should take traffic is /ready's question.
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    const readiness = await deps.readiness();
    if (readiness.ready) return c.json({ status: 'ready' });
    return c.json({ error: { code: readiness.code, message: readiness.message } }, 503);
  });
  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics));
  app.get('/api/v1/openapi.json', (c) => c.json((openapi ??= buildOpenApi(deps.routes, { version: deps.version }))));

  for (const spec of deps.routes) {
    const handler = (c: Context) => traceRoute(spec, () => handle(c));
    const handle = async (c: Context) => {
      const identity: Identity | undefined = spec.auth ? await deps.web.authenticate(c) : undefined;
      const body = spec.body ? parseInput(spec.body, await readJson(c), 'body') : undefined;
      const query = spec.query ? parseInput(spec.query, c.req.query(), 'query') : undefined;
      if (spec.params) parseInput(spec.params, c.req.param(), 'path');
      const result = await spec.handler({ body, query, params: c.req.param() as Record<string, string>, identity: identity as Identity, c } as never);
      if (result instanceof Response) return result;
      return c.json(result as object, (spec.status ?? 200) as 200);
    };
    if (spec.method === 'get') app.get(toHonoPath(spec.path), handler);
    else app.post(toHonoPath(spec.path), handler);
  }

  const allowedMethods = methodsByPath([...deps.routes, ...fixedRoutes.map((path) => ({ method: 'get' as const, path }))]);
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = allowedMethods(path);
    if (allowed.length > 0) {
      c.header('allow', allowed.join(', '));
      return c.json({ error: { code: 'method_not_allowed', message: `${c.req.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}` } }, 405);
    }
    return c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${path}` } }, 404);
  });
  app.onError((err, c) => {
    const { status, body } = toErrorBody(err);
    if (err instanceof LeaseError && err.retryAfterSeconds !== undefined) c.header('retry-after', String(err.retryAfterSeconds));
    if (!(err instanceof LeaseError)) deps.logger.error({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err), path: new URL(c.req.url).pathname }, 'unhandled error');
    return c.json(body, status as 400);
  });
  return app;
}

/** The methods a path has routes for (a GET route answers HEAD too): a 405 names them in `Allow`. */
function methodsByPath(routes: readonly { method: 'get' | 'post'; path: string }[]): (path: string) => string[] {
  const pattern = (path: string) => new RegExp(`^${path.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
  const patterns = routes.map((r) => ({ method: r.method.toUpperCase(), pattern: pattern(r.path) }));
  return (path) => {
    const methods = new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

/** Reads a JSON body; an empty body is `{}`, anything that is not JSON is a 400. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidInput('request body is not valid JSON');
  }
}
