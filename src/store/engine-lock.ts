// The embedded engine's lock on a SQLite store: an exclusive transaction held open on a small
// lock database beside the store, for the life of the process. SQLite takes it with POSIX
// advisory locks, which the kernel drops when the process ends, even by kill -9: a crashed
// server never leaves a stale lock behind.
import Database from 'better-sqlite3';
import { sqliteCode, StoreLocked } from './errors.js';

export interface EngineLock {
  release(): void;
}

/** The lock file of the store `file`. */
export function engineLockFile(file: string): string {
  return `${file}.engine-lock`;
}

/** Takes the lock or throws StoreLocked at once (no waiting). */
export function holdSqliteEngineLock(file: string): EngineLock {
  const lock = new Database(engineLockFile(file));
  try {
    lock.pragma('busy_timeout = 0');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    if (sqliteCode(err)?.startsWith('SQLITE_BUSY')) throw new StoreLocked(`the SQLite database ${file}`);
    throw err;
  }
  return {
    release: () => {
      if (lock.open) lock.close();
    },
  };
}
