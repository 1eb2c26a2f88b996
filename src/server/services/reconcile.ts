// The reconciler compares what providers report as granted with what the store says. Workflows
// grant and revoke while a listing runs, so drift is looked for only where none is at work:
// - a grant on a target whose request has ended (or never existed) is revoked and audited
//   (`grant.orphaned`): no workflow will touch it again;
// - an active lease whose grant is absent is audited (`grant.missing`) only when its workflow
//   is idle — request `active`, no lease.authorize or lease.revoke in flight, not past its
//   expiry — both before the listing and, unchanged, right before acting. Then, as
//   `server.reconcile.missing` says, it is granted again (same request id and expiry) or the
//   request is failed through its workflow's revoke path.
// Each finding is confirmed by a second listing taken after the store was read. That settles
// it, because of the order in which a workflow works: its revoke removes the grant before it
// marks the request revoked, so a grant still listed after its request was seen ended is real;
// and a revoke starts by marking the request revoking, so a lease seen active and unchanged
// around both listings was not being revoked while they ran.
import { alwaysMine, type DutyCheck } from '../duty.js';
import { LeaseError, identityKey, isFinalStatus, toIso, type Clock, type LeaseMetrics, type Logger } from '../../core/index.js';
import type { AccessProvider, ActiveGrant, GrantRole, ProviderInstance } from '../../providers/index.js';
import type { RequestRecord, Store } from '../../store/index.js';
import { GRANT_MISSING, REVOKE_EVENT } from '../../workflow/calls/index.js';
import type { WorkflowEvent } from '../../workflow/interpreter/types.js';
import { accessCallInFlight } from '../../workflow/runtime/index.js';

/** `server.reconcile.missing`: what becomes of an active lease whose grant vanished. */
export type MissingGrantAction = 'regrant' | 'fail';

export interface ReconcileDeps {
  store: Store;
  providers: Map<string, ProviderInstance>;
  logger: Logger;
  clock: Clock;
  /** Counts the drift found, by provider and kind (orphaned, missing). */
  metrics?: LeaseMetrics;
  /** How a missing grant is repaired; without it, a missing grant is only audited. */
  repair?: {
    missing: MissingGrantAction;
    /** The role as the provider sees it, for a re-grant. */
    grantRole(roleId: string): GrantRole | undefined;
    /** Delivers an event to the request's workflow (persisted before it resolves). */
    signal(requestId: string, event: WorkflowEvent): Promise<void>;
  };
}

export interface ReconcileReport {
  /** Grants the providers listed. */
  checked: number;
  revoked: string[];
  missing: string[];
  /** Missing grants granted again. */
  regranted: string[];
  /** Missing grants whose request is being failed. */
  failed: string[];
}

export async function reconcileGrants(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, revoked: [], missing: [], regranted: [], failed: [] };
  const activeRows = await deps.store.grants.listActive();
  for (const provider of deps.providers.values()) {
    if (!provider.access || !provider.enabled) continue;
    const leaseIds = activeRows.filter((row) => row.provider === provider.id).map((row) => row.request_id);
    await reconcileProvider(deps, provider.id, provider.access, leaseIds, report);
  }
  return report;
}

async function reconcileProvider(deps: ReconcileDeps, providerId: string, access: AccessProvider, leaseIds: string[], report: ReconcileReport): Promise<void> {
  const { store, logger, clock } = deps;
  // Before the listing: the leases whose request is active, and as of when.
  const since = clock.now();
  const activeBefore = new Map<string, string>();
  for (const requestId of leaseIds) {
    const request = await store.requests.get(requestId);
    if (request?.status === 'active') activeBefore.set(requestId, request.updated_at);
  }
  const listed = await listGrants(access, logger);
  if (!listed) return;
  report.checked += listed.length;
  const strays: Array<{ grant: ActiveGrant; request: RequestRecord | undefined }> = [];
  for (const grant of listed) {
    const request = await store.requests.get(grant.requestId);
    // Requests still on their way (pending/granting/active/revoking) are their workflow's business.
    if (!request || isFinalStatus(request.status)) strays.push({ grant, request });
  }
  const listedIds = new Set(listed.map((g) => g.requestId));
  const absent = [...activeBefore.keys()].filter((id) => !listedIds.has(id));
  if (strays.length === 0 && absent.length === 0) return;

  const again = await listGrants(access, logger);
  if (!again) return;
  const stillListed = new Set(again.map((g) => g.requestId));
  for (const { grant, request } of strays) {
    if (!stillListed.has(grant.requestId)) continue; // its workflow's revoke finished meanwhile
    try {
      await access.revoke({ provider: providerId, requestId: grant.requestId, data: grant.data });
    } catch (err) {
      logger.error({ provider: providerId, request: grant.requestId, err: errorText(err) }, 'reconcile: cannot revoke a grant with no live request');
      continue;
    }
    await store.audit.append({
      actor: 'lease',
      action: 'grant.orphaned',
      subject: grant.requestId,
      data: { provider: providerId, request_status: request?.status ?? 'unknown', resolution: 'revoked' },
    });
    logger.warn({ provider: providerId, request: grant.requestId }, 'reconcile: revoked a grant with no live request');
    deps.metrics?.driftFound(providerId, 'orphaned', 1);
    report.revoked.push(grant.requestId);
  }
  for (const requestId of absent) {
    if (stillListed.has(requestId)) continue;
    if (!(await idleSince(store, requestId, activeBefore.get(requestId)!, since, clock.now()))) continue;
    report.missing.push(requestId);
    logger.warn({ provider: providerId, request: requestId }, 'reconcile: an active lease is missing on its provider');
    deps.metrics?.driftFound(providerId, 'missing', 1);
    await repairMissing(deps, providerId, access, requestId, report);
  }
}

