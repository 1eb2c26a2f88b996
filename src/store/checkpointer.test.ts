import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from './sqlite.js';
import { requestRecord } from './temp-store.fake.js';

describe('background WAL checkpoints', () => {
  it('copy committed pages into the database file without the writer doing it', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'lease-ckpt-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'lease.db');
    const errors: string[] = [];
    const store = await openSqliteStore({ file, onBackgroundError: (m) => errors.push(m) });
    const before = statSync(file).size;
    for (let i = 0; i < 300; i++) await store.requests.insert(requestRecord({ id: `req_${String(i).padStart(26, '0')}`, reason: 'x'.repeat(500) }));
    assert.ok(statSync(`${file}-wal`).size > 0, 'writes went to the WAL');
    const deadline = Date.now() + 5_000;
    while (statSync(file).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(statSync(file).size > before, 'the worker checkpointed the WAL into the database file');
    await store.close();
    assert.deepEqual(errors, []);
  });
});
