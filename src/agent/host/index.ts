// agent/host/: the host agent (`lease agent --host <id>`), which runs providers bound to this host. See ../README.md.
export { createHostCredential, HOST_CREDENTIAL_FILE, HostCredentialFileError, readHostCredential } from './credential-file.js';
export { HostCredentialRefused, startHostAgent, type HostAgentOptions, type RunningHostAgent } from './host-agent.js';
export { hostTaskRunner, type HostSudoSettings } from './run-task.js';
