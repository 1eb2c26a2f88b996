// Deterministic (Temporal sandbox). The one workflow a host agent's Temporal worker runs: its
// single activity runs the task on the host (agent/host/temporal-worker.ts). Bundled by that
// worker alone; the server's worker never registers it.
import { proxyActivities } from '@temporalio/workflow';
import { HOST_TASK_ACTIVITY, hostTaskActivityOptions, type HostTaskAnswer, type HostTaskArgs } from './contract.js';

/** Runs one host task; a failure the activity's retries did not cure fails the workflow. */
export async function leaseHostTask(args: HostTaskArgs): Promise<HostTaskAnswer> {
  const activities = proxyActivities<Record<string, (a: HostTaskArgs) => Promise<HostTaskAnswer>>>(hostTaskActivityOptions(args.kind));
  return activities[HOST_TASK_ACTIVITY]!(args);
}
