// JSON over HTTPS to the Kubernetes API server: the cluster's CA, a bearer token or a client
// certificate (node:https; fetch cannot take a CA or a client certificate per call). The
// answer's status decides the error, as for the clouds (../cloud/errors.ts): 403 → TargetRefused
// naming the verb and resource Lease lacks (from the Status message), 404 → target_not_found,
// 409 → target_conflict, 429/5xx/network → TargetUnavailable, retried by withRetries.
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { TargetRefused, TargetUnavailable, withRetries, type RetryOptions } from '../cloud/index.js';
import type { Connection } from './connection.js';

/** A Kubernetes `Status` (the body of every error answer). */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; retryAfterSeconds?: number };
}

export interface KubeList<T> {
  items?: T[];
  metadata?: { continue?: string };
}

export interface KubeRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

/** A call gives up after this long without an answer (then it is retried as unavailable). */
const TIMEOUT_MS = 30_000;
const PAGE_SIZE = 250;

export class KubeApi {
  private agent?: HttpsAgent;

  constructor(
    private readonly connection: Connection,
    /** Names the target in messages (`kubernetes provider "k8s-prod"`). */
    private readonly target: string,
    private readonly retry: RetryOptions = {},
  ) {}

  /** One request, with quick retries of transient failures; a 2xx answer's JSON body, else a typed error. */
  call<T>(request: KubeRequest): Promise<T> {
    return withRetries(() => this.callOnce<T>(request), this.retry);
  }

  /** Every item of a list, page by page (`limit` + `continue`). */
  async list<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined;
    do {
      const page = await this.call<KubeList<T>>({ path, query: { ...query, limit: String(PAGE_SIZE), ...(next ? { continue: next } : {}) } });
      items.push(...(page.items ?? []));
      next = page.metadata?.continue || undefined;
    } while (next);
    return items;
  }

  /** DELETE; already gone is success. */
  async remove(path: string): Promise<void> {
    try {
      await this.call({ method: 'DELETE', path });
    } catch (err) {
      if (err instanceof TargetRefused && err.code === 'target_not_found') return;
      throw err;
    }
  }

  close(): void {
    this.agent?.destroy();
  }

  private async callOnce<T>(request: KubeRequest): Promise<T> {
    const url = new URL(`${this.connection.server}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, value);
    const method = request.method ?? 'GET';
    const token = await this.connection.token();
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string> = { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    let answer: { status: number; text: string; retryAfter?: string };
    try {
      answer = await this.send(url, method, headers, body);
    } catch (err) {
      throw new TargetUnavailable(`${this.target}: cannot reach ${url.origin}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const parsed = parseJson(answer.text);
    if (answer.status >= 200 && answer.status < 300) return parsed as T;
    throw statusError(this.target, `${method} ${url.pathname}`, answer.status, parsed, answer.retryAfter);
  }

  private send(url: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<{ status: number; text: string; retryAfter?: string }> {
    return new Promise((resolvePromise, reject) => {
      const onAnswer = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolvePromise({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(typeof retryAfter === 'string' ? { retryAfter } : {}) });
        });
      };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, { method, headers, agent: this.httpsAgent(), timeout: TIMEOUT_MS }, onAnswer)
          : httpRequest(url, { method, headers, timeout: TIMEOUT_MS }, onAnswer);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private httpsAgent(): HttpsAgent {
    const { ca, cert, key } = this.connection;
    this.agent ??= new HttpsAgent({ keepAlive: true, maxSockets: 8, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) });
    return this.agent;
  }
}

/** The error for a non-2xx answer: the API server's own Status message, typed by status. */
export function statusError(target: string, what: string, status: number, body: unknown, retryAfter?: string): Error {
  const s = (typeof body === 'object' && body !== null ? body : {}) as KubeStatus;
  const text = s.message ?? (typeof body === 'string' && body !== '' ? body.slice(0, 500) : 'no message');
  const message = `${target}: ${what} answered ${status}${s.reason ? ` ${s.reason}` : ''}: ${text}`;
  if (status === 429 || status >= 500) {
    const seconds = retryAfter !== undefined ? Number(retryAfter) : (s.details?.retryAfterSeconds ?? NaN);
    return new TargetUnavailable(message, Number.isFinite(seconds) ? { retryAfterSeconds: seconds } : {});
  }
  if (status === 401) return new TargetRefused('target_permission_denied', `${target}: the API server did not accept Lease's credentials (${what} answered 401 Unauthorized)`, { status: 403 });
  if (status === 403) {
    const missing = missingPermissionOf(text);
    return new TargetRefused('target_permission_denied', missing ? `${message} (Lease's credential lacks: ${missing})` : message, { status: 403, ...(missing ? { missingPermission: missing } : {}) });
  }
  if (status === 404) return new TargetRefused('target_not_found', message);
  if (status === 409) return new TargetRefused('target_conflict', message, { status: 409 });
  return new TargetRefused('target_refused', message, { status: 400 });
}

/**
 * The verb and resource from RBAC's refusal, e.g. `User "lease" cannot create resource
 * "rolebindings" in API group "rbac.authorization.k8s.io" in the namespace "team-a"` →
 * `create rolebindings.rbac.authorization.k8s.io in namespace team-a`; an escalation refusal
 * (`is attempting to grant RBAC permissions not currently held`) → `bind/escalate (or the permissions granted)`.
 */
export function missingPermissionOf(message: string): string | undefined {
  const m = /cannot (\w+) resource "([^"]+)" in API group "([^"]*)"(?: in the namespace "([^"]+)"| at the cluster scope)?/.exec(message);
  if (m) {
    const [, verb, resource, group, namespace] = m;
    return `${verb} ${resource}${group ? `.${group}` : ''}${namespace ? ` in namespace ${namespace}` : ' at the cluster scope'}`;
  }
  if (/attempting to grant RBAC permissions not currently held/.test(message)) {
    return 'the permissions it grants, or the verbs bind (bindings) and escalate (roles) on roles/clusterroles in API group rbac.authorization.k8s.io';
  }
  return undefined;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
