// The store's contract. One implementation per database (SQLite now, PostgreSQL later); the
// rest of Lease sees only this. Every write that must survive a crash goes through here.
import type { AuditCheckpoint } from '../audit/index.js';
import type { Identity, RequestStatus } from '../core/index.js';

export interface RequestRecord {
  id: string;
  identity: Identity;
  role: string;
  provider: string;
  /** Workflow id, or null for the built-in default. */
  workflow: string | null;
  reason: string;
  duration_ms: number;
  status: RequestStatus;
  created_at: string; // ISO-8601
  updated_at: string;
  granted_at: string | null;
  expires_at: string | null;
  ended_at: string | null;
  /** Why it was denied, failed or revoked early. */
  outcome: { code: string; message: string } | null;
  /** Granted without approval under the role's `break_glass`, and reviewed afterwards. */
  break_glass: boolean;
  /** ISO-8601: not granted before this time (a scheduled start); null = as soon as approved. */
  start_at: string | null;
  /** For an extension: the id of the request whose lease it extends. */
  extended_from: string | null;
  /** ISO-8601: still undecided then, the request ends `expired`; null = no approval timeout. */
  timeout_at: string | null;
}

export type RequestPatch = Partial<Omit<RequestRecord, 'id' | 'identity' | 'created_at' | 'break_glass' | 'start_at' | 'extended_from' | 'timeout_at'>>;

export interface WorkflowInstanceRecord {
  /** Equal to the request id for request workflows. */
  id: string;
  workflow: string;
  /** The interpreter's serialisable state (checkpoint). */
  state: unknown;
  status: 'running' | 'completed' | 'faulted';
  /** Epoch ms of the earliest timer the instance waits on, or null. Indexed for the scheduler. */
  wake_at: number | null;
  updated_at: string;
}

export interface InboxEvent {
  seq: number;
  instance_id: string;
  event: unknown;
  created_at: string;
}

export interface GrantRow {
  request_id: string;
  provider: string;
  record: unknown;
  granted_at: string;
  revoked_at: string | null;
}

/** What a host agent is asked to run (providers/remote/). */
export type HostTaskKind = 'grant' | 'revoke' | 'list';
export type HostTaskStatus = 'pending' | 'done' | 'failed';

/** Why a host task failed, as the host reported it (a LeaseError's code and status). */
export interface HostTaskError {
  code: string;
  message: string;
  status: number;
}

