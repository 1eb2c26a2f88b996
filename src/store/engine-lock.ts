// Locks a process holds on a SQLite store for its life: an exclusive transaction held open on a
// small lock database beside the store. SQLite takes it with POSIX advisory locks, which the
// kernel drops when the process ends, even by kill -9: a crashed server never leaves a stale
// lock behind. The embedded engine's lock makes a server with it the only one on its store; duty
// locks (see duty-locks.ts) pick the one replica that does a deployment's background work.
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { sqliteCode, StoreLocked } from './errors.js';

export interface HeldLock {
  /** False once the lock is released. */
  readonly held: boolean;
  release(): void;
}

/** The lock file of the store `file`'s embedded engine. */
export function engineLockFile(file: string): string {
  return `${file}.engine-lock`;
}

/** The lock file of the duty `name` on the store `file` (any name: it is hashed). */
export function dutyLockFile(file: string, name: string): string {
  return `${file}.duty-${createHash('sha256').update(name).digest('hex').slice(0, 16)}.lock`;
}

/** Takes the lock in `lockFile` at once, or answers undefined when another connection holds it. */
export function tryHoldFileLock(lockFile: string): HeldLock | undefined {
  closeSync(openSync(lockFile, 'a', 0o600));
  chmodSync(lockFile, 0o600);
  const lock = new Database(lockFile);
  try {
    lock.pragma('busy_timeout = 0');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    if (sqliteCode(err)?.startsWith('SQLITE_BUSY')) return undefined;
    throw err;
  }
  return {
    get held() {
      return lock.open;
    },
    release: () => {
      if (lock.open) lock.close();
    },
  };
}

/** Takes the embedded engine's lock on the store `file`, or throws StoreLocked at once. */
export function holdSqliteEngineLock(file: string): HeldLock {
  const lock = tryHoldFileLock(engineLockFile(file));
  if (!lock) throw new StoreLocked(`the SQLite database ${file}`);
  return lock;
}
