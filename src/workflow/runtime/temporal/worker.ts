// I/O side. The Temporal worker: runs the request workflows (workflows.ts, bundled for the
// SDK's deterministic sandbox) and their activities (activities.ts) on one task queue. Runs
// inside `lease server` (embedded worker) or alone (`lease worker`), as many as needed.
import { writeFile } from 'node:fs/promises';
import { DefaultLogger, NativeConnection, Runtime, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import type { Duration, LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../../../core/index.js';
import { encryptedDataConverter } from './codec.js';
import type { TemporalSettings } from './config.js';
import { createLeaseActivities, type LeaseActivityDeps } from './activities.js';
import type { PayloadKeys } from './payload-keys.js';
import { failureConverterPath, sandboxPinoPath, workflowsPath } from './paths.js';

/**
 * Modules the interpreter's imports reach that the sandbox must not (and does not) use: jq
 * runs in a local activity, id generation happens in activities. The bundler replaces them with
 * empty modules. pino is replaced by a stub (sandbox-pino.ts), as core/ calls it when loaded.
 */
const SANDBOX_IGNORED_MODULES = ['jq-web', 'crypto'];

/** `node:x` → `x`, so the ignored built-ins above resolve to empty modules (webpack refuses the scheme). */
const stripNodeScheme = {
  apply(compiler: WebpackCompiler): void {
    compiler.hooks.normalModuleFactory.tap('lease-strip-node-scheme', (factory) => {
      factory.hooks.beforeResolve.tap('lease-strip-node-scheme', (data) => {
        if (data.request.startsWith('node:')) data.request = data.request.slice('node:'.length);
      });
    });
  },
};

/** The part of webpack's compiler the plugin above uses (webpack is the SDK's, not ours). */
interface WebpackCompiler {
  hooks: { normalModuleFactory: { tap(name: string, fn: (factory: { hooks: { beforeResolve: { tap(name: string, fn: (data: { request: string }) => void): void } } }) => void): void } };
}

let bundle: Promise<WorkflowBundle> | undefined;

/** The workflow code, bundled once per process (a few seconds) and shared by its workers and replays. */
export function leaseWorkflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({
    workflowsPath,
    failureConverterPath,
    ignoreModules: SANDBOX_IGNORED_MODULES,
    logger: new DefaultLogger('WARN'),
    webpackConfigHook: (config) => ({
      ...config,
      resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string | false>), pino: sandboxPinoPath } },
      plugins: [...(config.plugins ?? []), stripNodeScheme as never],
    }),
  }).catch((err: unknown) => {
    bundle = undefined;
    throw err;
  });
  return bundle;
}

/** Writes the bundle to `file`, for workers that should start without bundling (many workers, tests). */
export async function writeLeaseWorkflowBundle(file: string): Promise<void> {
  await writeFile(file, (await leaseWorkflowBundle()).code, { mode: 0o644 });
}

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
  /** A bundle written by `writeLeaseWorkflowBundle` (skips bundling at start-up); default: bundle now. */
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
      workflowBundle: options.bundlePath ? { codePath: options.bundlePath } : await leaseWorkflowBundle(),
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

