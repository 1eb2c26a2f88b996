// The OpenAPI 3.1 document, generated from the route declarations and their zod schemas.
// A schema named with `.meta({ id })` becomes one `components.schemas` entry, referred to as
// `#/components/schemas/<id>` wherever it is used; the rest is inline. Every status a route can
// answer is documented, with its real media type: a contract test (schemathesis) holds the
// server to it. http.ts builds the document on its first request, not at start.
import { maxHeaderSize } from 'node:http';
import { z } from 'zod';
import { errorBodySchema } from './schemas.js';
import { MAX_BODY_BYTES, type RouteSpec } from './route.js';

type Json = Record<string, unknown>;

interface ResponseObject {
  description: string;
  headers?: Json;
  content?: Record<string, { schema: unknown }>;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  303: 'See Other',
  400: 'Bad input',
  401: 'Not authenticated',
  403: 'Refused',
  404: 'Not found',
  409: 'Conflict',
  413: `Request body larger than ${MAX_BODY_BYTES} bytes`,
  415: 'Unsupported media type',
  429: 'Too many attempts',
  502: 'Upstream unavailable',
  503: 'Try again later',
  504: 'Upstream timed out',
};

/** Node refuses larger request headers before any route runs: a bare 431, no body. */
const HEADERS_TOO_LARGE: ResponseObject = { description: `Request headers larger than ${maxHeaderSize} bytes (no body)` };

/** A throttled login says when to try again (http.ts, from the error's retryAfterSeconds). */
const RETRY_AFTER = { required: false, description: 'seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } };

export function buildOpenApi(routes: readonly RouteSpec<never, never>[], info: { version: string }): Json {
  const components = new SchemaComponents();
  const errorBody = components.schema(errorBodySchema, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const responses = new Map<number, ResponseObject>();
    const answer = (status: number, media?: string, schema?: unknown) => {
      const response = responses.get(status) ?? { description: STATUS_TEXT[status] ?? 'Error' };
      if (media !== undefined) response.content = { ...response.content, [media]: { schema } };
      responses.set(status, response);
    };

    const success = r.status ?? 200;
    if (success === 303) responses.set(303, { description: STATUS_TEXT[303] as string, headers: { Location: { required: true, schema: { type: 'string' } } } });
    else answer(success, r.produces ?? 'application/json', components.schema(r.response, 'output'));

    const pathParameters = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    const pathSchemas = (r.params ? components.resolve(components.schema(r.params, 'input')) : {}) as { properties?: Record<string, Json> };
    const jsonErrors = new Set(r.errors ?? []);
    if (r.body || r.query || pathParameters.length > 0) jsonErrors.add(400);
    if (r.auth || r.credential) jsonErrors.add(401);
    // The body limit applies to every request under /api/, whether or not the route reads a body.
    if (r.method === 'post' && r.path.startsWith('/api/')) jsonErrors.add(413);
    for (const status of jsonErrors) answer(status, 'application/json', errorBody);
    for (const status of r.pages ?? []) answer(status, 'text/html', { type: 'string', description: 'HTML page' });
    responses.set(431, HEADERS_TOO_LARGE);
    const throttled = responses.get(429);
    if (throttled) throttled.headers = { 'Retry-After': RETRY_AFTER };

    const operation: Json = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[{}]/g, '').replace(/\/(\w)/g, (_m, ch: string) => ch.toUpperCase()).replace(/\W/g, '')}`,
      ...(r.auth ? { security: [{ bearer: [] }, { cookie: [] }] } : r.credential === 'host' ? { security: [{ hostCredential: [] }] } : {}),
      parameters: [
        ...pathParameters.map((name) => ({ name, in: 'path', required: true, schema: pathSchemas.properties?.[name] ?? { type: 'string' } })),
        ...queryParameters(components, r.query),
      ],
      ...(r.body
        ? {
            requestBody: {
              // An empty body reads as {}: a body whose fields are all optional may be left out.
              required: !r.body.safeParse({}).success,
              content: { 'application/json': { schema: components.schema(r.body, 'input') } },
            },
          }
        : r.form
          ? { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: components.schema(r.form, 'input') } } } }
          : {}),
      responses: Object.fromEntries([...responses.entries()].sort(([a], [b]) => a - b).map(([status, response]) => [String(status), response])),
    };
    const item = (paths[r.path] ??= {});
    if (item[r.method]) throw new Error(`openapi: ${r.method.toUpperCase()} ${r.path} is declared twice`);
    item[r.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Lease API', version: info.version, description: 'Just-in-time privileged access: request, approve, grant and revoke leases.' },
    components: {
      schemas: components.schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Session token from a login endpoint' },
        cookie: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-lease_session',
          description: 'Web session (lease_session on loopback http); POSTs also need X-CSRF-Token from GET /api/v1/auth/csrf',
        },
        hostCredential: { type: 'http', scheme: 'bearer', description: 'A host agent\'s credential (lease agent --host)' },
      },
    },
    paths,
  };
}

/** The JSON Schemas of one document: named schemas are collected once, under components.schemas. */
class SchemaComponents {
  readonly schemas: Record<string, Json> = {};

  /** `schema` as JSON Schema; its named parts (itself too, if named) become `$ref`s to components. */
  schema(schema: z.ZodType, io: 'input' | 'output'): Json {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io }) as Json;
    const { $schema: _dialect, $defs, ...root } = json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) this.add(id, toComponentRefs(def) as Json);
    return toComponentRefs(root) as Json;
  }

  /** A `$ref` to a component is followed to the component's schema. */
  resolve(json: Json): Json {
    const ref = typeof json.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(json.$ref) : null;
    return ref ? (this.schemas[ref[1] as string] ?? json) : json;
  }

  private add(id: string, def: Json): void {
    // zod names what it had to extract without an id (a recursive or, with reused: 'ref', a repeated schema) __schema<n>: unique per call only.
    if (id.startsWith('__schema')) throw new Error(`openapi: a recursive schema has no id (${JSON.stringify(def).slice(0, 120)}); name it with .meta({ id })`);
    const existing = this.schemas[id];
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(def)) {
      throw new Error(`openapi: two different schemas are named "${id}" (or one is used as a request and a response body with different JSON Schemas); give each its own id`);
    }
    this.schemas[id] = def;
  }
}

/** zod refers to named schemas as `#/$defs/<id>` of its one-schema document; here they live in components. */
function toComponentRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toComponentRefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, key === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : toComponentRefs(v)]),
  );
}

function queryParameters(components: SchemaComponents, schema: z.ZodType | undefined): unknown[] {
  if (!schema) return [];
  const json = components.resolve(components.schema(schema, 'input')) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
    schema: s,
  }));
}
