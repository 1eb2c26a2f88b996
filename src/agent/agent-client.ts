// The CLI's side of the agent: finds a running agent through `$LEASE_HOME/agent.url` and
// `agent.token`, and speaks to it as a SessionStore. No agent (no files, or nothing listening)
// means the CLI opens the same encrypted vault itself.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSuccess, parseJsonOrUndefined, sendHttp, type HttpAnswer } from '../core/http-request.js';
import { LeaseError } from '../core/errors.js';
import { AGENT_TOKEN_FILE, AGENT_URL_FILE } from './files.js';
import type { AgentLoginView } from './logins.js';
import { isErrno } from './secret-file.js';
import { normaliseServer, type SessionStore, type SessionSummary, type StoredSession } from './session.js';
import { VaultSessionStore } from './vault.js';

/** The agent answered with an error (its message never contains a token). */
export class AgentError extends LeaseError {
  constructor(code: string, message: string, status: number) {
    super(code, `lease agent: ${message} [${code}]`, { status });
  }
}

export class AgentSessionStore implements SessionStore {
  constructor(readonly url: string, private readonly secret: string) {}

  async get(server?: string): Promise<StoredSession | undefined> {
    const query = server ? `?server=${encodeURIComponent(normaliseServer(server))}` : '';
    const r = await this.call('GET', `/v1/session${query}`);
    return r.status === 404 ? undefined : (r.json() as StoredSession);
  }

  async put(session: StoredSession): Promise<void> {
    await this.call('PUT', '/v1/session', session);
  }

  async remove(server: string): Promise<void> {
    await this.call('DELETE', `/v1/session?server=${encodeURIComponent(normaliseServer(server))}`);
  }

  async list(): Promise<SessionSummary[]> {
    return ((await this.call('GET', '/v1/sessions')).json() as { sessions: SessionSummary[] }).sessions;
  }

  /** Asks the agent to start a browser login to `server`; the agent hosts the callback and stores the session. */
  async startLogin(server: string, provider: string): Promise<{ login_id: string; url: string }> {
    return (await this.call('POST', '/v1/logins', { server: normaliseServer(server), provider })).json() as { login_id: string; url: string };
  }

  /** The login's state once it finished, or after `waitSeconds` (at most 60) still pending. */
  async login(id: string, waitSeconds: number): Promise<AgentLoginView> {
    return (await this.call('GET', `/v1/logins/${encodeURIComponent(id)}?wait=${Math.max(0, Math.floor(waitSeconds))}`)).json() as AgentLoginView;
  }

  /** Whether the agent answers with this token (a cheap GET /v1/sessions). */
  async reachable(): Promise<boolean> {
    try {
      await this.call('GET', '/v1/sessions');
      return true;
    } catch (err) {
      if (err instanceof AgentUnreachable) return false;
      throw err;
    }
  }

  private async call(method: string, path: string, body?: unknown): Promise<AgentAnswer> {
    let r: HttpAnswer;
    try {
      r = await sendHttp(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new AgentUnreachable();
    }
    const answer = { status: r.status, json: () => parseJsonOrUndefined(r.text) };
    // GET /v1/session answers 404 when there is no session: an answer, not an error.
    if (isSuccess(r.status) || (r.status === 404 && method === 'GET' && /^\/v1\/session(\?|$)/.test(path))) return answer;
    const error = (answer.json() as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new AgentError(error?.code ?? `http_${r.status}`, error?.message ?? `HTTP ${r.status}`, r.status);
  }
}

interface AgentAnswer {
  status: number;
  json(): unknown;
}

class AgentUnreachable extends Error {}

async function readTrimmed(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** The running agent for `home`, or undefined when none answers. */
export async function findAgent(home: string): Promise<AgentSessionStore | undefined> {
  const url = await readTrimmed(join(home, AGENT_URL_FILE));
  const secret = await readTrimmed(join(home, AGENT_TOKEN_FILE));
  if (!url || !secret) return undefined;
  const agent = new AgentSessionStore(url, secret);
  return (await agent.reachable()) ? agent : undefined;
}

/** Through the agent when one runs, else straight from the encrypted vault. */
export async function openSessionStore(home: string): Promise<SessionStore> {
  return (await findAgent(home)) ?? new VaultSessionStore(home);
}