/**
 * Audits a missing grant (`grant.missing`) and repairs it as configured. A re-grant goes to the
 * provider with the lease's own request id and expiry (grants are idempotent per request id);
 * a re-grant the target refuses fails the request instead. Failing records the outcome with
 * the audit entry, then asks the workflow to revoke: its revoke path runs (nothing stays on the
 * target) and ends the request `failed`. Each step is safe to repeat: a round cut short by a
 * crash is finished by a later one, since the lease is still active with its grant missing.
 */
async function repairMissing(deps: ReconcileDeps, providerId: string, access: AccessProvider, requestId: string, report: ReconcileReport): Promise<void> {
  const { store, logger, clock, repair } = deps;
  const request = (await store.requests.get(requestId))!;
  const role = repair?.grantRole(request.role);
  const action = !repair ? 'none' : repair.missing === 'regrant' && role ? 'regrant' : 'fail';
  const finding = { actor: 'lease', action: 'grant.missing', subject: requestId, data: { provider: providerId, resolution: action } };
  if (!repair) {
    await store.audit.append(finding);
    return;
  }
  if (action === 'regrant') {
    await store.audit.append(finding);
    const regranted = await regrant(deps, providerId, access, request, role!);
    if (regranted === 'done') report.regranted.push(requestId);
    if (regranted !== 'refused') return;
  }
  const now = toIso(clock.now());
  const message = action === 'regrant' ? `the grant vanished from provider "${providerId}" and the provider refused to grant it again` : `the grant vanished from provider "${providerId}"`;
  await store.transaction(async (tx) => {
    if (action === 'fail') await tx.audit.append(finding);
    await tx.requests.update(requestId, { outcome: { code: GRANT_MISSING, message }, updated_at: now });
  });
  await repair.signal(requestId, { type: REVOKE_EVENT, source: 'lease/reconcile', data: { reason: 'grant missing', by: 'lease' } });
  logger.warn({ provider: providerId, request: requestId }, 'reconcile: failing a lease whose grant vanished');
  report.failed.push(requestId);
}

/**
 * Grants a missing lease again. `refused`: the target said no (the caller fails the request);
 * `retry`: the target could not be reached (the next round tries again).
 */
async function regrant(deps: ReconcileDeps, providerId: string, access: AccessProvider, request: RequestRecord, role: GrantRole): Promise<'done' | 'refused' | 'retry'> {
  const { store, logger, clock } = deps;
  let record;
  try {
    record = await access.grant({ requestId: request.id, identity: request.identity, role, expiresAt: request.expires_at! });
  } catch (err) {
    if (err instanceof LeaseError && err.status < 500) {
      logger.warn({ provider: providerId, request: request.id, err: errorText(err) }, 'reconcile: the provider refused to grant a missing lease again');
      return 'refused';
    }
    logger.error({ provider: providerId, request: request.id, err: errorText(err) }, 'reconcile: cannot grant a missing lease again; the next round retries');
    return 'retry';
  }
  const now = toIso(clock.now());
  const current = await store.requests.get(request.id);
  if (current?.status !== 'active') {
    // Its workflow began revoking while the grant was being made: take back what was just made.
    try {
      await access.revoke(record);
    } catch (err) {
      logger.error({ provider: providerId, request: request.id, err: errorText(err) }, 'reconcile: cannot revoke a re-grant whose lease ended meanwhile; the next round retries');
    }
    return 'retry';
  }
  await store.transaction(async (tx) => {
    const existing = await tx.grants.get(request.id, providerId);
    await tx.grants.upsert({ request_id: request.id, provider: providerId, record, granted_at: existing?.granted_at ?? now });
    await tx.audit.append({ actor: 'lease', action: 'grant.regranted', subject: request.id, data: { provider: providerId, identity: identityKey(request.identity), expires_at: request.expires_at } });
  });
  logger.info({ provider: providerId, request: request.id }, 'reconcile: granted a missing lease again');
  return 'done';
}

