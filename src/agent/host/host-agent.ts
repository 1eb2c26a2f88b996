// `lease agent --host <id>`: runs the host's share of the providers bound to it. It long-polls
// the server for tasks over HTTPS with the host credential as bearer token, runs each with the
// local provider (run-task.ts) and reports the outcome. It keeps no state: every task is in the
// server's store until answered, and a task it fetched but never answered is handed out again.
import { LeaseError } from '../../core/index.js';
import { hostTaskSchema, MAX_POLL_WAIT_S, type HostTask } from '../../providers/index.js';
import { hostTaskRunner, type HostSudoSettings } from './run-task.js';

export interface HostAgentOptions extends HostSudoSettings {
  host: string;
  serverUrl: string;
  credential: string;
  /** One line per event (connected, task done, server unreachable); never the credential. */
  log: (line: string) => void;
  /** Long-poll wait in seconds (default 25). */
  pollWaitS?: number;
}

export interface RunningHostAgent {
  /** Settles when the agent stops; rejects with HostCredentialRefused when the server refuses the credential. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** The server answered 401: the credential is wrong or was revoked. Retrying will not help. */
export class HostCredentialRefused extends LeaseError {
  constructor(host: string) {
    super('host_credential_refused', `the server refused the credential of host ${JSON.stringify(host)} (401): check agent_credential_sha256 in the server's config`, { status: 401 });
  }
}

const MAX_BACKOFF_MS = 10_000;

export function startHostAgent(options: HostAgentOptions): RunningHostAgent {
  const { host, log } = options;
  const base = options.serverUrl.replace(/\/+$/, '');
  const tasksUrl = `${base}/api/v1/agents/${encodeURIComponent(host)}/tasks`;
  const headers = { authorization: `Bearer ${options.credential}` };
  const wait = Math.min(options.pollWaitS ?? 25, MAX_POLL_WAIT_S);
  const run = hostTaskRunner(options);
  const abort = new AbortController();
  let stopped = false;
  let sleeping: (() => void) | undefined;

  const url = new URL(base);
  if (url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    log(`warning: ${url.origin} is not HTTPS; the host credential crosses the network in clear`);
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => resolve(), ms);
      sleeping = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const answer = async (task: HostTask, outcome: Awaited<ReturnType<typeof run>>) => {
    const res = await fetch(`${tasksUrl}/${encodeURIComponent(task.id)}/result`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ attempt: task.attempt, ...outcome }),
      signal: abort.signal,
    });
    if (res.status === 401) throw new HostCredentialRefused(host);
    // Not accepted (a newer attempt exists) or lost: the server hands the task out again if needed.
    if (!res.ok) log(`the server did not take the result of ${task.id} (${res.status})`);
  };

  const loop = async () => {
    let backoff = 500;
    let connected = false;
    while (!stopped) {
      try {
        // The first fetch after a (re)connection answers at once, so the connection is confirmed
        // without a long poll, and says this agent holds no task (see HostChannel.fetch).
        const res = await fetch(`${tasksUrl}?${connected ? `wait=${wait}` : 'wait=0&fresh=true'}`, { headers, signal: abort.signal });
        if (res.status === 401) throw new HostCredentialRefused(host);
        if (!res.ok) throw new Error(`the server answered ${res.status}`);
        const body = (await res.json()) as { tasks?: unknown[] };
        if (!connected) log(`host ${host} connected to ${url.origin}`);
        connected = true;
        backoff = 500;
        for (const raw of body.tasks ?? []) {
          const task = hostTaskSchema.safeParse(raw);
          if (!task.success) {
            log(`ignored a task this agent does not understand: ${task.error.issues[0]?.message ?? ''}`);
            continue;
          }
          const outcome = await run(task.data);
          const subject = task.data.kind === 'grant' ? task.data.input.requestId : task.data.kind === 'revoke' ? task.data.record.requestId : task.data.provider;
          log(`${task.data.kind} ${subject}: ${outcome.outcome === 'done' ? 'done' : `failed (${outcome.error.code})`}`);
          await answer(task.data, outcome);
        }
      } catch (err) {
        if (err instanceof HostCredentialRefused) throw err;
        if (stopped) return;
        if (connected) log(`lost the server (${err instanceof Error ? err.message : String(err)}); retrying`);
        else log(`cannot reach the server (${err instanceof Error ? err.message : String(err)}); retrying in ${backoff} ms`);
        connected = false;
        await sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  };

  const done = loop();
  done.catch(() => undefined);
  return {
    done,
    async stop() {
      stopped = true;
      abort.abort();
      sleeping?.();
      await done.catch(() => undefined);
    },
  };
}
