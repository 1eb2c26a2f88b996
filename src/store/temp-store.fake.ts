// Test helper, excluded from the build like fakes: a real SQLite store in a fresh temp dir,
// closed and deleted when the test ends. Not a fake — the name only keeps it out of dist/.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ManualClock, type Clock } from '../core/index.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { RequestRecord, Store } from './types.js';

export interface TempStore {
  store: Store;
  dir: string;
  file: string;
  clock: ManualClock;
}

export async function openTempStore(
  t: TestContext,
  options: { clock?: ManualClock; groupCommit?: SqliteStoreOptions['groupCommit'] } = {},
): Promise<TempStore> {
  const dir = await mkdtemp(join(tmpdir(), 'lease-store-'));
  const file = join(dir, 'lease.db');
  const clock = options.clock ?? new ManualClock();
  const store = await openSqliteStore({ file, clock: clock as Clock, groupCommit: options.groupCommit });
  t.after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { store, dir, file, clock };
}

export function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: 'req_1',
    identity: { id: 'alice', email: 'alice@example.com', groups: ['ops'], provider: 'local', provider_type: 'local' },
    role: 'admin',
    provider: 'aws-prod',
    workflow: null,
    reason: 'debugging INC-4211',
    duration_ms: 3_600_000,
    status: 'pending',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    break_glass: false,
    start_at: null,
    extended_from: null,
    timeout_at: null,
    granted_at: null,
    expires_at: null,
    ended_at: null,
    outcome: null,
    ...overrides,
  };
}
