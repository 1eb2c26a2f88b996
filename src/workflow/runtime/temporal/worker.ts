// I/O side. The Temporal worker: runs the request workflows (workflows.ts, bundled for the
// SDK's deterministic sandbox) and their activities (activities.ts) on one task queue. Runs
// inside `lease server` (embedded worker) or alone (`lease worker`), as many as needed.
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Duration, LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../../../core/index.js';
import { workflowBundleForWorker } from './bundle.js';
import { encryptedDataConverter } from './codec.js';
import type { TemporalSettings } from './config.js';
import { createLeaseActivities, type LeaseActivityDeps } from './activities.js';
import type { PayloadKeys } from './payload-keys.js';
import { failureConverterPath } from './paths.js';

export interface LeaseWorkerOptions {
  settings: Pick<TemporalSettings, 'address' | 'namespace' | 'taskQueue' | 'tls' | 'apiKey'>;
  keys: PayloadKeys;
  /** Store, calls, jq engine, logger and the StepObserver the activities use. */
  deps: LeaseActivityDeps;
  /**
   * How long a workflow task waits for the worker that last ran the workflow before any worker
   * may take it. Short, so a dead worker delays a revocation by seconds, not the SDK's 10 s.
   */
  stickyQueueTimeout?: Duration;
  identity?: string;
  /** Workflows kept in the worker's cache (default 200). */
  maxCachedWorkflows?: number;
  /**
   * A bundle written by `writeLeaseWorkflowBundle`. Default: the one `npm run build` wrote beside
   * the code, or, when that is missing or stale, a bundle built now (seconds).
   */
  bundlePath?: string;
}

export interface RunningWorker {
  /** Settles when the worker stops (rejects if it failed). */
  done: Promise<void>;
  /** Stops polling, lets running activities finish (up to the grace time), closes the connection. */
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * The SDK's process-wide runtime, set up by the first worker: its logs (and the native core's,
 * warnings and up) go to our logger, and it installs no signal handlers: the process that
 * embeds the worker decides when to stop it.
 */
function installRuntime(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: toTemporalLogger(logger),
      shutdownSignals: [],
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
  } catch (err) {
    logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'temporal runtime already installed; keeping it');
  }
}

function toTemporalLogger(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const method = level === 'TRACE' ? 'trace' : level === 'DEBUG' ? 'debug' : level === 'INFO' ? 'info' : level === 'WARN' ? 'warn' : 'error';
    logger[method]({ temporal: true, ...meta }, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/** Connects and starts polling; resolves once the worker runs. */
export async function runWorker(options: LeaseWorkerOptions): Promise<RunningWorker> {
  const { settings, deps } = options;
  installRuntime(deps.logger);
  const connection = await NativeConnection.connect({
    address: settings.address,
    ...(settings.tls !== undefined ? { tls: settings.tls } : {}),
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
  });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      workflowBundle: options.bundlePath
        ? { codePath: options.bundlePath }
        : await workflowBundleForWorker((reason) => deps.logger.info({ reason }, 'bundling the workflow code (a few seconds)')),
      activities: createLeaseActivities(deps),
      dataConverter: { ...encryptedDataConverter(options.keys), failureConverterPath },
      stickyQueueScheduleToStartTimeout: options.stickyQueueTimeout ?? '3s',
      // A cached workflow keeps its interpreter state in the worker (measured ~1 MiB each): bound
      // the cache so thousands of leases waiting on their expiry do not hold memory; an evicted
      // workflow is replayed from its history when its timer fires.
      maxCachedWorkflows: options.maxCachedWorkflows ?? 200,
      shutdownGraceTime: '5s',
      ...(options.identity ? { identity: options.identity } : {}),
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const done = worker.run().finally(() => connection.close());
  done.catch((err: unknown) => deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'temporal worker stopped with an error'));
  deps.logger.info({ address: settings.address, namespace: settings.namespace, task_queue: settings.taskQueue }, 'temporal worker running');
  let stopping: Promise<void> | undefined;
  return {
    done,
    stop: () =>
      (stopping ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch(() => undefined);
      })()),
  };
}

