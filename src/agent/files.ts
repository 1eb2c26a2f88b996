// The names under $LEASE_HOME where a running agent announces itself; the CLI reads them
// without loading the agent.
export const DEFAULT_AGENT_PORT = 7413;
export const AGENT_TOKEN_FILE = 'agent.token';
/** Where a running agent says it listens, so the CLI finds it whatever `--port` was. */
export const AGENT_URL_FILE = 'agent.url';
