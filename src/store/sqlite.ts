// Opens the SQLite store: one file, WAL, migrated to the latest schema on open.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../core/index.js';
import { bindRootStore } from './bind-store.js';
import { startCheckpointer } from './checkpointer.js';
import { holdSqliteEngineLock, type HeldLock } from './engine-lock.js';
import type { GroupCommitLimits } from './group-commit.js';
import { migrateToLatest } from './migrate.js';
import type { Store } from './types.js';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:' (tests only: nothing survives close). */
  file: string;
  clock?: Clock;
  /** Bounds of a group commit (defaults: 500 calls, 10 ms); see group-commit.ts. */
  groupCommit?: Partial<GroupCommitLimits>;
  /** Told about failures of background work (WAL checkpoints), which has no caller to throw to. */
  onBackgroundError?: (message: string) => void;
  /**
   * Hold the embedded engine's lock on this file for the store's life (a server with the embedded
   * engine): opening fails with StoreLocked while another process holds it.
   */
  exclusive?: boolean;
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const clock = options.clock ?? systemClock;
  const inMemory = options.file === ':memory:';
  if (!inMemory) createPrivateFile(options.file);
  let lock: HeldLock | undefined;
  if (options.exclusive && !inMemory) lock = holdSqliteEngineLock(options.file);

  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(options.file);
    // WAL + synchronous=NORMAL: a committed transaction survives the process being killed
    // (kill -9, crash) because it is in the WAL file, which the OS keeps. It is fsync'ed only at
    // checkpoints, so a power loss or OS crash can lose the last transactions (never corrupt
    // the file). synchronous=FULL would close that window at the cost of an fsync per commit.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    // Another process holding the write lock makes us wait (blocking) up to 5 s, then SQLITE_BUSY.
    sqlite.pragma('busy_timeout = 5000');
    // 32 MiB of page cache (default 2 MiB) keeps the indexes of a busy deployment in memory.
    sqlite.pragma('cache_size = -32000');
    await migrateToLatest(sqlite);
    // Checkpoints run in a worker thread (see checkpointer.ts), never on the event loop.
    const checkpointer = inMemory ? undefined : (sqlite.pragma('wal_autocheckpoint = 0'), startCheckpointer(options.file, options.onBackgroundError ? { onError: options.onBackgroundError } : {}));
    // Prepares every statement once; from here on, each store call is a bound prepared statement.
    const store = bindRootStore(sqlite, clock, options.groupCommit);
    if (!checkpointer && !lock) return store;
    const close = store.close.bind(store);
    return Object.assign(store, {
      close: async () => {
        await checkpointer?.stop();
        await close();
        lock?.release();
      },
    });
  } catch (err) {
    sqlite?.close();
    lock?.release();
    throw err;
  }
}

/**
 * The database holds request metadata and the audit log: readable by its owner only. SQLite
 * creates the -wal and -shm files with the main file's mode.
 */
function createPrivateFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
}
