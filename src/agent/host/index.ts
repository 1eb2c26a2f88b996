// agent/host/: the host agent (`lease agent --host <id>`), which runs providers bound to this host. See ../README.md.
import type { RunningHostAgent } from './host-agent.js';
import type { TemporalHostWorkerOptions } from './temporal-worker.js';

export { createHostCredential, HOST_CREDENTIAL_FILE, HostCredentialFileError, readHostCredential } from './credential-file.js';
export { HostCredentialRefused, startHostAgent, type HostAgentOptions, type RunningHostAgent } from './host-agent.js';
export { hostTaskRunner, type HostSudoSettings } from './run-task.js';
export type { TemporalHostWorkerOptions } from './temporal-worker.js';

/** The host agent as a Temporal worker (agent_transport: temporal); loads the Temporal SDK only when called. */
export async function startTemporalHostWorker(options: TemporalHostWorkerOptions): Promise<RunningHostAgent> {
  return (await import('./temporal-worker.js')).startTemporalHostWorker(options);
}
