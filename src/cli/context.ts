// What an API command needs: the stored session for the chosen server and a client bound to it.
// Sessions come from a running `lease agent` when there is one, else from the encrypted vault.
import { openSessionStore } from '../agent/agent-client.js';
import { ApiClient } from './client.js';
import { CliError } from './errors.js';
import { checkServerUrl } from './server-url.js';
import { leaseHome, type SessionStore, type StoredSession } from './session-store.js';

export function sessionStore(): Promise<SessionStore> {
  return openSessionStore(leaseHome());
}

export function isExpired(session: Pick<StoredSession, 'expires_at'>, now = Date.now()): boolean {
  return Date.parse(session.expires_at) <= now;
}

/** The stored session for `server` (default: the last login), refusing a missing or expired one. */
export async function currentSession(server?: string): Promise<StoredSession> {
  const chosen = server ?? (process.env.LEASE_SERVER || undefined);
  if (chosen !== undefined) checkServerUrl(chosen, server !== undefined ? '--server' : 'LEASE_SERVER');
  const session = await (await sessionStore()).get(chosen);
  if (!session) throw new CliError(`not logged in${chosen ? ` to ${chosen}` : ''}; run: lease login --server URL --provider ID`);
  if (isExpired(session)) throw new CliError(`session for ${session.server} expired at ${session.expires_at}; log in again (lease login)`, 1, 'session_expired');
  return session;
}

export async function authenticatedClient(server?: string): Promise<{ client: ApiClient; session: StoredSession }> {
  const session = await currentSession(server);
  return { client: new ApiClient(session.server, session.token), session };
}
