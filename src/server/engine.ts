// Chooses and builds the workflow engine: the embedded runtime (default), or Temporal with a
// worker inside this process unless `server.worker: false` (then `lease worker` runs them).
import { dirname, resolve } from 'node:path';
import type { Clock, Logger } from '../core/index.js';
import type { LoadedConfig } from '../config/index.js';
import { keySetSealing, type EncryptionService } from '../crypto/index.js';
import type { Store } from '../store/index.js';
import type { ExpressionEngine } from '../workflow/interpreter/types.js';
import { EmbeddedRuntime, environmentSecret, type ActivityHandler, type StepObserver, type WorkflowRuntime } from '../workflow/runtime/index.js';

export interface EngineDeps {
  config: LoadedConfig;
  dataDir: string;
  store: Store;
  clock: Clock;
  expressions: ExpressionEngine;
  logger: Logger;
  observer: StepObserver;
  calls: ActivityHandler;
  /** services.encryption: seals the payload key file; undefined keeps it plain. */
  encryption?: EncryptionService | undefined;
}

export interface WorkflowEngine {
  runtime: WorkflowRuntime;
  /** Resolves when the engine runs and answers (readiness): the embedded one until stopped, Temporal's frontend by a cheap call (GetSystemInfo). */
  check(): Promise<void>;
  stop(): Promise<void>;
}

/** A health check that outlives readiness's own timeout is abandoned, not left pending. */
const ENGINE_CHECK_DEADLINE_MS = 2_000;

class EngineStopped extends Error {
  constructor() {
    super('the workflow engine is stopped');
  }
}

export async function createWorkflowEngine(deps: EngineDeps): Promise<WorkflowEngine> {
  if ((deps.config.server?.engine ?? 'embedded') === 'embedded') {
    const runtime = new EmbeddedRuntime({
      store: deps.store,
      clock: deps.clock,
      expressions: deps.expressions,
      logger: deps.logger,
      observer: deps.observer,
      secrets: environmentSecret,
      activities: deps.calls,
    });
    let stopped = false;
    return {
      runtime,
      // Its state lives in the store, which readiness pings on its own.
      check: () => (stopped ? Promise.reject(new EngineStopped()) : Promise.resolve()),
      stop: () => {
        stopped = true;
        return runtime.stop();
      },
    };
  }
  // Loaded only when chosen: the Temporal SDK is heavy to import.
  const temporal = await import('../workflow/runtime/temporal/index.js');
  const settings = await temporal.temporalSettings(deps.config.services?.temporal, temporalPathBases(deps.config, deps.dataDir));
  const keys = await temporal.PayloadKeys.load(settings.payloadKeyFile ?? temporal.payloadKeyFile(deps.dataDir), { sealing: keySetSealing(deps.encryption, 'payload-keys', deps.logger) });
  const runtime = await temporal.TemporalRuntime.connect({ store: deps.store, logger: deps.logger, settings, keys, clock: deps.clock });
  const worker = deps.config.server?.worker === false ? undefined : await startTemporalWorker(deps);
  let stopped = false;
  return {
    runtime,
    check: async () => {
      if (stopped) throw new EngineStopped();
      const { connection } = runtime.client;
      await connection.withDeadline(Date.now() + ENGINE_CHECK_DEADLINE_MS, () => connection.workflowService.getSystemInfo({}));
    },
    stop: async () => {
      stopped = true;
      await worker?.stop();
      await runtime.stop();
    },
  };
}

/** A Temporal worker running Lease's workflow and activities (for the server, or `lease worker`). */
export async function startTemporalWorker(deps: Omit<EngineDeps, 'clock'>): Promise<{ stop(): Promise<void> }> {
  const temporal = await import('../workflow/runtime/temporal/index.js');
  const settings = await temporal.temporalSettings(deps.config.services?.temporal, temporalPathBases(deps.config, deps.dataDir));
  const keys = await temporal.PayloadKeys.load(settings.payloadKeyFile ?? temporal.payloadKeyFile(deps.dataDir), { sealing: keySetSealing(deps.encryption, 'payload-keys', deps.logger) });
  return temporal.runWorker({
    settings,
    keys,
    deps: { store: deps.store, calls: deps.calls, expressions: deps.expressions, logger: deps.logger, observer: deps.observer, secrets: environmentSecret },
  });
}

/** A Temporal client (no worker): lets a `lease worker` deliver events to workflows (an applied extension). */
export async function connectTemporalClient(deps: Pick<EngineDeps, 'config' | 'dataDir' | 'store' | 'logger' | 'clock' | 'encryption'>): Promise<WorkflowRuntime> {
  const temporal = await import('../workflow/runtime/temporal/index.js');
  const settings = await temporal.temporalSettings(deps.config.services?.temporal, temporalPathBases(deps.config, deps.dataDir));
  const keys = await temporal.PayloadKeys.load(settings.payloadKeyFile ?? temporal.payloadKeyFile(deps.dataDir), { sealing: keySetSealing(deps.encryption, 'payload-keys', deps.logger) });
  return temporal.TemporalRuntime.connect({ store: deps.store, logger: deps.logger, settings, keys, clock: deps.clock });
}

/** Relative paths in services.temporal: files it reads from its config file's directory, files Lease writes under the data directory. */
export function temporalPathBases(config: LoadedConfig, dataDir: string): { configDir: string; dataDir: string } {
  const file = config.sourceOf('service', 'temporal');
  return { configDir: file === undefined ? process.cwd() : dirname(resolve(file)), dataDir };
}
