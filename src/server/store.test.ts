import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig, type LoadedConfig } from '../config/index.js';
import { storeLocation } from './store.js';

let root: string;
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lease-store-config-'));
});
after(() => rm(root, { recursive: true, force: true }));

async function load(yaml: string): Promise<LoadedConfig> {
  const file = join(root, `server-${++counter}.yaml`);
  await writeFile(file, `version: "1.0"\n${yaml}`);
  return loadConfig(file, { env: {} });
}

async function refusal(yaml: string): Promise<{ file: string; path: string; message: string }> {
  const file = join(root, `server-${++counter}.yaml`);
  await writeFile(file, `version: "1.0"\n${yaml}`);
  const err = await loadConfig(file, { env: {} }).then(
    () => assert.fail('expected the config to be refused'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError);
  const issue = err.issues.find((i) => i.path.startsWith('server.store'));
  assert.ok(issue, `an issue under server.store in ${JSON.stringify(err.issues)}`);
  assert.equal(issue.file, file);
  return issue;
}

describe('server.store', () => {
  it('defaults to SQLite in the data directory', async () => {
    assert.deepEqual(storeLocation(await load(''), '/var/lib/lease', {}), { type: 'sqlite', file: '/var/lib/lease/lease.db' });
  });

  it('a SQLite url is a file, relative to the data directory', async () => {
    const config = await load('server:\n  store: {type: sqlite, url: state/lease.sqlite}\n');
    assert.deepEqual(storeLocation(config, '/var/lib/lease', {}), { type: 'sqlite', file: '/var/lib/lease/state/lease.sqlite' });
  });

  it('PostgreSQL takes its url and pool_size; LEASE_STORE_URL replaces the url', async () => {
    const config = await load('server:\n  store: {type: postgres, url: "postgres://lease@db.internal/lease", pool_size: 4}\n');
    assert.deepEqual(storeLocation(config, '/d', {}), { type: 'postgres', url: 'postgres://lease@db.internal/lease', poolSize: 4 });
    assert.deepEqual(storeLocation(config, '/d', { LEASE_STORE_URL: 'postgresql://other/lease?sslmode=verify-full' }), {
      type: 'postgres',
      url: 'postgresql://other/lease?sslmode=verify-full',
      poolSize: 4,
    });
  });

  it('PostgreSQL without any URL is refused, naming both places to give it', async () => {
    const config = await load('server:\n  store: {type: postgres}\n');
    assert.throws(() => storeLocation(config, '/d', {}), /server\.store\.url.*LEASE_STORE_URL/);
    assert.throws(() => storeLocation(config, '/d', { LEASE_STORE_URL: 'mysql://x/y' }), /LEASE_STORE_URL: expected a postgres/);
  });

  it('a PostgreSQL URL from LEASE_STORE_URL with the SQLite type is refused rather than ignored', async () => {
    const config = await load('');
    assert.throws(() => storeLocation(config, '/d', { LEASE_STORE_URL: 'postgres://db/lease' }), /set server\.store\.type: postgres/);
  });

  it('refuses unknown keys, a non-PostgreSQL URL and pool_size with SQLite, naming the file and the path', async () => {
    assert.equal((await refusal('server:\n  store: {type: postgres, url: "postgres://db/x", pool: 3}\n')).path, 'server.store.pool');
    const url = await refusal('server:\n  store: {type: postgres, url: "mysql://db/x"}\n');
    assert.equal(url.path, 'server.store.url');
    assert.match(url.message, /postgres:\/\//);
    assert.equal((await refusal('server:\n  store: {url: "postgres://db/x"}\n')).path, 'server.store.type');
    assert.equal((await refusal('server:\n  store: {pool_size: 3}\n')).path, 'server.store.pool_size');
    assert.equal((await refusal('server:\n  store: {type: mysql}\n')).path, 'server.store.type');
  });
});
