// One server span per API call, named by the route's pattern (`POST /api/v1/requests/{id}/approve`),
// never by the path it was called with (ids, tokens) nor its query or headers. The span is
// active while the route runs, so a workflow the call starts carries its trace.
import { toErrorBody } from '../core/index.js';
import { tracer } from '../tracing/index.js';
import type { RouteSpec } from './api/route.js';

export function traceRoute(spec: Pick<RouteSpec<never, never>, 'method' | 'path'>, run: () => Promise<Response>): Promise<Response> {
  const method = spec.method.toUpperCase();
  return tracer().inSpan(
    `${method} ${spec.path}`,
    { kind: 'server', attributes: { 'http.request.method': method, 'http.route': spec.path } },
    async (span) => {
      try {
        const response = await run();
        span.setAttributes({ 'http.response.status_code': response.status });
        if (response.status >= 500) span.fail(`http_${response.status}`);
        return response;
      } catch (err) {
        // The error handler answers with this status; the span says so, with the error's code.
        span.setAttributes({ 'http.response.status_code': toErrorBody(err).status });
        throw err;
      }
    },
  );
}
