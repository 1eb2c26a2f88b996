// A durable ledger of the memberships Lease holds open on a target that cannot label them
// (GitHub team memberships and repository collaborators, Okta group memberships): for each
// seat (one user in one team, group or repository) what was there before Lease's first lease
// (`prior`) and which requests hold it now (`holders`, the reference count).
//
// Why a file of Lease's own: the target has nowhere to put a request id, and the grant record
// is stored only after `grant` returns, so neither can carry the intent across a crash. The
// ledger is written (temp file, fsync, rename) BEFORE the target is changed, so after a crash
// at any point a re-run of the grant finds its seat, and a revoke with an empty record finds
// what the request id holds. One writer at a time: calls are serialised in this process; the
// file belongs to one server process (as the SQLite store does).
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Holder {
  /** What this request asked for on the seat (a team role, a repository permission). */
  want: string;
  /** ISO-8601 expiry of the lease. */
  expiresAt: string;
}

export interface Seat<P> {
  /** What the user had before Lease's first lease on this seat (null: nothing). */
  prior: P | null;
  /** Request id → what it holds. Empty only between a last revoke and its restore. */
  holders: Record<string, Holder>;
  /** Facts the target needs to act on the seat (login, team slug, user id...). */
  target: Record<string, string>;
}

interface LedgerFile<P> {
  version: 1;
  seats: Record<string, Seat<P>>;
}

/** The ledger's seats, inside one serialised transaction. `save()` makes the current state durable. */
export interface LedgerBook<P> {
  seats: Record<string, Seat<P>>;
  save(): Promise<void>;
}

export class MembershipLedger<P> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Runs `work` alone (no other transaction of this ledger in between). */
  transaction<T>(work: (book: LedgerBook<P>) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const seats = (await this.load()).seats;
      const book: LedgerBook<P> = { seats, save: () => this.store(seats) };
      return work(book);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** A snapshot of the seats (no lock: for listings). */
  async read(): Promise<Record<string, Seat<P>>> {
    return (await this.load()).seats;
  }

  private async load(): Promise<LedgerFile<P>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, seats: {} };
      throw err;
    }
    const parsed = JSON.parse(text) as LedgerFile<P>;
    if (parsed.version !== 1 || typeof parsed.seats !== 'object' || parsed.seats === null) throw new Error(`${this.file} is not a Lease membership ledger (version 1)`);
    return parsed;
  }

  private async store(seats: Record<string, Seat<P>>): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ version: 1, seats } satisfies LedgerFile<P>, null, 1));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.file);
    const dir = await open(dirname(this.file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
