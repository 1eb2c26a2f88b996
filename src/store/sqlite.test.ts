import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ManualClock } from '../core/index.js';
import { openSqliteStore } from './sqlite.js';
import { MIGRATION_NAMES } from './migrations/index.js';
import { openTempStore, requestRecord } from './temp-store.fake.js';

test('migrations create every table and record themselves', async (t) => {
  const { file } = await openTempStore(t);
  const raw = new Database(file, { readonly: true });
  t.after(() => raw.close());
  const tables = raw
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .pluck()
    .all();
  assert.deepEqual(tables, [
    'audit_checkpoints',
    'audit_cursors',
    'audit_log',
    'decisions',
    'device_logins',
    'email_cursor',
    'email_link_uses',
    'grants',
    'host_tasks',
    'identity_session_cutoffs',
    'kysely_migration',
    'kysely_migration_lock',
    'lease_notices',
    'login_attempts',
    'login_failures',
    'login_pacing',
    'notification_messages',
    'requests',
    'reviews',
    'revoked_sessions',
    'seen_callbacks',
    'workflow_inbox',
    'workflow_instances',
  ]);
  assert.deepEqual(raw.prepare('SELECT name FROM kysely_migration').pluck().all(), [...MIGRATION_NAMES]);
});

test('opening the same file twice runs the migrations once and keeps the data', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'lease.db');

  const first = await openSqliteStore({ file });
  await first.requests.insert(requestRecord());
  await first.close();

  const second = await openSqliteStore({ file });
  t.after(() => second.close());
  assert.equal((await second.requests.get('req_1'))?.reason, 'debugging INC-4211');
  const raw = new Database(file, { readonly: true });
  t.after(() => raw.close());
  assert.equal(raw.prepare('SELECT count(*) FROM kysely_migration').pluck().get(), MIGRATION_NAMES.length);
});

test('opening a file that misses a later migration applies it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'lease.db');
  const first = await openSqliteStore({ file });
  await first.requests.insert(requestRecord());
  await first.close();
  // The file as the version before 0005 left it, with a request in it.
  const older = new Database(file);
  older.exec(`DROP TABLE audit_cursors; DROP TABLE audit_checkpoints; DROP TRIGGER audit_log_no_delete;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    DELETE FROM kysely_migration WHERE name = '0009_audit_retention'`);
  older.exec(`DROP TABLE login_failures; DROP TABLE login_pacing; DELETE FROM kysely_migration WHERE name = '0011_login_throttle'`);
  older.exec(`DROP TABLE login_attempts; DROP TABLE device_logins; DELETE FROM kysely_migration WHERE name = '0010_pending_logins'`);
  older.exec(`ALTER TABLE notification_messages DROP COLUMN purpose; DELETE FROM kysely_migration WHERE name = '0008_notice_messages'`);
  older.exec(`DROP TABLE notification_messages; DROP TABLE seen_callbacks; DROP TABLE lease_notices; DELETE FROM kysely_migration WHERE name = '0007_slack'`);
  older.exec(`DROP TABLE email_link_uses; DROP TABLE email_cursor; DELETE FROM kysely_migration WHERE name = '0006_email_approvals'`);
  older.exec(`DROP TABLE reviews; DELETE FROM kysely_migration WHERE name = '0005_approval_lifecycle'`);
  for (const column of ['break_glass', 'start_at', 'extended_from', 'timeout_at']) older.exec(`ALTER TABLE requests DROP COLUMN ${column}`);
  older.close();

  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  const raw = new Database(file, { readonly: true });
  t.after(() => raw.close());
  assert.deepEqual(raw.prepare('SELECT name FROM kysely_migration ORDER BY name').pluck().all(), [...MIGRATION_NAMES]);
  assert.ok(raw.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'reviews'`).get());
  assert.ok(raw.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'email_link_uses'`).get());
  assert.ok(raw.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lease_notices'`).get());
  assert.ok(raw.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_cursors'`).get());
  const kept = await store.requests.get('req_1');
  assert.equal(kept?.break_glass, false, 'an older request is not break-glass');
  assert.equal(kept?.start_at, null);
});

test('creates missing parent directories and a database file readable by its owner only', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'nested', 'deeper', 'lease.db');
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  await store.requests.insert(requestRecord());

  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(`${file}-wal`).mode & 0o777, 0o600);
});

test('tightens the mode of an existing database file to 0600', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'lease.db');
  new Database(file).close();
  chmodSync(file, 0o644);
  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('puts the database in WAL mode', async (t) => {
  const { file, store } = await openTempStore(t);
  await store.requests.count();
  const raw = new Database(file, { readonly: true });
  t.after(() => raw.close());
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
});

test('data survives close and reopen', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'lease.db');

  const clock = new ManualClock();
  const first = await openSqliteStore({ file, clock });
  await first.requests.insert(requestRecord());
  await first.workflows.insert({ id: 'req_1', workflow: 'default', state: { step: 2 }, status: 'running', wake_at: 42, updated_at: '2026-01-01T00:00:00.000Z' });
  const seq = await first.inbox.append('req_1', { type: 'approved' });
  await first.grants.upsert({ request_id: 'req_1', provider: 'aws-prod', record: { arn: 'x' }, granted_at: '2026-01-01T00:00:01.000Z' });
  await first.audit.append({ actor: 'alice', action: 'request.created', subject: 'req_1', data: { role: 'admin' } });
  await first.close();

  const second = await openSqliteStore({ file });
  t.after(() => second.close());
  assert.equal((await second.requests.get('req_1'))?.role, 'admin');
  assert.deepEqual((await second.workflows.get('req_1'))?.state, { step: 2 });
  assert.deepEqual(await second.inbox.listPending('req_1'), [
    { seq, instance_id: 'req_1', event: { type: 'approved' }, created_at: '2026-01-01T00:00:00.000Z' },
  ]);
  assert.deepEqual((await second.grants.get('req_1', 'aws-prod'))?.record, { arn: 'x' });
  assert.deepEqual(await second.audit.verify(), { ok: true, count: 1 });
});

test('an in-memory store works for tests', async () => {
  const store = await openSqliteStore({ file: ':memory:' });
  await store.requests.insert(requestRecord());
  assert.equal(await store.requests.count(), 1);
  await store.close();
});

test('closing twice is harmless', async () => {
  const store = await openSqliteStore({ file: ':memory:' });
  await store.close();
  await store.close();
});

test('what was committed survives the process being killed with SIGKILL', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'lease.db');
  const sqliteModule = new URL('./sqlite.ts', import.meta.url).href;
  // The child commits, then kills itself before it could close the database cleanly.
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { openSqliteStore } = await import(${JSON.stringify(sqliteModule)});
       const store = await openSqliteStore({ file: ${JSON.stringify(file)} });
       for (let n = 0; n < 20; n++) await store.audit.append({ actor: 'child', action: 'write', subject: null, data: { n } });
       process.kill(process.pid, 'SIGKILL');`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  assert.ok(existsSync(`${file}-wal`), 'the child did not shut down cleanly');

  const store = await openSqliteStore({ file });
  t.after(() => store.close());
  assert.deepEqual(await store.audit.verify(), { ok: true, count: 20 });
});
