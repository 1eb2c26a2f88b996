import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { buildOpenApi } from './openapi.js';
import { route, type RouteSpec } from './route.js';

type Doc = {
  components: { schemas: Record<string, Record<string, unknown>> };
  paths: Record<string, Record<string, { requestBody?: { required: boolean; content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: Record<string, unknown> }>; security?: unknown[] }>>;
};

const owner = z.object({ id: z.string(), name: z.string().max(100) }).meta({ id: 'TestOwner' });
const thing = z.object({ id: z.string(), owner, previous: owner.nullable() }).meta({ id: 'TestThing' });
const note = z.object({ text: z.string().max(10).optional() }).strict().meta({ id: 'TestNote' });

const handler = async () => ({});
const build = (routes: RouteSpec<never, never>[]) => buildOpenApi(routes, { version: '0.0.0' }) as unknown as Doc;

describe('buildOpenApi', () => {
  it('makes each named schema one components.schemas entry, referred to as #/components/schemas/<id>', () => {
    const doc = build([
      route({ method: 'get', path: '/things/{id}', summary: 'one', tag: 't', auth: true, response: thing, handler }),
      route({ method: 'post', path: '/things/{id}/notes', summary: 'note', tag: 't', auth: true, body: note, response: thing, status: 201, handler }),
    ] as RouteSpec<never, never>[]);
    assert.deepEqual(doc.paths['/things/{id}']?.get?.responses['200']?.content?.['application/json']?.schema, { $ref: '#/components/schemas/TestThing' });
    const thingSchema = doc.components.schemas.TestThing as { properties: Record<string, unknown> };
    assert.deepEqual(thingSchema.properties.owner, { $ref: '#/components/schemas/TestOwner' });
    assert.equal((doc.components.schemas.TestOwner as { properties: { name: { maxLength: number } } }).properties.name.maxLength, 100);
    assert.ok(!JSON.stringify(doc).includes('$defs'), 'no $defs left anywhere');
    assert.ok(!JSON.stringify(doc.components.schemas).includes('$schema'), 'components carry no $schema dialect');
  });

  it('documents the statuses every route of a kind answers: 400 with input, 401 with auth, 413 for POSTs under /api/, 431 always', () => {
    const doc = build([
      route({ method: 'post', path: '/api/things/{id}/notes', summary: 'note', tag: 't', auth: true, body: note, response: thing, status: 202, errors: [409], handler }),
      route({ method: 'get', path: '/api/things', summary: 'all', tag: 't', auth: false, response: thing, handler }),
    ] as RouteSpec<never, never>[]);
    assert.deepEqual(Object.keys(doc.paths['/api/things/{id}/notes']?.post?.responses ?? {}), ['202', '400', '401', '409', '413', '431']);
    assert.deepEqual(Object.keys(doc.paths['/api/things']?.get?.responses ?? {}), ['200', '431']);
    const throttled = build([route({ method: 'post', path: '/api/login', summary: 'l', tag: 't', auth: false, body: note, response: thing, errors: [429], handler })] as RouteSpec<never, never>[]);
    assert.deepEqual(Object.keys(throttled.paths['/api/login']?.post?.responses['429']?.headers ?? {}), ['Retry-After']);
    assert.equal(doc.paths['/api/things']?.get?.security, undefined);
  });

  it('documents path parameters with the schema of `params` (plain strings without one)', () => {
    const params = z.object({ id: z.string().regex(/^t_[a-z]+$/) });
    const doc = build([
      route({ method: 'get', path: '/a/{id}', summary: 'a', tag: 't', auth: false, params, response: thing, handler }),
      route({ method: 'get', path: '/b/{id}', summary: 'b', tag: 't', auth: false, response: thing, handler }),
    ] as RouteSpec<never, never>[]);
    const parameters = (path: string) => (doc.paths[path]?.get as unknown as { parameters: { name: string; schema: unknown }[] }).parameters;
    assert.deepEqual(parameters('/a/{id}'), [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^t_[a-z]+$' } }]);
    assert.deepEqual(parameters('/b/{id}'), [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
  });

  it('marks a body whose fields are all optional as not required (an empty body reads as {})', () => {
    const required = z.object({ text: z.string() }).strict();
    const doc = build([
      route({ method: 'post', path: '/a', summary: 'a', tag: 't', auth: false, body: note, response: thing, handler }),
      route({ method: 'post', path: '/b', summary: 'b', tag: 't', auth: false, body: required, response: thing, handler }),
    ] as RouteSpec<never, never>[]);
    assert.equal(doc.paths['/a']?.post?.requestBody?.required, false);
    assert.equal(doc.paths['/b']?.post?.requestBody?.required, true);
  });

  it('gives pages, redirects and forms their real media types', () => {
    const page = z.string().describe('text/html page');
    const form = z.object({ code: z.string() });
    const doc = build([
      route({ method: 'get', path: '/page', summary: 'p', tag: 'web', auth: false, response: page, produces: 'text/html', pages: [404], handler }),
      route({ method: 'post', path: '/go', summary: 'g', tag: 'web', auth: false, form, response: z.null(), status: 303, pages: [200, 403], handler }),
    ] as RouteSpec<never, never>[]);
    assert.deepEqual(Object.keys(doc.paths['/page']?.get?.responses['200']?.content ?? {}), ['text/html']);
    assert.deepEqual(Object.keys(doc.paths['/page']?.get?.responses['404']?.content ?? {}), ['text/html']);
    const go = doc.paths['/go']?.post;
    assert.deepEqual(go?.responses['303'], { description: 'See Other', headers: { Location: { required: true, schema: { type: 'string' } } } });
    assert.deepEqual(Object.keys(go?.requestBody?.content ?? {}), ['application/x-www-form-urlencoded']);
    assert.deepEqual(Object.keys(go?.responses['200']?.content ?? {}), ['text/html']);
  });

  it('refuses two different schemas under one id, which would make one of them wrong', () => {
    const other = z.object({ id: z.number() }).meta({ id: 'TestClash' });
    const again = z.object({ id: z.string() }).meta({ id: 'TestClash' });
    assert.throws(
      () =>
        build([
          route({ method: 'get', path: '/x', summary: 'x', tag: 't', auth: false, response: other, handler }),
          route({ method: 'get', path: '/y', summary: 'y', tag: 't', auth: false, response: again, handler }),
        ] as RouteSpec<never, never>[]),
      /two different schemas are named "TestClash"/,
    );
  });
});
