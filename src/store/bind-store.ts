// Builds a Store over a kysely handle: the root database, or one transaction. A transaction's
// Store runs nested transaction() calls inline, so there is never a nested BEGIN.
import type { Kysely } from 'kysely';
import type { Clock } from '../core/index.js';
import { auditRepository, type Atomic } from './audit.js';
import { grantsRepository } from './grants.js';
import { inboxRepository } from './inbox.js';
import { requestsRepository } from './requests.js';
import type { Schema } from './schema.js';
import type { Store } from './types.js';
import { workflowsRepository } from './workflows.js';

/** The root store; `close` releases the database. */
export function bindRootStore(db: Kysely<Schema>, clock: Clock, close: () => Promise<void>): Store {
  // SQLite has one connection, guarded by kysely's mutex: a transaction holds it from BEGIN to
  // COMMIT, so concurrent transactions (and plain queries) run one after another. A consequence:
  // inside fn, use the `tx` store only; awaiting the root store there would wait forever.
  const atomic: Atomic = (fn) => db.transaction().execute(fn);
  const store: Store = {
    ...repositories(db, clock, atomic),
    transaction: (fn) => atomic((trx) => fn(bindTransactionStore(trx, clock))),
    close,
  };
  return store;
}

function bindTransactionStore(trx: Kysely<Schema>, clock: Clock): Store {
  const atomic: Atomic = (fn) => fn(trx);
  const store: Store = {
    ...repositories(trx, clock, atomic),
    transaction: (fn) => fn(store),
    close: () => Promise.reject(new TypeError('close the root store, not a transaction')),
  };
  return store;
}

function repositories(db: Kysely<Schema>, clock: Clock, atomic: Atomic): Omit<Store, 'transaction' | 'close'> {
  return {
    requests: requestsRepository(db, clock),
    workflows: workflowsRepository(db, clock),
    inbox: inboxRepository(db, clock),
    grants: grantsRepository(db),
    audit: auditRepository(db, clock, atomic),
  };
}
