// Builds the Store over the synchronous repositories: the root store routes each call through
// the group-commit queue; a transaction's store runs calls at once, inside its batch, and runs
// nested transaction() calls inline (there is never a nested BEGIN).
import type BetterSqlite3 from 'better-sqlite3';
import { ChainVerifier } from '../audit/index.js';
import type { Clock } from '../core/index.js';
import { auditRepository, PRUNE_PAGE_SIZE, type AuditRepository } from './audit.js';
import { auditCursorsRepository } from './audit-cursors.js';
import { leaseNoticesRepository, notificationMessagesRepository, seenCallbacksRepository } from './chat.js';
import { decisionsRepository } from './decisions.js';
import { emailRepository } from './email.js';
import { toIntegrityError } from './errors.js';
import { grantsRepository } from './grants.js';
import { hostTasksRepository } from './host-tasks.js';
import { GroupCommit, type Attempt, type GroupCommitLimits } from './group-commit.js';
import { inboxRepository } from './inbox.js';
import { deviceLoginsRepository, loginAttemptsRepository, loginFailuresRepository } from './logins.js';
import { requestsRepository } from './requests.js';
import { reviewsRepository } from './reviews.js';
import { sessionsRepository } from './sessions.js';
import type { SyncRepository } from './statements.js';
import type { Store } from './types.js';
import { workflowsRepository } from './workflows.js';

/** How a bound store runs one synchronous repository call. */
type Run = <T>(op: () => T) => Promise<T>;

interface Repositories {
  requests: SyncRepository<Store['requests']>;
  workflows: SyncRepository<Store['workflows']>;
  inbox: SyncRepository<Store['inbox']>;
  grants: SyncRepository<Store['grants']>;
  hostTasks: SyncRepository<Store['hostTasks']>;
  decisions: SyncRepository<Store['decisions']>;
  reviews: SyncRepository<Store['reviews']>;
  sessions: SyncRepository<Store['sessions']>;
  email: SyncRepository<Store['email']>;
  notificationMessages: SyncRepository<Store['notificationMessages']>;
  seenCallbacks: SyncRepository<Store['seenCallbacks']>;
  leaseNotices: SyncRepository<Store['leaseNotices']>;
  loginAttempts: SyncRepository<Store['loginAttempts']>;
  deviceLogins: SyncRepository<Store['deviceLogins']>;
  loginFailures: SyncRepository<Store['loginFailures']>;
  audit: AuditRepository;
  auditCursors: SyncRepository<Store['auditCursors']>;
}

/** The root store; `close` waits for queued calls, then closes the database. */
export function bindRootStore(db: BetterSqlite3.Database, clock: Clock, limits?: Partial<GroupCommitLimits>): Store {
  const writer = new GroupCommit(db, limits);
  const repos: Repositories = {
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
    loginAttempts: loginAttemptsRepository(db),
    deviceLogins: deviceLoginsRepository(db),
    loginFailures: loginFailuresRepository(db),
    audit: auditRepository(db, clock),
    auditCursors: auditCursorsRepository(db, clock),
  };
  // onAppend listeners are told after each commit (or failure) of a call that appended.
  const appendListeners = new Set<() => void>();
  const afterAppend = <T>(promise: Promise<T>): Promise<T> =>
    promise.finally(() => {
      if (!repos.audit.takeAppended()) return;
      for (const listener of appendListeners) listener();
    });
  let closed: Promise<void> | undefined;
  return {
    ...bindRepositories(repos, (op) => afterAppend(writer.call(op)), appendListeners),
    transaction: (fn) => afterAppend(writer.transaction((attempt) => fn(new TransactionStore(repos, attempt)))),
    ping: () => writer.call(() => void db.prepare('SELECT 1').get()),
    close: () =>
      (closed ??= writer.idle().then(() => {
        db.close();
      })),
    stats: () => writer.stats(),
  };
}

/**
 * A store bound to one run of a transaction fn; it refuses calls once that run has ended. Its
 * repositories are bound on first use: most transactions touch two or three of the eight.
 */
class TransactionStore implements Store {
  #requests?: Store['requests'];
  #workflows?: Store['workflows'];
  #inbox?: Store['inbox'];
  #grants?: Store['grants'];
  #hostTasks?: Store['hostTasks'];
  #decisions?: Store['decisions'];
  #reviews?: Store['reviews'];
  #sessions?: Store['sessions'];
  #email?: Store['email'];
  #notificationMessages?: Store['notificationMessages'];
  #seenCallbacks?: Store['seenCallbacks'];
  #leaseNotices?: Store['leaseNotices'];
  #loginAttempts?: Store['loginAttempts'];
  #deviceLogins?: Store['deviceLogins'];
  #loginFailures?: Store['loginFailures'];
  #audit?: Store['audit'];
  #auditCursors?: Store['auditCursors'];
  private readonly run: Run;

  constructor(
    private readonly repos: Repositories,
    attempt: Attempt,
  ) {
    this.run = (op) => {
      if (!attempt.active) return Promise.reject(new TypeError('this transaction has ended: use the root store'));
      try {
        return Promise.resolve(op());
      } catch (err) {
        return Promise.reject(toIntegrityError(err));
      }
    };
  }