export interface HostTaskRecord {
  id: string;
  /** Unique: `<kind>:<provider>:<request>`; a retried call finds its task by it. */
  key: string;
  host: string;
  provider: string;
  kind: HostTaskKind;
  request_id: string | null;
  payload: unknown;
  status: HostTaskStatus;
  /** 1 at first; bumped when a finished task is run again. A result names the attempt it answers. */
  attempt: number;
  /** Epoch ms until which the task is with the host; unanswered by then, it is handed out again. */
  claimed_until: number | null;
  /** Epoch ms after which a pending task is no longer handed out; null = no limit. */
  deliver_before: number | null;
  result: unknown;
  error: HostTaskError | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

/** Where an approver decided: the CLI/API, the web app, a chat or an e-mail link; `on-call`: Lease itself (the requester was on call). */
export type DecisionChannel = 'api' | 'cli' | 'web' | 'slack' | 'email' | 'on-call';

/** One approver's decision on one request. */
export interface DecisionRecord {
  request_id: string;
  /** `<identity provider>:<subject>`; an approver decides a request once. */
  approver: string;
  identity: Identity;
  approved: boolean;
  reason: string | null;
  channel: DecisionChannel;
  decided_at: string;
}

/** The after-the-fact review of a break-glass request. */
export interface ReviewRecord {
  id: string;
  request_id: string;
  opened_at: string;
  closed_at: string | null;
  /** `<identity provider>:<subject>` of the administrator who closed it. */
  closed_by: string | null;
  comment: string | null;
}

/**
 * What a posted message is for: `request`, a message about the request to its approvers (the
 * Approve / Deny buttons); `lease_notice`, a direct message to the requester (the Extend buttons).
 */
export type NotificationMessagePurpose = 'request' | 'lease_notice';

/** A message a notification provider posted about a request (Slack: channel and `ts`). */
export interface NotificationMessageRow {
  request_id: string;
  provider: string;
  channel: string;
  message_id: string;
  purpose: NotificationMessagePurpose;
  created_at: string;
}

/** A direct message owed to a requester about their lease (granted, extended, expiring, ended). */
export type LeaseNoticeKind = 'granted' | 'extended' | 'expiring' | 'ended';

export interface LeaseNoticeRow {
  request_id: string;
  /** The notification provider that sends it. */
  provider: string;
  kind: LeaseNoticeKind;
  /** Epoch ms. */
  due_at: number;
  /** Failed sends so far. */
  attempts: number;
}

/** A session presented on a call, as far as revocation cares (the token itself is never stored). */
export interface SessionRef {
  jti: string;
  /** The identity: its provider id and its user id there. */
  provider: string;
  user_id: string;
  issued_at_ms: number;
}

/**
 * A browser login between `start` and `exchange` (migration 0010_pending_logins). Bearer values
 * are kept as their SHA-256 (base64url); the checks the IdP's answer must pass are sealed.
 */
export interface LoginAttemptRow {
  /** SHA-256 of the attempt id, which only the client that started the login holds. */
  id_hash: string;
  /** SHA-256 of the IdP state (OIDC `state`, SAML `RelayState`); null once the IdP's answer took it. */
  state_hash: string | null;
  provider: string;
  /** Where the browser goes with the exchange code. */
  redirect: string;
  /** What the login is for when not the CLI's loopback (`device`). */
  method: string | null;
  /** The state, nonce, PKCE verifier and redirect URI, sealed by the server: opaque here. */
  sealed_checks: string;
  /** Epoch ms. */
  expires_at: number;
  /** Who logged in, once the IdP's answer passed. */
  identity: Identity | null;
  /** SHA-256 of the one-time exchange code, once issued. */
  code_hash: string | null;
  /** Epoch ms. */
  code_expires_at: number | null;
}

export type DeviceLoginStatus = 'pending' | 'authenticated' | 'denied';

/** A device login (RFC 8628) between `authorize` and the device's last poll (migration 0010_pending_logins). */
export interface DeviceLoginRow {
  /** SHA-256 of the device code (only the device holds it). */
  device_code_hash: string;
  /** SHA-256 of the normalised user code; null once the login is authenticated or denied. */
  user_code_hash: string | null;
  /** SHA-256 of the ref naming this login in the page the IdP login returns to (set by each confirmation). */
  ref_hash: string | null;
  provider: string;
  status: DeviceLoginStatus;
  /** Epoch ms. */
  expires_at: number;
  interval_ms: number;
  /** Epoch ms of the device's last poll. */
  last_poll_at: number | null;
  /** Epoch ms of the last poll answered slow_down. */
  slowed_at: number | null;
  /** SHA-256 of the browser login attempt started by the last confirmation. */
  attempt_hash: string | null;
  /** Who logged in, once authenticated; handed to the device once. */
  identity: Identity | null;
}

export interface AuditInput {
  actor: string;
  action: string;
  subject: string | null;
  data: Record<string, unknown>;
}

export interface AuditEntry extends AuditInput {
  seq: number;
  ts: string;
  prev_hash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  count: number;
  /** The checkpoint verification started from (the last pruned seq), when the log was pruned. */
  from_seq?: number;
  /** seq of the first entry whose hash or link does not match. */
  broken_at?: number;
  message?: string;
}

/** Counters of a store that commits transactions in groups (SQLite), for tests and metrics. */
export interface StoreStats {
  /** BEGIN … COMMIT batches committed. */
  commits: number;
  /** Calls (transactions, and plain calls that had to queue) committed in those batches. */
  committed: number;
  /** Calls that threw, so only their own savepoint was rolled back. */
  rolledBack: number;
  /** Batches whose COMMIT failed (e.g. a deferred foreign key): their calls were re-run one by one. */
  commitFailures: number;
  /** The most calls one COMMIT has held. */
  largestBatch: number;
}

export interface Store {
  /**
   * Runs fn atomically; the store passed to fn is bound to the transaction. The promise
   * resolves only once fn's writes are committed. fn must do store work only — no network or
   * other slow I/O, and no calls on the root store — because other callers' transactions may
   * share its commit and wait for it. fn may run more than once (its first run rolled back).
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** A trivial query through the store's queue: resolves when the store answers (readiness). Root store only. */
  ping?(): Promise<void>;
  /** Group-commit counters, where the implementation has them. */
  stats?(): StoreStats;

