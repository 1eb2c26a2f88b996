// A recording proxy that checks each request against an OpenAPI description before passing it
// on (to an emulator: an emulator is not the service, so what Lease sends is also held to the
// service's own published description). A request whose method and path match no documented
// operation, or whose JSON body does not validate against the operation's requestBody schema
// (Ajv), is recorded in `violations` and answered 400 so the test sees it. Tests can also
// answer for the target (`intercept`: throttling, errors) or hold a request (`hold`).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  bodyPointer?: string;
}

export interface ProxiedRequest {
  method: string;
  path: string;
  search: string;
  body: unknown;
  operation?: string;
}

export type Intercept = (request: ProxiedRequest) => { status: number; headers?: Record<string, string>; body?: unknown } | undefined;

const loaded = new Map<string, { spec: Record<string, unknown>; operations: Operation[] }>();

function loadSpec(file: string) {
  let entry = loaded.get(file);
  if (entry) return entry;
  const spec = JSON.parse(readFileSync(file, 'utf8')) as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> };
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
      const json = op.requestBody?.content?.['application/json'] !== undefined;
      const escaped = template.replace(/~/g, '~0').replace(/\//g, '~1');
      operations.push({ method: method.toUpperCase(), template, pattern, ...(json ? { bodyPointer: `#/paths/${escaped}/${method}/requestBody/content/application~1json/schema` } : {}) });
    }
  }
  // Literal segments before templated ones (GitHub documents /orgs/{org}/teams and /orgs/{org}/{security_product}/...).
  operations.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  entry = { spec: spec as unknown as Record<string, unknown>, operations };
  loaded.set(file, entry);
  return entry;
}

export class OpenApiProxy {
  readonly violations: string[] = [];
  readonly requests: ProxiedRequest[] = [];
  intercept?: Intercept;
  /** Holds the upstream's answer to a request (the upstream has acted) until the promise resolves. */
  hold?: (request: ProxiedRequest) => Promise<void> | undefined;
  private server?: Server;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly operations: Operation[];
  private upstream = '';

  constructor(specFile: string, private readonly basePath = '') {
    const { spec, operations } = loadSpec(specFile);
    this.operations = operations;
    this.ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true, validateFormats: false });
    this.ajv.addSchema(spec, 'spec');
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}${this.basePath}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((err: unknown) => res.writeHead(502).end(String(err))));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  setUpstream(url: string): void {
    this.upstream = url.replace(/\/$/, '');
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Requests to documented operations (method + template), in order. */
  operationsCalled(): string[] {
    return this.requests.map((r) => r.operation ?? `UNDOCUMENTED ${r.method} ${r.path}`);
  }

  private check(method: string, path: string, body: unknown): { operation?: string; problem?: string } {
    const op = this.operations.find((o) => o.method === method && o.pattern.test(path));
    if (!op) return { problem: `${method} ${path} is not an operation of the OpenAPI description` };
    const operation = `${method} ${op.template}`;
    if (body === undefined) return { operation };
    if (!op.bodyPointer) return { operation, problem: `${operation} takes no JSON body, got one` };
    let validate = this.validators.get(op.bodyPointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `spec${op.bodyPointer}` });
      this.validators.set(op.bodyPointer, validate);
    }
    if (!validate(body)) return { operation, problem: `${operation} body ${JSON.stringify(body)}: ${this.ajv.errorsText(validate.errors)}` };
    return { operation };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://proxy');
    const path = url.pathname.startsWith(this.basePath) ? url.pathname.slice(this.basePath.length) || '/' : url.pathname;
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const method = req.method ?? 'GET';
    const { operation, problem } = this.check(method, path, body);
    const request: ProxiedRequest = { method, path, search: url.search, body, ...(operation ? { operation } : {}) };
    this.requests.push(request);
    if (problem) {
      this.violations.push(problem);
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `openapi-proxy: ${problem}` }));
      return;
    }
    const answer = this.intercept?.(request);
    if (answer) {
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers[name] = value;
    const upstream = await fetch(`${this.upstream}${path}${url.search}`, { method, headers, ...(raw !== '' ? { body: raw } : {}), redirect: 'manual' });
    const text = await upstream.text();
    const out: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      // Paging links name the upstream's origin: point them back at the proxy.
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)) out[name] = name === 'link' ? value.split(this.upstream).join(new URL(this.url).origin) : value;
    });
    const held = this.hold?.(request);
    if (held) await held;
    res.writeHead(upstream.status, out).end(text);
  }
}
