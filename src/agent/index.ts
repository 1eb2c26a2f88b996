export { AgentError, AgentSessionStore, findAgent, openSessionStore } from './agent-client.js';
export { AGENT_TOKEN_FILE, AGENT_URL_FILE, DEFAULT_AGENT_PORT, startAgent, type RunningAgent } from './daemon.js';
export type { AgentLoginView } from './logins.js';
export { SessionVaultKeyInsecure, SessionVaultKeyInvalid, SessionVaultUnreadable } from './errors.js';
export { leaseHome, normaliseServer, storedSessionSchema, summarise, type SessionStore, type SessionSummary, type StoredSession } from './session.js';
export { LEGACY_FILE, VAULT_FILE, VAULT_KEY_FILE, VaultSessionStore } from './vault.js';