  requests: {
    insert(record: RequestRecord): Promise<void>;
    get(id: string): Promise<RequestRecord | undefined>;
    update(id: string, patch: RequestPatch): Promise<RequestRecord>;
    list(filter?: { identityId?: string; status?: RequestStatus[]; limit?: number }): Promise<RequestRecord[]>;
    count(filter?: { status?: RequestStatus[] }): Promise<number>;
    /** How many requests have each (status, role), for the given statuses only (metrics read it at every scrape). */
    countByStatusAndRole(status: readonly RequestStatus[]): Promise<Array<{ status: RequestStatus; role: string; count: number }>>;
  };
  workflows: {
    insert(record: WorkflowInstanceRecord): Promise<void>;
    get(id: string): Promise<WorkflowInstanceRecord | undefined>;
    save(id: string, patch: Pick<WorkflowInstanceRecord, 'state' | 'status' | 'wake_at'>): Promise<void>;
    /** Instances not completed or faulted, oldest first. */
    listOpen(): Promise<WorkflowInstanceRecord[]>;
    /**
     * Up to `limit` open instances whose id sorts after `afterId` (null: from the first), by id:
     * walks every open instance a page at a time, holding one page in memory.
     */
    listOpenAfter(afterId: string | null, limit: number): Promise<WorkflowInstanceRecord[]>;
    /** Open instances whose wake_at ≤ nowMs. */
    listDue(nowMs: number, limit?: number): Promise<WorkflowInstanceRecord[]>;
    /** Earliest wake_at among open instances, or null. */
    nextWakeAt(): Promise<number | null>;
  };
  inbox: {
    append(instanceId: string, event: unknown): Promise<number>;
    /** Unconsumed events of one instance in append order; without an instance, of every instance (by instance, then in append order). */
    listPending(instanceId?: string): Promise<InboxEvent[]>;
    markConsumed(seq: number): Promise<void>;
  };
  grants: {
    /** Records a grant; a second call for the same (request, provider) replaces the record. */
    upsert(row: Omit<GrantRow, 'revoked_at'>): Promise<void>;
    get(requestId: string, provider: string): Promise<GrantRow | undefined>;
    markRevoked(requestId: string, provider: string, at: string): Promise<void>;
    /** Grants not revoked. */
    listActive(): Promise<GrantRow[]>;
  };
  hostTasks: {
    insert(record: Omit<HostTaskRecord, 'result' | 'error' | 'completed_at' | 'claimed_until'>): Promise<void>;
    get(id: string): Promise<HostTaskRecord | undefined>;
    getByKey(key: string): Promise<HostTaskRecord | undefined>;
    /** Makes a task pending again (new attempt, new payload), forgetting its claim and outcome. */
    rearm(id: string, patch: { attempt: number; payload: unknown; deliver_before: number | null }): Promise<void>;
    /** Updates a pending task's payload and delivery limit (a retried call with fresh facts). */
    refresh(id: string, patch: { payload: unknown; deliver_before: number | null }): Promise<void>;
    /**
     * Hands out up to `limit` of the host's pending tasks, oldest first: those not claimed (or
     * whose claim ran out) and still deliverable at `nowMs`. They are claimed until `claimUntil`.
     */
    claim(host: string, nowMs: number, claimUntil: number, limit: number): Promise<HostTaskRecord[]>;
    /** Forgets the claims on the host's pending tasks (a fresh agent holds none of them). Returns how many. */
    release(host: string): Promise<number>;
    /** Records the outcome of a pending task's attempt; false when the task is not pending at that attempt. */
    complete(id: string, attempt: number, outcome: { status: 'done'; result: unknown } | { status: 'failed'; error: HostTaskError }): Promise<boolean>;
  };
  decisions: {
    /** Records a decision; a second one by the same approver on the same request is a RecordConflict. */
    insert(record: DecisionRecord): Promise<void>;
    /** The request's decisions, oldest first. */
    list(requestId: string): Promise<DecisionRecord[]>;
  };
  reviews: {
    insert(record: ReviewRecord): Promise<void>;
    get(id: string): Promise<ReviewRecord | undefined>;
    /** Newest first; `open` true: only those not closed yet. */
    list(filter?: { open?: boolean; limit?: number }): Promise<ReviewRecord[]>;
    /** Closes an open review; false when it was already closed. */
    close(id: string, patch: { closed_at: string; closed_by: string; comment: string }): Promise<boolean>;
  };
  sessions: {
    /**
     * Ends one session until `expiresAtMs` (its token's expiry); idempotent. Revocations of
     * sessions already expired are pruned on the way.
     */
    revoke(jti: string, expiresAtMs: number): Promise<void>;
    /** Ends every session of the identity issued at or before `notBeforeMs`; a later cut-off only moves it forward. */
    revokeIdentity(provider: string, userId: string, notBeforeMs: number): Promise<void>;
    /** Whether the session was ended by `revoke` or `revokeIdentity`. */
    isRevoked(session: SessionRef): Promise<boolean>;
  };
  email: {
    /** Marks an approval link used until it expires; false when it had been used already (single use). */
    redeemLink(jti: string, expiresAtMs: number): Promise<boolean>;
    /** Whether the approval link was used. */
    linkUsed(jti: string): Promise<boolean>;
    /** The last audit seq a named reader (the requester mailer) handled, or null before its first run. */
    cursor(name: string): Promise<number | null>;
    /** Moves a reader's position forward (never back). */
    setCursor(name: string, seq: number): Promise<void>;
  };
  /** Messages posted about requests, so they can be updated (migration 0007_slack). */
  notificationMessages: {
    /** Records a posted message (purpose `request` unless given); recording it again is a no-op. */
    record(row: Omit<NotificationMessageRow, 'created_at' | 'purpose'> & { purpose?: NotificationMessagePurpose }): Promise<void>;
    /** The request's messages, oldest first. */
    list(requestId: string): Promise<NotificationMessageRow[]>;
  };
  /** Single-use keys of signed callbacks (a Slack signature), kept until stale (migration 0007_slack). */
  seenCallbacks: {
    /** True the first time `key` is claimed; false while an earlier claim is kept. Prunes expired claims. */
    claim(key: string, expiresAtMs: number): Promise<boolean>;
  };
  /** Direct messages owed to requesters, sent by the server when due (migration 0007_slack). */
  leaseNotices: {
    /** Schedules a notice; one already scheduled for the same (request, provider, kind) stays as it is. */
    schedule(row: Omit<LeaseNoticeRow, 'attempts'>): Promise<void>;
    /** Notices due at `nowMs`, earliest first. */
    listDue(nowMs: number, limit?: number): Promise<LeaseNoticeRow[]>;
    /** The earliest due time, or null. */
    nextDueAt(): Promise<number | null>;
    reschedule(row: Pick<LeaseNoticeRow, 'request_id' | 'provider' | 'kind'>, dueAtMs: number, attempts: number): Promise<void>;
    remove(row: Pick<LeaseNoticeRow, 'request_id' | 'provider' | 'kind'>): Promise<void>;
  };
  /** Failed login attempts and paced turns, shared by every replica (migration 0011_login_throttle). Keys are opaque digests. */
  loginFailures: {
    /** Records a failure of `key` at `atMs`, kept until `expiresAtMs`; prunes failures expired at `atMs`. */
    add(key: string, atMs: number, expiresAtMs: number): Promise<void>;
    /** Times (epoch ms) of the newest `limit` failures of `key` unexpired at `nowMs`, newest first. */
    recent(key: string, nowMs: number, limit: number): Promise<number[]>;
    /** Forgets the failures of `key`. */
    clear(key: string): Promise<void>;
    /**
     * Takes the next paced turn of `key` in one statement: the turn is at max(next slot, now) and
     * moves the next slot `paceMs` past it — unless it is more than `maxWaitMs` away (not taken).
     * Returns the turn's time.
     */
    takeTurn(key: string, nowMs: number, paceMs: number, maxWaitMs: number): Promise<{ slotMs: number; taken: boolean }>;
  };
  /** Browser logins in progress, shared by every replica (migration 0010_pending_logins). */
  loginAttempts: {
    /** Adds an attempt unless `limit` unexpired ones are pending (false). Prunes expired attempts. */
    add(row: Omit<LoginAttemptRow, 'identity' | 'code_hash' | 'code_expires_at'>, nowMs: number, limit: number): Promise<boolean>;
    /** Single use: the unexpired, unauthenticated attempt with this state, its state cleared in the same statement. */
    takeByState(stateHash: string, nowMs: number): Promise<LoginAttemptRow | undefined>;
    /** Records who logged in and the hash of the one exchange code; the attempt lives until `expiresAtMs`. */
    authenticate(idHash: string, identity: Identity, codeHash: string, codeExpiresAtMs: number, expiresAtMs: number): Promise<void>;
    /** Single use: removes and returns the attempt if `codeHash` is its exchange code (expired or not: the caller tells). */
    redeem(idHash: string, codeHash: string): Promise<LoginAttemptRow | undefined>;
    remove(idHash: string): Promise<void>;
  };
  /** Device logins in progress, shared by every replica (migration 0010_pending_logins). */
  deviceLogins: {
    /**
     * Adds a login: 'added'; 'full' when `limit` unexpired ones are pending; 'taken' when its
     * user code (or device code) is already in use. Prunes logins expired before `pruneBeforeMs`.
     */
    add(row: Omit<DeviceLoginRow, 'ref_hash' | 'last_poll_at' | 'slowed_at' | 'attempt_hash' | 'identity'>, nowMs: number, limit: number, pruneBeforeMs: number): Promise<'added' | 'full' | 'taken'>;
    /** The pending, unexpired login with this user code. */
    pendingByUserCode(userCodeHash: string, nowMs: number): Promise<DeviceLoginRow | undefined>;
    byRef(refHash: string): Promise<DeviceLoginRow | undefined>;
    /** Binds a pending login to the browser login attempt just started for it, and the ref of the page that attempt returns to. */
    bindAttempt(deviceCodeHash: string, refHash: string, attemptHash: string): Promise<void>;
    /** Ends a pending login as authenticated (with its identity) or denied; false when it was not pending (one wins). */
    finish(deviceCodeHash: string, outcome: { status: 'authenticated'; identity: Identity } | { status: 'denied' }): Promise<boolean>;
    /**
     * Records a poll at `nowMs` in one statement: a poll sooner than the interval less `slackMs`
     * adds `stepMs` to the interval and sets `slowed_at` to `nowMs`. Returns the login after it.
     */
    poll(deviceCodeHash: string, nowMs: number, slackMs: number, stepMs: number): Promise<DeviceLoginRow | undefined>;
    /** Single use: removes an authenticated login and returns who logged in. */
    claim(deviceCodeHash: string): Promise<Identity | undefined>;
  };
  audit: {
    /** Appends one entry, linked to the previous by hash. The only way entries are written. */
    append(input: AuditInput): Promise<AuditEntry>;
    list(filter?: AuditFilter): Promise<AuditEntry[]>;
    /** Checks the chain from the latest checkpoint (or the genesis) to the end. */
    verify(): Promise<AuditVerification>;
    /** The last entry, or null when the log is empty. */
    head(): Promise<Pick<AuditEntry, 'seq' | 'hash' | 'ts'> | null>;
    /** The latest checkpoint (where a pruned log starts), or null if it was never pruned. */
    checkpoint(): Promise<AuditCheckpoint | null>;
    /**
     * Records the checkpoint, then deletes every entry it covers (seq ≤ checkpoint.seq), in
     * pages. Refuses a checkpoint that does not name a stored entry exactly, or names the last
     * one (the log always keeps its head, which the next append links to). Returns how many were deleted.
     */
    prune(checkpoint: AuditCheckpoint): Promise<number>;
    /**
     * Calls `listener` after a commit that may have appended entries (root store only; absent
     * where the store cannot tell, e.g. another process's appends: readers also poll).
     */
    onAppend?(listener: () => void): () => void;
  };
  /** Audit forwarders' positions: the last seq each receiver acknowledged (migration 0009_audit_retention). */
  auditCursors: {
    get(name: string): Promise<number | null>;
    /** Moves the position forward (never back). */
    advance(name: string, seq: number): Promise<void>;
    list(): Promise<AuditCursorRow[]>;
  };
}

export interface AuditCursorRow {
  name: string;
  seq: number;
  updated_at: string;
}

/** Which audit entries to list: every condition given must hold. */
export interface AuditFilter {
  afterSeq?: number;
  subject?: string;
  actor?: string;
  action?: string;
  /** ISO-8601, inclusive. */
  since?: string;
  /** ISO-8601, inclusive. */
  until?: string;
  limit?: number;
}
