// The reconciler against the real store, embedded runtime, built-in calls and request service,
// with an access provider whose calls can be held mid-way (held-access-provider.fake.ts): the
// races of a restart — a workflow finishing a grant or a revoke while the provider is being
// listed — are replayed step by step, and must not be reported as drift; real drift still is.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { LeaseError, silentLogger, systemClock, toIso, type Identity, type RequestStatus } from '../../core/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import { openSqliteStore, type Store } from '../../store/index.js';
import { createBuiltinCalls } from '../../workflow/calls/index.js';
import { createJqEngine } from '../../workflow/expressions/index.js';
import { EmbeddedRuntime, type Checkpoint } from '../../workflow/runtime/index.js';
import { loadServerConfig } from '../server.js';
import { createAccessControl } from './access-control.js';
import { createAccessDirectory, toGrantRole } from './access-directory.js';
import { HeldAccessProvider } from './held-access-provider.fake.js';
import { Reconciler, reconcileGrants, type MissingGrantAction } from './reconcile.js';
import { RequestService } from './requests.js';

const alice: Identity = { id: 'alice', email: 'alice@example.com', groups: ['eng'], provider: 'local', provider_type: 'local' };
const STRAY = 'req_0000000000stray00000000000';

async function setUp(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'lease-reconcile-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'lease.yaml'),
    `version: "1.0"
providers:
  local:
    name: Local users
    provider: local
    config: { users: {} }
  box:
    name: Box
    provider: sudo
    config: { sudoers_dir: ${JSON.stringify(join(dir, 'sudoers.d'))}, visudo: false }
roles:
  debug:
    name: Debug
    description: Read logs
    permissions: { allow: [/usr/bin/id] }
    scopes: { groups: [eng] }
    providers: [box]
    max_duration: 1h
`,
  );
  const expressions = await createJqEngine();
  const config = await loadServerConfig(join(dir, 'lease.yaml'), expressions);
  const store = await openSqliteStore({ file: join(dir, 'lease.db'), clock: systemClock });
  const box = new HeldAccessProvider('box');
  const providers = new Map<string, ProviderInstance>([['box', { id: 'box', type: 'held', name: 'Box', enabled: true, capabilities: ['access'], access: box }]]);
  const clock = systemClock;
  const logger = silentLogger;
  const access = createAccessControl(config.admins);
  const requests = new RequestService({ store, config, providers, clock, logger, access });
  const activities = createBuiltinCalls({ store, clock, logger, directory: createAccessDirectory(config, providers, { store, access }) });
  const runtime = new EmbeddedRuntime({ store, clock, expressions, activities, logger, observer: requests });
  requests.attach(runtime);
  t.after(async () => {
    await runtime.stop();
    await store.close();
  });
  const deps = { store, providers, logger, clock };
  const request = async () => (await requests.create(alice, { role: 'debug', provider: 'box', duration: '30m', reason: 'reconcile test' })).id;
  const reconcileEntries = async () => (await store.audit.list()).filter((e) => e.action.startsWith('grant.')).map((e) => [e.action, e.subject]);
  /** The server's repair settings for a missing grant. */
  const repair = (missing: MissingGrantAction) => ({ missing, grantRole: (id: string) => toGrantRole(config.roles.get(id)!), signal: runtime.signal.bind(runtime) });
  return { store, box, requests, runtime, deps, request, reconcileEntries, repair };
}

