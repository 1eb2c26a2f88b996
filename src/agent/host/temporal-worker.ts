// `lease agent --host <id> --temporal-address ...`: the host agent as a Temporal worker on its own
// task queue (`lease-host-<id>`), for providers with `agent_transport: temporal`. It registers
// only the `leaseHostTask` workflow (bundled here at start) and its `lease.hostTask` activity,
// which runs the task with the same local code as the server channel (run-task.ts): the host
// picks its own paths. It holds the host's payload key set only, never the namespace's.
import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { hostTaskSchema } from '../../providers/index.js';
import { HOST_TASK_ACTIVITY, hostTaskQueue, hostWorkflowsPath, type HostTaskAnswer, type HostTaskArgs } from '../../providers/remote/temporal/index.js';
import { encryptedDataConverter, failureConverterPath, type PayloadKeys, type TemporalSettings } from '../../workflow/runtime/temporal/index.js';
import type { RunningHostAgent } from './host-agent.js';
import { hostTaskRunner, type HostSudoSettings } from './run-task.js';

export interface TemporalHostWorkerOptions extends HostSudoSettings {
  host: string;
  temporal: Pick<TemporalSettings, 'address' | 'namespace' | 'tls' | 'apiKey'>;
  /** The host's own payload key set (the server's `keys/host-<id>.jwk`, copied here). */
  keys: PayloadKeys;
  /** One line per event; never a key or credential. */
  log: (line: string) => void;
}

/** The activity: validates the task like the channel path does, runs it, and lets Temporal retry host failures (≥ 500). */
export function hostTaskActivity(options: Pick<TemporalHostWorkerOptions, 'log'> & HostSudoSettings): (args: HostTaskArgs) => Promise<HostTaskAnswer> {
  const run = hostTaskRunner(options);
  return async (args) => {
    const info = Context.current().info;
    const id = info.workflowExecution?.workflowId ?? info.activityId;
    const task = hostTaskSchema.safeParse({ ...args.payload, id, attempt: info.attempt, kind: args.kind, provider: args.provider });
    if (!task.success) return { outcome: 'failed', error: { code: 'host_task_invalid', message: `a task this agent does not understand: ${task.error.issues[0]?.message ?? ''}`, status: 400 } };
    const answer = await run(task.data);
    const subject = task.data.kind === 'grant' ? task.data.input.requestId : task.data.kind === 'revoke' ? task.data.record.requestId : task.data.provider;
    options.log(`${task.data.kind} ${subject}: ${answer.outcome === 'done' ? 'done' : `failed (${answer.error.code})`}`);
    if (answer.outcome === 'failed' && answer.error.status >= 500) {
      throw ApplicationFailure.create({ type: answer.error.code, message: answer.error.message, details: [answer.error] });
    }
    return answer;
  };
}

let runtimeInstalled = false;

/** Connects, bundles the host task workflow, and polls the host's queue until stopped. */
export async function startTemporalHostWorker(options: TemporalHostWorkerOptions): Promise<RunningHostAgent> {
  const { host, temporal, log } = options;
  if (!runtimeInstalled) {
    runtimeInstalled = true;
    // The agent handles SIGINT/SIGTERM itself; the SDK's warnings go to its log.
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN', (entry: LogEntry) => log(`temporal: ${entry.message}`)) });
  }
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: hostWorkflowsPath, failureConverterPath, logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({
    address: temporal.address,
    ...(temporal.tls !== undefined ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey !== undefined ? { apiKey: temporal.apiKey } : {}),
  });
  let worker: Worker;
  try {
    worker = await Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue: hostTaskQueue(host),
      workflowBundle,
      activities: { [HOST_TASK_ACTIVITY]: hostTaskActivity(options) },
      dataConverter: { ...encryptedDataConverter(options.keys), failureConverterPath },
      identity: `lease-host-${host}@${hostname()}`,
      shutdownGraceTime: '5s',
    });
  } catch (err) {
    await connection.close();
    throw err;
  }
  const done = worker.run().finally(() => connection.close());
  done.catch(() => undefined);
  log(`host ${host} connected to Temporal at ${temporal.address} (namespace ${temporal.namespace}, task queue ${hostTaskQueue(host)})`);
  return {
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
    },
  };
}
