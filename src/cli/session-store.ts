// Where the CLI keeps its sessions: the agent's encrypted vault under `$LEASE_HOME` (default
// ~/.config/lease): `sessions.vault` sealed with AES-256-GCM under `vault.key`, directory 0700,
// files 0600, written atomically so a failed or interrupted write changes nothing. One session
// per server URL; the most recent login is the default server. A plaintext `sessions.json`
// from older versions is migrated on first use. See src/agent/README.md.
export { leaseHome, normaliseServer, storedSessionSchema, type SessionStore, type SessionSummary, type StoredSession } from '../agent/session.js';
export { VaultSessionStore as FileSessionStore } from '../agent/vault.js';