async function waitForStatus(store: Store, id: string, status: RequestStatus): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const current = (await store.requests.get(id))?.status;
    if (current === status) return;
    if (Date.now() > deadline) throw new Error(`request ${id} did not become ${status} (is ${current})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('reconciliation', () => {
  it('a revoke that ends while the provider is being listed is not drift', async (t) => {
    const { store, box, requests, deps, request, reconcileEntries } = await setUp(t);
    const id = await request();
    await waitForStatus(store, id, 'active');
    const revoke = box.hold('revoke');
    await requests.revoke(alice, id, 'done');
    await revoke.reached;
    assert.equal((await store.requests.get(id))?.status, 'revoking');

    const list = box.hold('list');
    const run = reconcileGrants(deps);
    await list.reached; // the listing saw the grant
    revoke.release();
    await waitForStatus(store, id, 'revoked'); // ...and the request ended before the listing answered
    list.release();

    assert.deepEqual(await run, { checked: 1, revoked: [], missing: [], regranted: [], failed: [] });
    assert.deepEqual(await reconcileEntries(), []);
    assert.deepEqual(box.calls.filter((c) => c === 'revoke'), ['revoke'], 'revoked once, by its workflow');
  });

  it('a grant that ends while the provider is being listed is not reported missing', async (t) => {
    const { store, box, deps, request, reconcileEntries } = await setUp(t);
    const grant = box.hold('grant');
    const id = await request();
    await grant.reached;
    assert.equal((await store.requests.get(id))?.status, 'granting');

    const list = box.hold('list');
    const run = reconcileGrants(deps);
    await list.reached; // the listing did not see the grant
    grant.release();
    await waitForStatus(store, id, 'active'); // ...which was made and recorded before it answered
    list.release();

    assert.deepEqual(await run, { checked: 0, revoked: [], missing: [], regranted: [], failed: [] });
    assert.deepEqual(await reconcileEntries(), []);
  });

  it('skips an active lease whose workflow (either engine\'s row) has a grant or revoke call in flight', async (t) => {
    const { store, box, deps, request, reconcileEntries } = await setUp(t);
    const id = await request();
    await waitForStatus(store, id, 'active');
    await waitForCheckpoint(store, id, (c) => c.state.pending.every((p) => p.kind !== 'call'));
    box.granted.delete(id);
    // As after a crash between the grant's commit and its workflow's next step: the request is
    // active, the checkpoint still has lease.authorize pending (recovery will run it again).
    const row = (await store.workflows.get(id))!;
    const checkpoint = row.state as Checkpoint;
    const authorizing: Checkpoint = { ...checkpoint, state: { ...checkpoint.state, pending: [...checkpoint.state.pending, { kind: 'call', id: 'again', task: '/do/1/authorize', name: 'lease.authorize', args: {} }] } };
    await store.workflows.save(id, { state: authorizing, status: row.status, wake_at: row.wake_at });
    assert.deepEqual((await reconcileGrants(deps)).missing, []);
    // The Temporal runtime's row (its last recorded step), as a separate `lease worker` leaves it.
    const temporalRow = { engine: 'temporal', document: checkpoint.document, input: {}, state: authorizing.state, step: 4 };
    await store.workflows.save(id, { state: temporalRow, status: row.status, wake_at: null });
    assert.deepEqual((await reconcileGrants(deps)).missing, []);

    await store.workflows.save(id, { state: checkpoint, status: row.status, wake_at: row.wake_at });
    assert.deepEqual((await reconcileGrants(deps)).missing, [id], 'idle again: the missing grant is drift');
    assert.deepEqual(await reconcileEntries(), [['grant.missing', id]]);
  });

  it('finds real drift: a grant removed by hand is audited missing, a grant with no request is revoked', async (t) => {
    const { store, box, deps, request, reconcileEntries } = await setUp(t);
    const kept = await request();
    const lost = await request();
    const expired = await request();
    for (const id of [kept, lost, expired]) await waitForStatus(store, id, 'active');
    box.granted.delete(lost);
    box.granted.set(STRAY, { account: 'mallory' });
    // Past its expiry a lease's revocation is due (its grant may already be gone): not drift.
    await store.requests.update(expired, { expires_at: toIso(Date.now() - 1_000) });
    box.granted.delete(expired);

    assert.deepEqual(await reconcileGrants(deps), { checked: 2, revoked: [STRAY], missing: [lost], regranted: [], failed: [] });
    assert.equal(box.granted.has(STRAY), false, 'the stray grant was revoked');
    assert.deepEqual((await reconcileEntries()).sort(), [['grant.missing', lost], ['grant.orphaned', STRAY]].sort());
    assert.ok(box.granted.has(kept));
  });

  it('grants a missing lease again, with its own request id and expiry (server.reconcile.missing: regrant)', async (t) => {
    const { store, box, deps, request, reconcileEntries, repair } = await setUp(t);
    const lost = await request();
    await waitForStatus(store, lost, 'active');
    const expiresAt = (await store.requests.get(lost))!.expires_at;
    box.granted.delete(lost);
    let granted: unknown;
    const grant = box.grant.bind(box);
    box.grant = async (input) => ((granted = [input.requestId, input.expiresAt, input.role.id]), grant(input));

    assert.deepEqual(await reconcileGrants({ ...deps, repair: repair('regrant') }), { checked: 0, revoked: [], missing: [lost], regranted: [lost], failed: [] });
    assert.deepEqual(granted, [lost, expiresAt, 'debug']);
    assert.ok(box.granted.has(lost), 'granted again');
    assert.equal((await store.requests.get(lost))!.status, 'active');
    assert.deepEqual(await reconcileEntries(), [['grant.missing', lost], ['grant.regranted', lost]]);
    assert.deepEqual((await store.audit.list({ subject: lost })).find((e) => e.action === 'grant.missing')?.data, { provider: 'box', resolution: 'regrant' });
    assert.deepEqual(await reconcileGrants({ ...deps, repair: repair('regrant') }), { checked: 1, revoked: [], missing: [], regranted: [], failed: [] }, 'no drift left');
  });

  it('fails a lease whose grant vanished through its revoke path (server.reconcile.missing: fail)', async (t) => {
    const { store, box, deps, request, reconcileEntries, repair } = await setUp(t);
    const lost = await request();
    await waitForStatus(store, lost, 'active');
    box.granted.delete(lost);

    assert.deepEqual(await reconcileGrants({ ...deps, repair: repair('fail') }), { checked: 0, revoked: [], missing: [lost], regranted: [], failed: [lost] });
    await waitForStatus(store, lost, 'failed');
    const failed = (await store.requests.get(lost))!;
    assert.deepEqual(failed.outcome, { code: 'grant_missing', message: 'the grant vanished from provider "box"' });
    assert.ok(failed.ended_at);
    assert.ok(box.calls.includes('revoke'), 'the revoke path ran');
    assert.ok((await store.grants.get(lost, 'box'))?.revoked_at, 'the grant is recorded revoked');
    assert.deepEqual(await reconcileEntries(), [['grant.missing', lost]]);
    const actions = (await store.audit.list({ subject: lost })).map((e) => e.action);
    assert.deepEqual(actions.slice(-3), ['lease.revoking', 'lease.revoked', 'request.failed']);
  });

  it('fails a missing lease whose re-grant the provider refuses, and retries one it cannot reach', async (t) => {
    const { store, box, deps, request, repair } = await setUp(t);
    const unreachable = await request();
    const refused = await request();
    for (const id of [unreachable, refused]) await waitForStatus(store, id, 'active');
    box.granted.delete(unreachable);
    box.granted.delete(refused);
    const grant = box.grant.bind(box);
    box.grant = async (input) => {
      if (input.requestId === refused) throw new LeaseError('target_not_found', 'no IAM user alice', { status: 404 });
      throw new Error('connect ECONNREFUSED');
    };

    const report = await reconcileGrants({ ...deps, repair: repair('regrant') });
    assert.deepEqual([report.regranted, report.failed], [[], [refused]]);
    await waitForStatus(store, refused, 'failed');
    assert.match((await store.requests.get(refused))!.outcome!.message, /refused to grant it again/);
    assert.equal((await store.requests.get(unreachable))!.status, 'active', 'left for the next round');

    box.grant = grant;
    assert.deepEqual((await reconcileGrants({ ...deps, repair: repair('regrant') })).regranted, [unreachable]);
    assert.ok(box.granted.has(unreachable));
  });

  it('at start, waits for the grants and revocations under way before it lists', async (t) => {
    const { store, box, deps, request, reconcileEntries } = await setUp(t);
    const grant = box.hold('grant');
    const id = await request();
    await grant.reached;
    const list = box.hold('list');
    // Counts the reconciler's looks at the requests under way.
    let looks = 0;
    const requestsTable = { ...store.requests, list: (filter: Parameters<Store['requests']['list']>[0]) => (looks++, store.requests.list(filter)) };
    const reconciler = new Reconciler({ ...deps, store: { ...store, requests: requestsTable }, intervalMs: 3_600_000, settleMs: 60_000 });
    reconciler.start();
    t.after(() => reconciler.stop());
    await waitUntil(() => looks >= 3);
    assert.deepEqual(box.calls, ['grant'], 'nothing listed while the grant is under way');
    grant.release();
    await list.reached;
    assert.equal((await store.requests.get(id))?.status, 'active', 'the listing came after the grant settled');
    list.release();
    await reconciler.stop();
    assert.deepEqual(await reconcileEntries(), []);
  });

  it('at start, gives up waiting after the bound and skips what is still under way', async (t) => {
    const { store, box, deps, request, reconcileEntries } = await setUp(t);
    const grant = box.hold('grant');
    const id = await request();
    await grant.reached;
    const list = box.hold('list');
    const reconciler = new Reconciler({ ...deps, intervalMs: 3_600_000, settleMs: 50 });
    reconciler.start();
    await list.reached;
    assert.equal((await store.requests.get(id))?.status, 'granting');
    list.release();
    await reconciler.stop();
    grant.release();
    await waitForStatus(store, id, 'active');
    assert.deepEqual(await reconcileEntries(), []);
  });
});

async function waitUntil(ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function waitForCheckpoint(store: Store, id: string, ok: (c: Checkpoint) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ok((await store.workflows.get(id))!.state as Checkpoint)) {
    if (Date.now() > deadline) throw new Error(`the checkpoint of ${id} never matched`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
