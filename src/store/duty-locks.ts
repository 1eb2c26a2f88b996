// Duty locks: background work of a deployment that one process does at a time — reading the
// audit log for forwarders and requester mails, sending due notices, reconciling, pruning. Every
// replica runs the same loops; on each round a loop asks whether it holds its duty's lock, takes
// it if it is free, and skips the round otherwise. The locks are the store's own (PostgreSQL
// advisory locks, SQLite file locks): they end with their process, so when the replica doing a
// duty dies another takes it on its next round. No lock service of Lease's own.
import { dutyLockFile, tryHoldFileLock } from './engine-lock.js';

export interface DutyHold {
  /** False once released or lost (the connection holding it on PostgreSQL broke). */
  readonly held: boolean;
  release(): Promise<void>;
}

export interface DutyLocks {
  /** Takes the duty's lock if no process holds it; undefined when another does. */
  tryHold(name: string): Promise<DutyHold | undefined>;
  close(): Promise<void>;
}

/** For a process that is alone on its store by construction (the embedded engine's lock): every duty is its own. */
export const soleProcessDuties: DutyLocks = {
  tryHold: () => Promise.resolve({ held: true, release: () => Promise.resolve() }),
  close: () => Promise.resolve(),
};

/** Replicas sharing one SQLite file (one host, one data directory). */
export function sqliteDutyLocks(file: string): DutyLocks {
  const holds = new Set<DutyHold>();
  return {
    tryHold(name) {
      const lock = tryHoldFileLock(dutyLockFile(file, name));
      if (!lock) return Promise.resolve(undefined);
      const hold: DutyHold = {
        get held() {
          return lock.held;
        },
        release: () => {
          holds.delete(hold);
          lock.release();
          return Promise.resolve();
        },
      };
      holds.add(hold);
      return Promise.resolve(hold);
    },
    async close() {
      for (const hold of [...holds]) await hold.release();
    },
  };
}
