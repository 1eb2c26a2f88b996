// What an API command needs: the stored session for the chosen server and a client bound to it.
import { ApiClient } from './client.js';
import { CliError } from './errors.js';
import { FileSessionStore, leaseHome, type SessionStore, type StoredSession } from './session-store.js';

export function sessionStore(): SessionStore {
  return new FileSessionStore(leaseHome());
}

export async function authenticatedClient(server?: string): Promise<{ client: ApiClient; session: StoredSession }> {
  const chosen = server ?? process.env.LEASE_SERVER;
  const session = await sessionStore().get(chosen);
  if (!session) throw new CliError(`not logged in${chosen ? ` to ${chosen}` : ''}; run: lease login --server URL --provider ID`);
  if (Date.parse(session.expires_at) <= Date.now()) throw new CliError('session expired; log in again (lease login)', 1, 'session_expired');
  return { client: new ApiClient(session.server, session.token), session };
}
