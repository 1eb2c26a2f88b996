// The OpenAPI 3.1 document, generated from the route declarations and their zod schemas.
import { z } from 'zod';
import { errorBodySchema } from './schemas.js';
import type { RouteSpec } from './route.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad input', 401: 'Not authenticated', 403: 'Refused', 404: 'Not found', 409: 'Conflict', 429: 'Too many attempts', 500: 'Internal error',
  502: 'Upstream unavailable', 503: 'Try again later',
};

export function buildOpenApi(routes: readonly RouteSpec<never, never>[], info: { version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const errors = [400, ...(r.auth ? [401] : []), ...(r.errors ?? [])];
    const operation: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_m, ch: string) => ch.toUpperCase()).replace(/\W/g, '')}`,
      ...(r.auth ? { security: [{ bearer: [] }, { cookie: [] }] } : {}),
      parameters: [
        ...[...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
        ...queryParameters(r.query),
      ],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } } } : {}),
      responses: {
        [String(r.status ?? 200)]:
          r.status === 303
            ? { description: 'Redirect', headers: { Location: { schema: { type: 'string' } } } }
            : { description: 'OK', content: { 'application/json': { schema: schemaOf(r.response) } } },
        ...Object.fromEntries(
          errors.map((s) => [String(s), { description: STATUS_TEXT[s] ?? 'Error', content: { 'application/json': { schema: schemaOf(errorBodySchema) } } }]),
        ),
      },
    };
    (paths[r.path] ??= {})[r.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Lease API', version: info.version, description: 'Just-in-time privileged access: request, approve, grant and revoke leases.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Session token from a login endpoint' },
        cookie: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-lease_session',
          description: 'Web session (lease_session on loopback http); POSTs also need X-CSRF-Token from GET /api/v1/auth/csrf',
        },
      },
    },
    paths,
  };
}

function schemaOf(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });
}

function queryParameters(schema: z.ZodType | undefined): unknown[] {
  if (!schema) return [];
  const json = schemaOf(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}
