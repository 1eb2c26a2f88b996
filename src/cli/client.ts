// The CLI's HTTP client: JSON in, JSON out; an API error becomes a CliError carrying the
// server's message and code.
import { isSuccess, sendHttp, type HttpAnswer } from '../core/http-request.js';
import { CliError } from './errors.js';

export class ApiClient {
  constructor(readonly server: string, private readonly token?: string) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: HttpAnswer;
    try {
      response = await sendHttp(new URL(path, this.server), {
        method,
        headers: {
          accept: 'application/json',
          'x-lease-client': 'cli',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new CliError(`cannot reach ${this.server}: ${(err as Error).message}`);
    }
    const text = response.text;
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(`${this.server} answered ${response.status} with a body that is not JSON`);
    }
    if (!isSuccess(response.status)) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      const code = error?.code ?? `http_${response.status}`;
      const hint = response.status === 401 && path !== '/api/v1/auth' ? ' (log in again: lease login)' : '';
      throw new CliError(`${error?.message ?? `HTTP ${response.status}`} [${code}]${hint}`, 1, code);
    }
    return json as T;
  }
}
