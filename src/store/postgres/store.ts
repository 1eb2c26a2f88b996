// Opens the PostgreSQL store: a pg pool, migrated to the latest schema on open, with the same
// Store semantics as SQLite's (see README.md for where they differ in cost, not in meaning).
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { systemClock, type Clock } from '../../core/index.js';
import { StoreLocked } from '../errors.js';
import type { Store } from '../types.js';
import { auditRepository } from './audit.js';
import { leaseNoticesRepository, notificationMessagesRepository, seenCallbacksRepository } from './chat.js';
import { decisionsRepository, reviewsRepository } from './decisions.js';
import { isRetryable, pgCode, toIntegrityError } from './errors.js';
import { grantsRepository } from './grants.js';
import { hostTasksRepository } from './host-tasks.js';
import { inboxRepository } from './inbox.js';
import { deviceLoginsRepository, loginAttemptsRepository, loginFailuresRepository } from './logins.js';
import { EMBEDDED_ENGINE_LOCK, LOCK_CLASS } from './locks.js';
import { migrateToLatest } from './migrate.js';
import { requestsRepository } from './requests.js';
import { auditCursorsRepository, emailRepository, sessionsRepository } from './sessions.js';
import { sqlOver, type Sql } from './sql.js';
import { workflowsRepository } from './workflows.js';

export interface PostgresStoreOptions {
  /** postgres:// or postgresql:// URL; TLS through its `sslmode`. */
  url: string;
  clock?: Clock;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /**
   * Hold the embedded engine's advisory lock for the store's life (a server with the embedded
   * engine): opening fails with StoreLocked while another process holds it.
   */
  exclusive?: boolean;
  /** Told about failures no caller can be thrown to (an idle connection lost, the lock's connection lost). */
  onBackgroundError?: (message: string) => void;
}

/** A transaction that keeps losing races gives up after this many runs. */
const MAX_ATTEMPTS = 20;

/** The URL without credentials or parameters, for messages: `host:port/database`. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

// int8 (count, bigint epoch ms, seq) as a JS number, not a string: every value Lease stores in
// one is far below 2^53. Set on this pool only, never on pg's global type table.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const clock = options.clock ?? systemClock;
  const report = options.onBackgroundError ?? (() => undefined);
  const where = describePostgresUrl(options.url);
  let lock: pg.Client | undefined;
  if (options.exclusive) lock = await holdEmbeddedEngineLock(options.url, where, report);
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, types, application_name: 'lease' });
  // An idle connection that breaks (a server restart) is dropped from the pool; the next query gets a new one.
  pool.on('error', (err) => report(`PostgreSQL connection lost: ${err.message}`));
  try {
    await migrateToLatest(pool);
  } catch (err) {
    await pool.end();
    await lock?.end();
    throw err;
  }
  return new PostgresStore(pool, clock, lock);
}

async function holdEmbeddedEngineLock(url: string, where: string, report: (message: string) => void): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'lease (embedded engine lock)' });
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [LOCK_CLASS, EMBEDDED_ENGINE_LOCK]);
  if (!rows[0]?.locked) {
    await client.end();
    throw new StoreLocked(`the PostgreSQL database ${where}`);
  }
  // Losing this connection releases the lock: another embedded server could then start.
  client.on('error', (err) => report(`lost the connection holding the embedded engine's lock on ${where}: ${err.message}`));
  return client;
}

/** The repositories over one executor: the pool (autocommit) or a transaction's client. */
function repositories(db: Sql, clock: Clock, onAppended?: () => void): Omit<Store, 'transaction' | 'close' | 'stats'> {
  return {
    requests: requestsRepository(db, clock),
    workflows: workflowsRepository(db, clock),
    inbox: inboxRepository(db, clock),
    grants: grantsRepository(db),
    hostTasks: hostTasksRepository(db, clock),
    decisions: decisionsRepository(db),
    reviews: reviewsRepository(db),
    sessions: sessionsRepository(db, clock),
    email: emailRepository(db, clock),
    notificationMessages: notificationMessagesRepository(db, clock),
    seenCallbacks: seenCallbacksRepository(db, clock),
    leaseNotices: leaseNoticesRepository(db),
    audit: auditRepository(db, clock, onAppended),
    auditCursors: auditCursorsRepository(db, clock),
    loginAttempts: loginAttemptsRepository(db),
    deviceLogins: deviceLoginsRepository(db),
    loginFailures: loginFailuresRepository(db),
  };
}

