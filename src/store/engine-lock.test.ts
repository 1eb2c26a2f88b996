import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { StoreLocked } from './errors.js';
import { openSqliteStore } from './sqlite.js';

async function tempFile(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-engine-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'lease.db');
}

test('a second exclusive store on one SQLite file is refused, naming the file and how to run several servers', async (t) => {
  const file = await tempFile(t);
  const first = await openSqliteStore({ file, exclusive: true });
  t.after(() => first.close());
  await assert.rejects(openSqliteStore({ file, exclusive: true }), (err: unknown) => {
    assert.ok(err instanceof StoreLocked);
    assert.match(err.message, new RegExp(`SQLite database ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(err.message, /server\.engine: temporal/);
    return true;
  });
});

test('stores without the lock (Temporal-engine servers, workers) share the file with the exclusive one', async (t) => {
  const file = await tempFile(t);
  const exclusive = await openSqliteStore({ file, exclusive: true });
  t.after(() => exclusive.close());
  const shared = await openSqliteStore({ file });
  t.after(() => shared.close());
  assert.deepEqual(await shared.requests.list({}), []);
});

test('closing the store releases the lock', async (t) => {
  const file = await tempFile(t);
  await (await openSqliteStore({ file, exclusive: true })).close();
  const again = await openSqliteStore({ file, exclusive: true });
  await again.close();
});

test('a process killed with SIGKILL leaves no stale lock', async (t) => {
  const file = await tempFile(t);
  const holder = spawn(
    process.execPath,
    ['--input-type=module', '-e', `const D = (await import('better-sqlite3')).default; const d = new D(process.argv[1] + '.engine-lock'); d.exec('BEGIN EXCLUSIVE'); console.log('held'); setInterval(() => {}, 1000);`, file],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() },
  );
  t.after(() => holder.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    holder.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
  await assert.rejects(openSqliteStore({ file, exclusive: true }), StoreLocked);
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  holder.kill('SIGKILL');
  await exited;
  const store = await openSqliteStore({ file, exclusive: true });
  await store.close();
});
