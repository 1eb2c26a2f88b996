// The audit event schema Lease publishes (`lease.audit.v1`, docs/audit-events.md): every action
// Lease writes to the log, what its subject is, and the envelope forwarders send. Field names
// are a contract with SIEMs: add fields, never rename or remove them.

/** What an entry's `subject` names. */
export type SubjectKind = 'request' | 'identity' | 'none';

/** The OCSF category an action maps to (ocsf.ts turns it into a class and an activity). */
export type OcsfKind = 'authentication' | 'account_change' | 'entity_management' | 'api_activity';

export interface AuditActionInfo {
  subject: SubjectKind;
  ocsf: OcsfKind;
  description: string;
}

/** Every action Lease emits. An action not listed here still forwards (as API activity). */
export const AUDIT_ACTIONS: Readonly<Record<string, AuditActionInfo>> = {
  'server.started': { subject: 'none', ocsf: 'api_activity', description: 'A server process started (data: version, url).' },
  'config.reloaded': { subject: 'none', ocsf: 'api_activity', description: 'The configuration was reloaded (SIGHUP).' },
  'config.reload_refused': { subject: 'none', ocsf: 'api_activity', description: 'A configuration reload was refused; the running one was kept.' },
  'login.succeeded': { subject: 'none', ocsf: 'authentication', description: 'Someone logged in (data: provider, method, expires_at).' },
  'login.failed': { subject: 'none', ocsf: 'authentication', description: 'A login was refused (data: provider, reason, address).' },
  'session.revoked': { subject: 'none', ocsf: 'authentication', description: 'A session ended by logout.' },
  'sessions.revoked': { subject: 'identity', ocsf: 'authentication', description: 'An administrator ended every session of one identity (subject: that identity).' },
  'request.created': { subject: 'request', ocsf: 'entity_management', description: 'An access request was made (data: role, provider, duration, reason).' },
  'request.extension_requested': { subject: 'request', ocsf: 'entity_management', description: 'An extension of an active lease was asked for.' },
  'request.break_glass': { subject: 'request', ocsf: 'entity_management', description: 'A break-glass request skipped approval; a review was opened.' },
  'request.denied': { subject: 'request', ocsf: 'entity_management', description: 'A request was refused by policy or its workflow (subject null when refused before it was created).' },
  'request.approved': { subject: 'request', ocsf: 'entity_management', description: 'An approver approved (data: channel, reason).' },
  'request.rejected': { subject: 'request', ocsf: 'entity_management', description: 'An approver rejected.' },
  'request.expired': { subject: 'request', ocsf: 'entity_management', description: 'Nobody decided before the approval timeout.' },
  'request.failed': { subject: 'request', ocsf: 'entity_management', description: 'The request failed (data: code, message).' },
  'request.revoked': { subject: 'request', ocsf: 'entity_management', description: 'The request ended before access was granted.' },
  'request.revoke_requested': { subject: 'request', ocsf: 'entity_management', description: 'Someone asked to end a request or lease early (data: reason).' },
  'request.event': { subject: 'request', ocsf: 'entity_management', description: 'An event was sent to the request\'s workflow (data: type).' },
  'request.event_refused': { subject: 'request', ocsf: 'entity_management', description: 'An event for the request\'s workflow was refused.' },
  'request.on_call_checked': { subject: 'request', ocsf: 'entity_management', description: 'An on-call schedule was consulted for an approval.' },
  'request.on_call_check_failed': { subject: 'request', ocsf: 'entity_management', description: 'An on-call schedule could not be consulted.' },
  'review.closed': { subject: 'request', ocsf: 'entity_management', description: 'A break-glass review was closed (data: review, comment).' },
  'lease.granting': { subject: 'request', ocsf: 'account_change', description: 'Access is being granted on the target (data: provider, role, expires_at).' },
  'lease.granted': { subject: 'request', ocsf: 'account_change', description: 'Access was granted (data: provider, role, identity, expires_at).' },
  'lease.extended': { subject: 'request', ocsf: 'account_change', description: 'An active lease was extended (data: extension, from, to, by).' },
  'lease.revoking': { subject: 'request', ocsf: 'account_change', description: 'Access is being revoked (data: provider, reason).' },
  'lease.revoked': { subject: 'request', ocsf: 'account_change', description: 'Access was revoked on the target (data: provider, reason).' },
  'grant.missing': { subject: 'request', ocsf: 'account_change', description: 'The reconciler found an active lease missing on its provider (data: resolution).' },
  'grant.regranted': { subject: 'request', ocsf: 'account_change', description: 'A missing grant was granted again.' },
  'grant.orphaned': { subject: 'request', ocsf: 'account_change', description: 'The reconciler revoked a grant with no live request.' },
  'credentials.issued': { subject: 'request', ocsf: 'account_change', description: 'Short-lived credentials for a lease were issued (never the credentials themselves).' },
  notify: { subject: 'request', ocsf: 'api_activity', description: 'A notification about the request was sent (data: to, provider, delivered).' },
  'email_approval.refused': { subject: 'request', ocsf: 'api_activity', description: 'An e-mail approval link was refused (data: code).' },
  'slack.decision_refused': { subject: 'request', ocsf: 'api_activity', description: 'A Slack button click was refused (data: code).' },
  'suggestion.asked': { subject: 'none', ocsf: 'api_activity', description: 'Someone asked for role suggestions in plain words (lease suggest).' },
  'slack.callbacks_throttled': { subject: 'none', ocsf: 'api_activity', description: 'Too many unverified Slack callbacks from one address.' },
  'audit.exported': { subject: 'none', ocsf: 'api_activity', description: 'An administrator exported a verifiable audit archive (data: from_seq, to_seq).' },
  'audit.pruned': { subject: 'none', ocsf: 'api_activity', description: 'Retention deleted entries up to a signed checkpoint (data: through_seq, hash, count).' },
};

/** The envelope of one forwarded event: `lease.audit.v1`. */
export interface AuditEvent {
  schema: 'lease.audit.v1';
  seq: number;
  /** ISO-8601 UTC, as stored (the `ts` of the entry). */
  time: string;
  action: string;
  actor: string;
  /** The access request the event is about, or null. */
  request_id: string | null;
  subject: string | null;
  data: Record<string, unknown>;
  hash: string;
  prev_hash: string;
}

export interface AuditEntryLike {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  subject: string | null;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The entry as forwarded. `time` is the stored `ts`, so a receiver can re-hash the entry. */
export function toAuditEvent(entry: AuditEntryLike): AuditEvent {
  return {
    schema: 'lease.audit.v1',
    seq: entry.seq,
    time: entry.ts,
    action: entry.action,
    actor: entry.actor,
    request_id: requestIdOf(entry),
    subject: entry.subject,
    data: entry.data,
    hash: entry.hash,
    prev_hash: entry.prev_hash,
  };
}

/** The request an entry is about: its subject for request actions, else `data.request` if any. */
export function requestIdOf(entry: Pick<AuditEntryLike, 'action' | 'subject' | 'data'>): string | null {
  const kind = AUDIT_ACTIONS[entry.action]?.subject;
  if (kind === 'request' && entry.subject !== null) return entry.subject;
  return typeof entry.data.request === 'string' ? entry.data.request : null;
}

/** The stored entry an event came from, to re-hash it (`hashAuditEntry(event.prev_hash, entryOfEvent(event))`). */
export function entryOfEvent(event: AuditEvent): AuditEntryLike {
  return { seq: event.seq, ts: event.time, actor: event.actor, action: event.action, subject: event.subject, data: event.data, prev_hash: event.prev_hash, hash: event.hash };
}