/**
 * Transactions of one process run one at a time, in call order (as on SQLite's one connection),
 * SERIALIZABLE, so a read-then-write is safe against other replicas too: one that loses a race
 * is rolled back and run again. A plain call waits for the transactions called before it, then
 * runs in autocommit on any pooled connection.
 */
class PostgresStore implements Store {
  /** Settles when every transaction called so far has ended. */
  private lane: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  readonly requests: Store['requests'];
  readonly workflows: Store['workflows'];
  readonly inbox: Store['inbox'];
  readonly grants: Store['grants'];
  readonly hostTasks: Store['hostTasks'];
  readonly decisions: Store['decisions'];
  readonly reviews: Store['reviews'];
  readonly sessions: Store['sessions'];
  readonly email: Store['email'];
  readonly notificationMessages: Store['notificationMessages'];
  readonly seenCallbacks: Store['seenCallbacks'];
  readonly leaseNotices: Store['leaseNotices'];
  readonly audit: Store['audit'];
  readonly auditCursors: Store['auditCursors'];
  readonly loginAttempts: Store['loginAttempts'];
  readonly deviceLogins: Store['deviceLogins'];
  readonly loginFailures: Store['loginFailures'];
  private readonly appendListeners = new Set<() => void>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: Clock,
    private readonly lock: pg.Client | undefined,
  ) {
    const plain = repositories(this.plainSql(), clock);
    this.requests = plain.requests;
    this.workflows = plain.workflows;
    this.inbox = plain.inbox;
    this.grants = plain.grants;
    this.hostTasks = plain.hostTasks;
    this.decisions = plain.decisions;
    this.reviews = plain.reviews;
    this.sessions = plain.sessions;
    this.email = plain.email;
    this.notificationMessages = plain.notificationMessages;
    this.seenCallbacks = plain.seenCallbacks;
    this.leaseNotices = plain.leaseNotices;
    // An append reads the last entry and inserts the next: its own short transaction, READ
    // COMMITTED, so the read after the chain's lock sees the entry committed just before.
    this.auditCursors = plain.auditCursors;
    this.loginAttempts = plain.loginAttempts;
    this.deviceLogins = plain.deviceLogins;
    this.loginFailures = plain.loginFailures;
    this.audit = {
      ...plain.audit,
      append: (input) => this.afterQueued().then(() => this.run('READ COMMITTED', (tx) => tx.audit.append(input))),
      onAppend: (listener) => {
        this.appendListeners.add(listener);
        return () => this.appendListeners.delete(listener);
      },
    };
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new TypeError('the store is closed'));
    const result = this.lane.then(() => this.run('SERIALIZABLE', fn));
    this.lane = result.catch(() => undefined);
    return result;
  }

  close(): Promise<void> {
    return (this.closing ??= this.lane.then(async () => {
      await this.pool.end();
      await this.lock?.end();
    }));
  }

  /** Resolves once the transactions called before now have ended. */
  private afterQueued(): Promise<unknown> {
    return this.lane;
  }

  /** Autocommit statements on the pool, after the transactions called before them. */
  private plainSql(): Sql {
    const pool = sqlOver(this.pool);
    return {
      query: async <R>(text: string, values?: readonly unknown[]) => {
        await this.afterQueued();
        for (let attempt = 1; ; attempt++) {
          try {
            return await pool.query<R>(text, values);
          } catch (err) {
            // A single statement can still deadlock with a transaction: it did nothing, run it again.
            if (pgCode(err) === '40P01' && attempt < MAX_ATTEMPTS) {
              await backoff(attempt);
              continue;
            }
            throw toIntegrityError(err);
          }
        }
      },
    };
  }

  /** Runs fn in one transaction, again from the start when it lost a race. */
  private async run<T>(isolation: 'SERIALIZABLE' | 'READ COMMITTED', fn: (tx: Store) => Promise<T>): Promise<T> {
    let appended = false;
    try {
      return await this.attempts(isolation, fn, () => (appended = true));
    } finally {
      // onAppend listeners hear of it once the transaction has ended (committed or not: they re-read).
      if (appended) for (const listener of this.appendListeners) listener();
    }
  }

  private async attempts<T>(isolation: 'SERIALIZABLE' | 'READ COMMITTED', fn: (tx: Store) => Promise<T>, onAppended: () => void): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      const state: AttemptState = { active: true, failure: undefined };
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        try {
          const result = await fn(new TransactionStore(transactionSql(sqlOver(client), state), this.clock, onAppended));
          // A statement failed and fn went on: PostgreSQL has aborted the transaction, so COMMIT
          // would silently roll it back. Report the failure instead of losing the writes.
          if (state.failure !== undefined) throw toIntegrityError(state.failure);
          state.active = false;
          await client.query('COMMIT');
          return result;
        } catch (err) {
          state.active = false;
          await client.query('ROLLBACK').catch(() => (broken = true));
          if ((isRetryable(err) || isRetryable(state.failure)) && attempt < MAX_ATTEMPTS) {
            await backoff(attempt);
            continue;
          }
          throw toIntegrityError(err);
        }
      } catch (err) {
        // BEGIN itself failed: the connection is unusable.
        if (state.active) broken = true;
        throw err;
      } finally {
        state.active = false;
        client.release(broken);
      }
    }
  }
}

