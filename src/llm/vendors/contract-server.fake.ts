// Shared by the vendors' contract servers (*.fake.ts beside this file): a loopback HTTP server
// that checks each request as the vendor's API reference says the real service does, and answers
// from a script: a good answer, a malformed one, a chosen role, a timeout (no answer), a 429.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Script =
  | { kind: 'answer'; value: Record<string, unknown> }
  | { kind: 'malformed' }
  | { kind: 'timeout' }
  | { kind: 'rate-limited' };

export interface ContractServer {
  /** The base_url to configure. */
  url: string;
  /** The script the next requests follow (default: a good answer naming nothing). */
  script: Script;
  /** Every request body that passed the checks. */
  received: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface Exchange {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Vendor {
  /** A refusal as the real API words it, or undefined when the request is well formed. */
  check(exchange: Exchange): { status: number; body: unknown } | undefined;
  /** The vendor's envelope around the answer (`content` is the answer's JSON text, or the object for tool use). */
  answer(value: Record<string, unknown> | string, request: Record<string, unknown>): unknown;
  rateLimited(): unknown;
}

export async function startContractServer(vendor: Vendor): Promise<ContractServer> {
  const hanging = new Set<ServerResponse>();
  const state: ContractServer = {
    url: '',
    script: { kind: 'answer', value: {} },
    received: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      const send = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const refusal = vendor.check({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (refusal) return send(refusal.status, refusal.body);
      state.received.push(body as Record<string, unknown>);
      const script = state.script;
      if (script.kind === 'timeout') {
        hanging.add(res);
        return;
      }
      if (script.kind === 'rate-limited') return send(429, vendor.rateLimited());
      if (script.kind === 'malformed') return send(200, vendor.answer('{"role": "db-read", "provider":', body as Record<string, unknown>));
      return send(200, vendor.answer(script.value, body as Record<string, unknown>));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** A JSON Schema that structured outputs in strict mode take: every property required, no others allowed. */
export function strictSchemaProblem(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return 'schema must be an object';
  const s = schema as { type?: unknown; properties?: Record<string, unknown>; required?: unknown; additionalProperties?: unknown };
  if (s.type !== 'object') return "schema's type must be 'object'";
  if (s.additionalProperties !== false) return "'additionalProperties' is required to be supplied and to be false";
  const keys = Object.keys(s.properties ?? {});
  const required = Array.isArray(s.required) ? s.required : [];
  const missing = keys.filter((k) => !required.includes(k));
  if (missing.length > 0) return `'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'`;
  return undefined;
}
