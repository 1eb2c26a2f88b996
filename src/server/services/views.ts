import { formatIsoDuration } from '../../core/index.js';
import type { RequestRecord } from '../../store/index.js';
import type { RequestView } from '../api/schemas.js';

export function toRequestView(r: RequestRecord): RequestView {
  return {
    id: r.id,
    status: r.status,
    role: r.role,
    provider: r.provider,
    workflow: r.workflow,
    reason: r.reason,
    duration: formatIsoDuration(r.duration_ms),
    requester: {
      id: r.identity.id,
      ...(r.identity.email ? { email: r.identity.email } : {}),
      ...(r.identity.name ? { name: r.identity.name } : {}),
      provider: r.identity.provider,
    },
    created_at: r.created_at,
    updated_at: r.updated_at,
    granted_at: r.granted_at,
    expires_at: r.expires_at,
    ended_at: r.ended_at,
    outcome: r.outcome,
  };
}
