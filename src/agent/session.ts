// What the CLI and the agent keep per server: the session token the server issued and the
// identity facts it answered with. One session per server URL; the latest login is current.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export const storedSessionSchema = z.object({
  server: z.string(),
  provider: z.string(),
  token: z.string(),
  expires_at: z.string(),
  identity: z.object({ id: z.string(), email: z.string().optional(), name: z.string().optional(), groups: z.array(z.string()), provider: z.string() }),
});
export type StoredSession = z.infer<typeof storedSessionSchema>;

/** A session without its token: what listings show. */
export type SessionSummary = Omit<StoredSession, 'token'>;

export interface SessionStore {
  /** The session for `server`, or for the current server when omitted. */
  get(server?: string): Promise<StoredSession | undefined>;
  put(session: StoredSession): Promise<void>;
  remove(server: string): Promise<void>;
  /** Every stored session; callers print only the summary fields. */
  list(): Promise<SessionSummary[]>;
}

export function summarise(session: StoredSession): SessionSummary {
  return { server: session.server, provider: session.provider, expires_at: session.expires_at, identity: session.identity };
}

/** `$LEASE_HOME`, else `$XDG_CONFIG_HOME/lease`, else `~/.config/lease`. */
export function leaseHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.LEASE_HOME || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'lease');
}

/** `http://Host:8080/` and `http://host:8080` are the same server. */
export function normaliseServer(server: string): string {
  return new URL(server).origin;
}
