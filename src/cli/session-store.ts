// Where the CLI keeps its sessions: `$LEASE_HOME/sessions.json` (default ~/.config/lease),
// directory 0700, file 0600, written atomically so a failed or interrupted write changes
// nothing. One session per server URL; the most recent login is the default server.
// The interface is what the agent's encrypted vault will implement as well.
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
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

const fileSchema = z.object({ current: z.string().nullable(), sessions: z.record(z.string(), storedSessionSchema) });
type SessionFile = z.infer<typeof fileSchema>;

export interface SessionStore {
  /** The session for `server`, or for the current server when omitted. */
  get(server?: string): Promise<StoredSession | undefined>;
  put(session: StoredSession): Promise<void>;
  remove(server: string): Promise<void>;
  list(): Promise<StoredSession[]>;
}

export function leaseHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.LEASE_HOME || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'lease');
}

export class FileSessionStore implements SessionStore {
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'sessions.json');
  }

  async get(server?: string): Promise<StoredSession | undefined> {
    const data = await this.read();
    const key = server ? normaliseServer(server) : data.current;
    return key ? data.sessions[key] : undefined;
  }

  async put(session: StoredSession): Promise<void> {
    const data = await this.read();
    const key = normaliseServer(session.server);
    data.sessions[key] = { ...session, server: key };
    data.current = key;
    await this.write(data);
  }

  async remove(server: string): Promise<void> {
    const data = await this.read();
    const key = normaliseServer(server);
    delete data.sessions[key];
    if (data.current === key) data.current = Object.keys(data.sessions)[0] ?? null;
    await this.write(data);
  }

  async list(): Promise<StoredSession[]> {
    return Object.values((await this.read()).sessions);
  }

  private async read(): Promise<SessionFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { current: null, sessions: {} };
      throw err;
    }
    const parsed = fileSchema.safeParse(JSON.parse(text));
    // A damaged file is treated as empty rather than half-trusted; the next login rewrites it.
    return parsed.success ? parsed.data : { current: null, sessions: {} };
  }

  private async write(data: SessionFile): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

/** `http://Host:8080/` and `http://host:8080` are the same server. */
export function normaliseServer(server: string): string {
  const url = new URL(server);
  return url.origin;
}
