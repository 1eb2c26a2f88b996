// What the CA remembers, in one JSON file per provider (`<data dir>/ssh/<provider id>.json`,
// 0600): the leases granted (principals, expiry, key id, and the serial of every certificate
// signed for them) and the leases revoked early, which the KRL lists until their certificates
// would have expired anyway. Every change goes through `update` (one at a time, written through
// a temp file and renamed), so a reader sees the old state or the new, never half of either.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { isErrno, writePrivateFile } from '../../crypto/index.js';

const certificateSchema = z.object({ serial: z.string().regex(/^[1-9]\d*$/), valid_before: z.string() });

const leaseSchema = z.object({
  key_id: z.string(),
  principals: z.array(z.string()),
  expires_at: z.string(),
  certificates: z.array(certificateSchema).default([]),
});

const revokedSchema = z.object({
  /** Revoked by key id too: only when the CA lost track of the lease's serials (its state was lost). */
  key_id: z.string().optional(),
  serials: z.array(z.string().regex(/^[1-9]\d*$/)).default([]),
  /** After this instant every certificate of the lease has expired: the KRL entry can go. */
  until: z.string(),
});

export const caStateSchema = z.object({
  version: z.literal(1),
  /** PROTOCOL.krl's krl_version: one more each time the KRL is rewritten. */
  krl_version: z.number().int().min(0),
  leases: z.record(z.string(), leaseSchema),
  revoked: z.record(z.string(), revokedSchema),
});

export type CaState = z.infer<typeof caStateSchema>;
export type LeaseEntry = z.infer<typeof leaseSchema>;
export type RevokedEntry = z.infer<typeof revokedSchema>;

export function emptyState(): CaState {
  return { version: 1, krl_version: 0, leases: {}, revoked: {} };
}

/** The state file, read once and then kept in memory; changes are serialised and written through. */
export class CaStateFile {
  private state: CaState | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  /** A snapshot of the current state. */
  read(): Promise<CaState> {
    return this.serialised(async () => structuredClone(await this.load()));
  }

  /**
   * Runs `change` on a copy of the state and, when it returns true, persists the copy before
   * anything else may read or change it. Returns what `after` makes of the new state.
   */
  update<T>(change: (state: CaState) => boolean, after: (state: CaState) => Promise<T> | T): Promise<T> {
    return this.serialised(async () => {
      const next = structuredClone(await this.load());
      if (change(next)) {
        await writePrivateFile(this.path, `${JSON.stringify(next, null, 1)}\n`);
        this.state = next;
      }
      return after(structuredClone(this.state as CaState));
    });
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<CaState> {
    if (this.state) return this.state;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      this.state = emptyState();
      return this.state;
    }
    const parsed = caStateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.path} is not an ssh CA state file: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    this.state = parsed.data;
    return this.state;
  }
}