/** The provider's grants, or undefined (logged) when it cannot list them now; the next round tries again. */
async function listGrants(access: AccessProvider, logger: Logger): Promise<ActiveGrant[] | undefined> {
  try {
    return await access.listActive();
  } catch (err) {
    logger.error({ provider: access.id, err: errorText(err) }, 'reconcile: cannot list active grants');
    return undefined;
  }
}

/**
 * True when the lease is still active as it was before the listing (`updatedAt`), not past its
 * expiry (then its revocation is due and the grant may be gone), and its workflow has neither
 * stepped since `since` nor a grant or revoke call in flight.
 */
async function idleSince(store: Store, requestId: string, updatedAt: string, since: number, now: number): Promise<boolean> {
  const request = await store.requests.get(requestId);
  if (request?.status !== 'active' || request.updated_at !== updatedAt) return false;
  if (request.expires_at !== null && Date.parse(request.expires_at) <= now) return false;
  const workflow = await store.workflows.get(requestId);
  // A workflow that has ended no longer acts on the grant.
  if (!workflow || workflow.status !== 'running') return true;
  if (Date.parse(workflow.updated_at) > since) return false;
  return !accessCallInFlight(workflow.state);
}

/** How long start-up reconciliation waits for the grant and revoke calls that recovery resumed. */
export const RECOVERY_SETTLE_MS = 30_000;
const SETTLE_POLL_MS = 200;
/** A listing that hangs (an unreachable target) must not hold up the server's shutdown. */
const STOP_WAIT_MS = 5_000;

/**
 * Runs the reconciliation once recovery has settled, then every `intervalMs`; one run at a time.
 * Start-up does not wait for it: a lease still being granted or revoked is skipped anyway, so
 * the wait only spares the first round from skipping everything that recovery resumed.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<ReconcileReport> | undefined;
  private first: Promise<void> | undefined;
  private stopped = false;

  /** `isMine`: whether this replica reconciles now (one replica at a time does). */
  constructor(private readonly deps: ReconcileDeps & { intervalMs: number; settleMs?: number; isMine?: DutyCheck }) {}

  start(): void {
    this.first = this.recoverySettled().then(() => this.runLogged());
    this.timer = setInterval(() => void this.runLogged(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** One reconciliation; a call while one runs shares it. */
  run(): Promise<ReconcileReport> {
    this.current ??= reconcileGrants(this.deps).finally(() => (this.current = undefined));
    return this.current;
  }

  /** No new round starts; resolves when the one under way (if any) has ended, or after 5 s. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const ended = Promise.all([this.first, this.current?.catch(() => undefined)]);
    await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  private async runLogged(): Promise<void> {
    if (this.stopped || !(await (this.deps.isMine ?? alwaysMine)())) return;
    const { logger } = this.deps;
    try {
      const report = await this.run();
      const counts = { checked: report.checked, revoked: report.revoked.length, missing: report.missing.length, regranted: report.regranted.length, failed: report.failed.length };
      if (counts.revoked || counts.missing) logger.warn(counts, 'reconciliation found drift');
      else logger.info(counts, 'reconciliation done');
    } catch (err) {
      logger.error({ err: errorText(err) }, 'reconciliation failed');
    }
  }

  /**
   * Resolves when none of the requests that were granting or revoking at the start still is
   * (their resumed calls have answered), or after `settleMs`. Polls the store, because with
   * Temporal those calls may run in another process (`lease worker`).
   */
  private async recoverySettled(): Promise<void> {
    const { store, logger } = this.deps;
    const statuses: RequestRecord['status'][] = ['granting', 'revoking'];
    try {
      const busy = new Set((await store.requests.list({ status: statuses })).map((r) => r.id));
      const deadline = Date.now() + (this.deps.settleMs ?? RECOVERY_SETTLE_MS);
      while (busy.size > 0 && !this.stopped && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
        const still = new Set((await store.requests.list({ status: statuses })).map((r) => r.id));
        for (const id of busy) if (!still.has(id)) busy.delete(id);
      }
      if (busy.size > 0 && !this.stopped) logger.info({ requests: busy.size }, 'reconcile: some grants or revocations are still under way; they are skipped this round');
    } catch (err) {
      logger.error({ err: errorText(err) }, 'reconcile: cannot read the requests under way');
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