interface AttemptState {
  active: boolean;
  /** The first statement that failed in this attempt. */
  failure: unknown;
}

/** A transaction's executor: refuses statements once the attempt has ended; remembers the first failure. */
function transactionSql(sql: Sql, state: AttemptState): Sql {
  return {
    async query<R>(text: string, values?: readonly unknown[]) {
      if (!state.active) throw new TypeError('this transaction has ended: use the root store');
      try {
        return await sql.query<R>(text, values);
      } catch (err) {
        state.failure ??= err;
        throw toIntegrityError(err);
      }
    },
  };
}

/** A store bound to one attempt of a transaction; nested transactions run inline. */
class TransactionStore implements Store {
  readonly requests: Store['requests'];
  readonly workflows: Store['workflows'];
  readonly inbox: Store['inbox'];
  readonly grants: Store['grants'];
  readonly hostTasks: Store['hostTasks'];
  readonly decisions: Store['decisions'];
  readonly reviews: Store['reviews'];
  readonly sessions: Store['sessions'];
  readonly email: Store['email'];
  readonly notificationMessages: Store['notificationMessages'];
  readonly seenCallbacks: Store['seenCallbacks'];
  readonly leaseNotices: Store['leaseNotices'];
  readonly audit: Store['audit'];
  readonly auditCursors: Store['auditCursors'];
  readonly loginAttempts: Store['loginAttempts'];
  readonly deviceLogins: Store['deviceLogins'];
  readonly loginFailures: Store['loginFailures'];

  constructor(sql: Sql, clock: Clock, onAppended: () => void) {
    const repos = repositories(sql, clock, onAppended);
    this.auditCursors = repos.auditCursors;
    this.loginAttempts = repos.loginAttempts;
    this.deviceLogins = repos.deviceLogins;
    this.loginFailures = repos.loginFailures;
    this.requests = repos.requests;
    this.workflows = repos.workflows;
    this.inbox = repos.inbox;
    this.grants = repos.grants;
    this.hostTasks = repos.hostTasks;
    this.decisions = repos.decisions;
    this.reviews = repos.reviews;
    this.sessions = repos.sessions;
    this.email = repos.email;
    this.notificationMessages = repos.notificationMessages;
    this.seenCallbacks = repos.seenCallbacks;
    this.leaseNotices = repos.leaseNotices;
    this.audit = repos.audit;
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return fn(this);
  }

  close(): Promise<void> {
    return Promise.reject(new TypeError('close the root store, not a transaction'));
  }
}

/** Jittered exponential backoff: the racers spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(2 ** attempt, 100));
}
