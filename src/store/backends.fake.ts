// Test helper, excluded from the build like fakes: runs a store test suite once per backend, on
// real databases — SQLite in a temp file, PostgreSQL in a fresh database of a cluster the suite
// starts (test/support/postgres.ts). Not a fake: the name only keeps it out of dist/.
//
//   storeBackends((open) => {
//     test('...', async (t) => { const { store } = await open(t); ... });
//   });
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { HOW_TO_GET_POSTGRES, postgresBinDir, startPostgres, type PostgresServer } from '../../test/support/postgres.js';
import { ManualClock, type Clock } from '../core/index.js';
import { openPostgresStore } from './postgres/index.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type BackendName = 'sqlite' | 'postgres';

/** Direct access to the database, as an operator or an attacker with its credentials has. */
export interface RawAccess {
  /** Runs one statement (`?` placeholders on both backends); returns the rows it read. */
  query(sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  /** Drops the triggers that keep audit_log append-only. */
  dropAuditGuard(): Promise<void>;
}

export interface BackendStore {
  backend: BackendName;
  store: Store;
  clock: ManualClock;
  raw: RawAccess;
  /** Opens another store on the same database (a restart, or another replica); closed when the test ends. */
  openAgain(): Promise<Store>;
}

export type OpenStore = (t: TestContext, options?: { clock?: ManualClock }) => Promise<BackendStore>;

/** Declares the suite once per backend, in a `describe` named after it. */
export function storeBackends(body: (open: OpenStore, backend: BackendName) => void): void {
  describe('sqlite', () => body(openSqlite, 'sqlite'));
  describePostgres(body);
}

const openSqlite: OpenStore = async (t, options = {}) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  const file = join(dir, 'lease.db');
  const clock = options.clock ?? new ManualClock();
  const open = () => openSqliteStore({ file, clock: clock as Clock });
  const store = await open();
  let raw: Database.Database | undefined;
  const others: Store[] = [];
  t.after(async () => {
    raw?.close();
    for (const other of others) await other.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const connection = () => (raw ??= new Database(file));
  return {
    backend: 'sqlite',
    store,
    clock,
    raw: {
      async query(sql, ...params) {
        const statement = connection().prepare(sql);
        return statement.reader ? (statement.all(...params) as Record<string, unknown>[]) : (statement.run(...params), []);
      },
      async dropAuditGuard() {
        connection().exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
      },
    },
    async openAgain() {
      const other = await open();
      others.push(other);
      return other;
    },
  };
};

function describePostgres(body: (open: OpenStore, backend: BackendName) => void): void {
  const available = postgresBinDir() !== undefined;
  // Missing under CI=true: the suite runs and fails in `before`, saying how to get PostgreSQL.
  const skip = !available && process.env.CI !== 'true' ? `PostgreSQL is not available: ${HOW_TO_GET_POSTGRES}` : false;
  if (skip) console.warn(`\n⚠ SKIPPED the PostgreSQL store tests: ${skip}\n`);
  describe('postgres', { skip }, () => {
    let server: PostgresServer | undefined;
    let admin: pg.Client | undefined;
    let databases = 0;
    before(async () => {
      if (!available) throw new Error(`PostgreSQL is not available: ${HOW_TO_GET_POSTGRES} (CI=true: required components must be present)`);
      server = await startPostgres();
      admin = new pg.Client({ connectionString: server.url() });
      await admin.connect();
    });
    after(async () => {
      await admin?.end();
      await server?.stop();
    });
    const open: OpenStore = async (t, options = {}) => {
      if (!server || !admin) throw new Error('PostgreSQL did not start');
      const database = `lease_test_${++databases}`;
      await admin.query(`CREATE DATABASE ${database}`);
      const url = server.url(undefined, undefined, database);
      const clock = options.clock ?? new ManualClock();
      const opened: Store[] = [];
      const openStore = async () => {
        const store = await openPostgresStore({ url, clock: clock as Clock, poolSize: 4 });
        opened.push(store);
        return store;
      };
      const store = await openStore();
      let raw: pg.Client | undefined;
      t.after(async () => {
        await raw?.end();
        for (const s of opened) await s.close();
      });
      const connection = async () => {
        if (!raw) {
          raw = new pg.Client({ connectionString: url });
          await raw.connect();
        }
        return raw;
      };
      return {
        backend: 'postgres',
        store,
        clock,
        raw: {
          async query(sql, ...params) {
            let n = 0;
            const text = sql.replace(/\?/g, () => `$${++n}`);
            return (await (await connection()).query(text, params)).rows as Record<string, unknown>[];
          },
          async dropAuditGuard() {
            await (await connection()).query('DROP TRIGGER audit_log_no_update ON audit_log; DROP TRIGGER audit_log_no_delete ON audit_log;');
          },
        },
        openAgain: openStore,
      };
    };
    body(open, 'postgres');
  });
}