  get requests(): Store['requests'] {
    return (this.#requests ??= bindRepository(this.repos.requests, this.run));
  }

  get workflows(): Store['workflows'] {
    return (this.#workflows ??= bindRepository(this.repos.workflows, this.run));
  }

  get inbox(): Store['inbox'] {
    return (this.#inbox ??= bindRepository(this.repos.inbox, this.run));
  }

  get grants(): Store['grants'] {
    return (this.#grants ??= bindRepository(this.repos.grants, this.run));
  }

  get hostTasks(): Store['hostTasks'] {
    return (this.#hostTasks ??= bindRepository(this.repos.hostTasks, this.run));
  }

  get decisions(): Store['decisions'] {
    return (this.#decisions ??= bindRepository(this.repos.decisions, this.run));
  }

  get reviews(): Store['reviews'] {
    return (this.#reviews ??= bindRepository(this.repos.reviews, this.run));
  }

  get sessions(): Store['sessions'] {
    return (this.#sessions ??= bindRepository(this.repos.sessions, this.run));
  }

  get email(): Store['email'] {
    return (this.#email ??= bindRepository(this.repos.email, this.run));
  }

  get notificationMessages(): Store['notificationMessages'] {
    return (this.#notificationMessages ??= bindRepository(this.repos.notificationMessages, this.run));
  }

  get seenCallbacks(): Store['seenCallbacks'] {
    return (this.#seenCallbacks ??= bindRepository(this.repos.seenCallbacks, this.run));
  }

  get leaseNotices(): Store['leaseNotices'] {
    return (this.#leaseNotices ??= bindRepository(this.repos.leaseNotices, this.run));
  }

  get loginAttempts(): Store['loginAttempts'] {
    return (this.#loginAttempts ??= bindRepository(this.repos.loginAttempts, this.run));
  }

  get deviceLogins(): Store['deviceLogins'] {
    return (this.#deviceLogins ??= bindRepository(this.repos.deviceLogins, this.run));
  }

  get loginFailures(): Store['loginFailures'] {
    return (this.#loginFailures ??= bindRepository(this.repos.loginFailures, this.run));
  }

  get audit(): Store['audit'] {
    return (this.#audit ??= bindAudit(this.repos.audit, this.run));
  }

  get auditCursors(): Store['auditCursors'] {
    return (this.#auditCursors ??= bindRepository(this.repos.auditCursors, this.run));
  }

  /** Nested transactions run inline: there is never a nested BEGIN. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return fn(this);
  }

  close(): Promise<void> {
    return Promise.reject(new TypeError('close the root store, not a transaction'));
  }
}

function bindRepositories(repos: Repositories, run: Run, appendListeners: Set<() => void>): Omit<Store, 'transaction' | 'close'> {
  return {
    requests: bindRepository(repos.requests, run),
    workflows: bindRepository(repos.workflows, run),
    inbox: bindRepository(repos.inbox, run),
    grants: bindRepository(repos.grants, run),
    hostTasks: bindRepository(repos.hostTasks, run),
    decisions: bindRepository(repos.decisions, run),
    reviews: bindRepository(repos.reviews, run),
    sessions: bindRepository(repos.sessions, run),
    email: bindRepository(repos.email, run),
    notificationMessages: bindRepository(repos.notificationMessages, run),
    seenCallbacks: bindRepository(repos.seenCallbacks, run),
    leaseNotices: bindRepository(repos.leaseNotices, run),
    loginAttempts: bindRepository(repos.loginAttempts, run),
    deviceLogins: bindRepository(repos.deviceLogins, run),
    loginFailures: bindRepository(repos.loginFailures, run),
    audit: {
      ...bindAudit(repos.audit, run),
      onAppend(listener) {
        appendListeners.add(listener);
        return () => appendListeners.delete(listener);
      },
    },
    auditCursors: bindRepository(repos.auditCursors, run),
  };
}

/** Gives each synchronous method its async Store form: `(...args) => run(() => method(...args))`. */
function bindRepository<R>(repo: SyncRepository<R>, run: Run): R {
  const bound: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(repo) as [string, (...args: unknown[]) => unknown][]) {
    bound[name] = (...args: unknown[]) => run(() => method(...args));
  }
  return bound as R;
}

/** verify() runs page by page, one store call each, so other callers get their turn between pages. */
function bindAudit(repo: AuditRepository, run: Run): Store['audit'] {
  return {
    append: (input) => run(() => repo.append(input)),
    list: (filter) => run(() => repo.list(filter)),
    head: () => run(() => repo.head()),
    checkpoint: () => run(() => repo.checkpoint()),
    async prune(checkpoint) {
      await run(() => repo.addCheckpoint(checkpoint));
      let deleted = 0;
      for (;;) {
        const n = await run(() => repo.deleteCovered(PRUNE_PAGE_SIZE));
        deleted += n;
        if (n < PRUNE_PAGE_SIZE) return deleted;
      }
    },
    async verify() {
      const checkpoint = await run(() => repo.checkpoint());
      const verifier = new ChainVerifier(checkpoint ?? undefined);
      let afterSeq = checkpoint?.seq ?? 0;
      const from = checkpoint ? { from_seq: checkpoint.seq } : {};
      for (;;) {
        const page = await run(() => repo.verifyPage(verifier, afterSeq));
        if (page.verdict) return { ...page.verdict, ...from };
        afterSeq = page.afterSeq;
      }
    },
  };
}
