// The reconciler compares what providers report as granted with what the store says is active.
// A grant with no live request behind it is drift: it is reported, audited and revoked.
import { isFinalStatus, type Logger } from '../../core/index.js';
import type { ProviderInstance } from '../../providers/index.js';
import type { Store } from '../../store/index.js';

export interface ReconcileReport {
  checked: number;
  revoked: string[];
  missing: string[];
}

export async function reconcileGrants(deps: { store: Store; providers: Map<string, ProviderInstance>; logger: Logger }): Promise<ReconcileReport> {
  const { store, providers, logger } = deps;
  const report: ReconcileReport = { checked: 0, revoked: [], missing: [] };
  const presentOn = new Map<string, Set<string>>();
  for (const provider of providers.values()) {
    if (!provider.access || !provider.enabled) continue;
    let active;
    try {
      active = await provider.access.listActive();
    } catch (err) {
      logger.error({ provider: provider.id, err: err instanceof Error ? err.message : String(err) }, 'reconcile: cannot list active grants');
      continue;
    }
    presentOn.set(provider.id, new Set(active.map((g) => g.requestId)));
    for (const grant of active) {
      report.checked++;
      const request = await store.requests.get(grant.requestId);
      // Requests still on their way (pending/granting/active/revoking) are their workflow's business.
      if (request && !isFinalStatus(request.status)) continue;
      await provider.access.revoke({ provider: provider.id, requestId: grant.requestId, data: grant.data });
      await store.audit.append({
        actor: 'lease',
        action: 'reconcile.revoked',
        subject: grant.requestId,
        data: { provider: provider.id, request_status: request?.status ?? 'unknown' },
      });
      logger.warn({ provider: provider.id, request: grant.requestId }, 'reconcile: revoked a grant with no live request');
      report.revoked.push(grant.requestId);
    }
  }
  for (const row of await store.grants.listActive()) {
    const request = await store.requests.get(row.request_id);
    if (request?.status !== 'active') continue;
    const present = presentOn.get(row.provider);
    if (present && !present.has(row.request_id)) {
      report.missing.push(row.request_id);
      logger.warn({ provider: row.provider, request: row.request_id }, 'reconcile: an active lease is missing on its provider');
      await store.audit.append({ actor: 'lease', action: 'reconcile.missing', subject: row.request_id, data: { provider: row.provider } });
    }
  }
  return report;
}
