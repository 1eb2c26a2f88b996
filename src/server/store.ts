// Opens the store the configuration names (`server.store`), for the server and `lease worker`
// alike. SQLite is the default; PostgreSQL (and pg) is loaded only when configured.
import { join, resolve } from 'node:path';
import { InvalidInput, type Clock, type Logger } from '../core/index.js';
import { isPostgresUrl, type LoadedConfig } from '../config/index.js';
import { openSqliteStore, soleProcessDuties, sqliteDutyLocks, type DutyLocks, type Store } from '../store/index.js';

export interface ConfiguredStoreOptions {
  clock: Clock;
  logger: Logger;
  env?: Record<string, string | undefined>;
  /**
   * A server running the embedded engine: it must be the only one on its store, so it holds a lock
   * for its life (an advisory lock on PostgreSQL, a lock file beside a SQLite file) and refuses to
   * start while another server holds it.
   */
  exclusive: boolean;
}

/** Where the store is, as the configuration and LEASE_STORE_URL say. */
export function storeLocation(config: LoadedConfig, dataDir: string, env: Record<string, string | undefined> = process.env): { type: 'sqlite'; file: string } | { type: 'postgres'; url: string; poolSize?: number } {
  const settings = config.server?.store ?? {};
  const fromEnv = env.LEASE_STORE_URL !== undefined && env.LEASE_STORE_URL !== '' ? env.LEASE_STORE_URL : undefined;
  const url = fromEnv ?? settings.url;
  const type = settings.type ?? 'sqlite';
  if (type === 'postgres') {
    if (url === undefined) throw new InvalidInput('server.store: type postgres needs a URL: set server.store.url (a postgres:// URL) or LEASE_STORE_URL', 'server.store.url');
    if (!isPostgresUrl(url)) throw new InvalidInput(`${fromEnv ? 'LEASE_STORE_URL' : 'server.store.url'}: expected a postgres:// or postgresql:// URL`, 'server.store.url');
    return { type, url, ...(settings.pool_size !== undefined ? { poolSize: settings.pool_size } : {}) };
  }
  if (url !== undefined && isPostgresUrl(url)) throw new InvalidInput(`${fromEnv ? 'LEASE_STORE_URL' : 'server.store.url'} is a PostgreSQL URL: set server.store.type: postgres`, 'server.store.type');
  return { type, file: url === undefined ? join(dataDir, 'lease.db') : resolve(dataDir, url.replace(/^(sqlite|file):(\/\/)?/, '')) };
}

export async function openConfiguredStore(config: LoadedConfig, dataDir: string, options: ConfiguredStoreOptions): Promise<Store> {
  const location = storeLocation(config, dataDir, options.env);
  if (location.type === 'sqlite') {
    return openSqliteStore({
      file: location.file,
      clock: options.clock,
      exclusive: options.exclusive,
      onBackgroundError: (message) => options.logger.warn({ err: message }, 'store: background checkpoint failed'),
    });
  }
  const { openPostgresStore, describePostgresUrl } = await import('../store/postgres/index.js');
  const where = describePostgresUrl(location.url);
  const store = await openPostgresStore({
    url: location.url,
    clock: options.clock,
    exclusive: options.exclusive,
    ...(location.poolSize !== undefined ? { poolSize: location.poolSize } : {}),
    onBackgroundError: (message) => options.logger.error({ err: message }, 'store: PostgreSQL'),
  });
  options.logger.info({ store: 'postgres', database: where }, 'store opened');
  return store;
}

/**
 * The locks that pick the one replica doing each background duty. A server with the embedded
 * engine is alone on its store (it holds the engine's lock), so every duty is its own.
 */
export async function openDutyLocks(config: LoadedConfig, dataDir: string, options: { exclusive: boolean; logger: Logger; env?: Record<string, string | undefined> }): Promise<DutyLocks> {
  if (options.exclusive) return soleProcessDuties;
  const location = storeLocation(config, dataDir, options.env);
  if (location.type === 'sqlite') return sqliteDutyLocks(location.file);
  const { postgresDutyLocks } = await import('../store/postgres/index.js');
  return postgresDutyLocks(location.url, (message) => options.logger.error({ err: message }, 'store: PostgreSQL'));
}
