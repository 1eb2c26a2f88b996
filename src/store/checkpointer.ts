// WAL checkpoints off the event loop. better-sqlite3 is synchronous, so SQLite's automatic
// checkpoint (copying the WAL into the main file and fsync'ing it) would stall every request
// for tens of milliseconds now and then (measured: server-side p99 request→active 154 ms with
// it, 27 ms without). The main connection therefore turns it off and a worker thread with its
// own connection runs PASSIVE checkpoints, which never block the writer; SQLite restarts the
// WAL from its beginning once a checkpoint has caught up, so the file stays bounded.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') { clearInterval(timer); try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} db.close(); parentPort.postMessage('stopped'); }
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
