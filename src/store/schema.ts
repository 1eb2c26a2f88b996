// Row shapes of the SQL tables, as better-sqlite3 returns them. JSON columns hold text; each
// repository converts between rows and the records of `types.ts`. Timestamps are ISO-8601 text
// from the injected clock; `wake_at` is epoch ms so the scheduler can compare numbers.

export interface RequestsTable {
  id: string;
  /** identity.id, denormalised so "my requests" is an index lookup. */
  identity_id: string;
  identity: string;
  role: string;
  provider: string;
  workflow: string | null;
  reason: string;
  duration_ms: number;
  status: string;
  created_at: string;
  updated_at: string;
  granted_at: string | null;
  expires_at: string | null;
  ended_at: string | null;
  outcome: string | null;
  break_glass: number;
  start_at: string | null;
  extended_from: string | null;
  timeout_at: string | null;
}

export interface WorkflowInstancesTable {
  id: string;
  workflow: string;
  state: string;
  status: string;
  wake_at: number | null;
  created_at: string;
  updated_at: string;
}

export interface WorkflowInboxTable {
  /** INTEGER PRIMARY KEY AUTOINCREMENT: assigned on insert, never reused. */
  seq: number;
  instance_id: string;
  event: string;
  created_at: string;
  consumed_at: string | null;
}

export interface GrantsTable {
  request_id: string;
  provider: string;
  record: string;
  granted_at: string;
  revoked_at: string | null;
}

export interface AuditLogTable {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string | null;
  data: string;
  prev_hash: string;
  hash: string;
}

export interface HostTasksTable {
  id: string;
  key: string;
  host: string;
  provider: string;
  kind: string;
  request_id: string | null;
  payload: string;
  status: string;
  attempt: number;
  claimed_until: number | null;
  deliver_before: number | null;
  result: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface DecisionsTable {
  request_id: string;
  approver: string;
  identity: string;
  approved: number;
  reason: string | null;
  channel: string;
  decided_at: string;
}

export interface RevokedSessionsTable {
  jti: string;
  /** Epoch ms: the token's expiry; the row is pruned after it. */
  expires_at: number;
  revoked_at: string;
}

export interface IdentitySessionCutoffsTable {
  provider: string;
  user_id: string;
  /** Epoch ms: sessions issued at or before it are ended. */
  not_before: number;
  updated_at: string;
}

export interface ReviewsTable {
  id: string;
  request_id: string;
  opened_at: string;
  closed_at: string | null;
  closed_by: string | null;
  comment: string | null;
}
