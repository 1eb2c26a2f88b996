// One HTTP(S) exchange on node:http, for the CLI and the agent. Not the global fetch: undici
// costs a short-lived command about 90 ms (30 ms to load, 60 ms holding the process after the
// answer), which is a third of `lease status`. Each exchange has its own connection, closed
// when the answer is read, so the process exits as soon as its work is done.
// Redirects are not followed: an API answer is never a redirect, and following one would send
// the bearer token wherever it points.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 text. */
  text: string;
}

export interface HttpExchange {
  method: string;
  headers?: Record<string, string>;
  /** Sent as is; a JSON body's content-type is the caller's to set. */
  body?: string;
}

/** Sends one request to `url` and reads the whole answer; rejects when the server cannot be reached. */
export function sendHttp(url: URL | string, exchange: HttpExchange): Promise<HttpAnswer> {
  const target = typeof url === 'string' ? new URL(url) : url;
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { ...exchange.headers, connection: 'close' };
  if (exchange.body !== undefined) headers['content-length'] = String(Buffer.byteLength(exchange.body));
  return new Promise((resolve, reject) => {
    const req = send(target, { method: exchange.method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.once('error', reject);
    req.end(exchange.body);
  });
}

/** Whether `status` is a 2xx. */
export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** `text` parsed as JSON, or undefined when it is empty or not JSON. */
export function parseJsonOrUndefined(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
