// WAL checkpoints off the event loop. better-sqlite3 is synchronous, so SQLite's automatic
// checkpoint (copying the WAL into the main file and fsync'ing it) would stall every request
// for tens of milliseconds now and then (measured: server-side p99 request→active 154 ms with
// it, 27 ms without). The main connection therefore turns it off and a worker thread with its
// own connection runs PASSIVE checkpoints, which never block the writer; SQLite restarts the
// WAL from its beginning once a checkpoint has caught up, so the file stays bounded.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// The worker opens the file only if it still exists (the store may close before the worker
// starts) and reports failures instead of throwing, so it can never take the process down.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const report = (err) => parentPort.postMessage({ error: String((err && err.message) || err) });
let db;
let timer;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  timer = setInterval(() => {
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { report(err); }
  }, workerData.intervalMs);
} catch (err) {
  report(err);
}
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try { if (db) { db.pragma('wal_checkpoint(PASSIVE)'); db.close(); } } catch (err) { report(err); }
  parentPort.postMessage('stopped');
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string, options: { intervalMs?: number; onError?: (message: string) => void } = {}): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs: options.intervalMs ?? 1_000 } });
  worker.unref();
  worker.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && 'error' in m) options.onError?.(String((m as { error: unknown }).error));
  });
  worker.on('error', (err) => options.onError?.(err.message));
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve());
        const timer = setTimeout(done, 2_000);
        worker.once('message', (m: unknown) => {
          if (m === 'stopped') {
            clearTimeout(timer);
            done();
          }
        });
        worker.postMessage('stop');
      })),
  };
}
