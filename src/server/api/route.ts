// A route is declared once: method, path, schemas and handler. The same declarations register
// the Hono handlers and generate the OpenAPI document, so the two cannot drift apart.
import type { Context } from 'hono';
import type { z } from 'zod';
import type { Identity } from '../../core/index.js';
import { InvalidInput } from '../../core/index.js';

/** Most bytes a request body under /api/ may have: larger ones are refused with 413 (http.ts). */
export const MAX_BODY_BYTES = 64 * 1024;

export interface RouteContext<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  /** Present on routes with `auth: true`. */
  identity: Identity;
  c: Context;
}

export interface RouteSpec<B = unknown, Q = unknown> {
  method: 'get' | 'post';
  /** OpenAPI-style path: `/api/v1/requests/{id}`. */
  path: string;
  summary: string;
  tag: string;
  auth: boolean;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  /** Checks the path parameters (all strings) before the handler runs; documents their patterns. */
  params?: z.ZodType<Record<string, string>>;
  response: z.ZodType;
  /** 303: the handler returns a redirect Response (browser flows); the OpenAPI says so. */
  status?: 200 | 201 | 202 | 303;
  /**
   * JSON error statuses the handler can answer besides those every route of its kind gets (400
   * with input, 401 with `auth` or `credential`, 413 for a POST under /api/, 431); see openapi.ts.
   */
  errors?: number[];
  /** The media type of a success answer that is not JSON (pages, scripts, metadata); `response` describes it as a string. */
  produces?: 'text/html' | 'text/javascript' | 'text/css' | 'text/plain' | 'application/samlmetadata+xml' | 'application/octet-stream';
  /** Statuses the handler answers with an HTML page rather than JSON (browser pages). */
  pages?: number[];
  /** A form body (application/x-www-form-urlencoded) the handler reads itself, for the document. */
  form?: z.ZodType;
  /** Authenticated by a host agent's credential (checked in the handler), not a user session. */
  credential?: 'host';
  handler(ctx: RouteContext<B, Q>): Promise<unknown>;
}

export function route<B = undefined, Q = undefined>(spec: RouteSpec<B, Q>): RouteSpec<B, Q> {
  return spec;
}

/** Parses with a zod schema; a failure becomes a 400 naming the first offending field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'path'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : undefined;
  const message = issue ? `${where}${field ? `.${field}` : ''}: ${issue.message}` : `invalid ${where}`;
  throw new InvalidInput(message, field);
}

export function toHonoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
