// providers/remote/temporal/: host tasks through per-host Temporal task queues (agent_transport: temporal). See ../README.md.
// Loaded only with server.engine temporal (the Temporal SDK is heavy to import).
export { hostPayloadKeyFile, TemporalHostTasks, type TemporalHostTasksOptions } from './dispatcher.js';
export { HOST_TASK_ACTIVITY, HOST_TASK_WORKFLOW, hostTaskActivityOptions, hostTaskQueue, hostTaskStartPolicy, hostTaskWorkflowId, type HostTaskAnswer, type HostTaskArgs, type HostTaskKind } from './contract.js';
export { hostWorkflowsPath } from './paths.js';
