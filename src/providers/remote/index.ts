// providers/remote/: running a provider on a host agent. See README.md.
export { HostChannel, type HostChannelOptions, type HostTaskSpec, type HostTaskTransport } from './channel.js';
export { credentialSha256, HostCredentials, newHostCredential } from './credential.js';
export { HostAnswerInvalid, HostChannelClosed, HostCredentialConflict, HostOffline, HostTaskFailed, HostTimeout, HostUnauthorized } from './errors.js';
export {
  activeGrantListSchema,
  CREDENTIAL_SHA256_PATTERN,
  grantRecordSchema,
  HOST_ID_PATTERN,
  hostTaskListSchema,
  hostTaskSchema,
  MAX_POLL_WAIT_S,
  pollQuerySchema,
  TASK_CLAIM_MS,
  taskResultAckSchema,
  taskResultSchema,
  type HostTask,
  type TaskResult,
} from './protocol.js';
export { GRANT_DELIVERY_WINDOW_MS, HOST_CALL_WAIT_MS, RemoteAccessProvider } from './provider.js';
