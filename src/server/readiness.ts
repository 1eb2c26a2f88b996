// Readiness (`GET /ready`): the server takes traffic only once start-up recovery is done, while
// its store and workflow engine answer, and not once it is shutting down. Each check is one
// trivial call, bounded by a timeout, so a load balancer may probe it every second.

export type ReadinessCode = 'starting' | 'stopping' | 'store_unavailable' | 'engine_unavailable';

export type Readiness = { ready: true } | { ready: false; code: ReadinessCode; message: string };

export type ServerPhase = 'starting' | 'running' | 'stopping';

export interface ReadinessDeps {
  phase: () => ServerPhase;
  /** Resolves when the store answers a trivial query. */
  pingStore: () => Promise<void>;
  /** Resolves when the workflow engine is running and reachable. */
  checkEngine: () => Promise<void>;
  /** Longest a check may take before it counts as unavailable (default 2 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

export function readinessCheck(deps: ReadinessDeps): () => Promise<Readiness> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return async () => {
    const phase = deps.phase();
    if (phase === 'starting') return { ready: false, code: 'starting', message: 'the server is still starting (recovering open workflows)' };
    if (phase === 'stopping') return { ready: false, code: 'stopping', message: 'the server is shutting down' };
    const [store, engine] = await Promise.all([within(deps.pingStore, timeoutMs), within(deps.checkEngine, timeoutMs)]);
    if (store !== undefined) return { ready: false, code: 'store_unavailable', message: `the store does not answer: ${store}` };
    if (engine !== undefined) return { ready: false, code: 'engine_unavailable', message: `the workflow engine does not answer: ${engine}` };
    return { ready: true };
  };
}

/** Undefined when `check` resolved in time, else why not (its error's message, or the timeout). */
async function within(check: () => Promise<void>, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      check().then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
