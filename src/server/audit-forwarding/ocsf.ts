// Optional OCSF form of an audit event (`ocsf: true` on a forwarder), for SIEMs that ingest the
// Open Cybersecurity Schema Framework (schema 1.3): logins as Authentication (3002), grants and
// revocations as Account Change (3001, attach/detach policy), requests and their decisions as
// Entity Management (3004), everything else as API Activity (6003). The lease.audit.v1 event
// rides along whole in `unmapped.lease`, so the chain can still be verified from OCSF records.
import { AUDIT_ACTIONS, type AuditEvent, type OcsfKind } from '../../audit/index.js';

const OCSF_VERSION = '1.3.0';

interface OcsfClass {
  class_uid: number;
  class_name: string;
  category_uid: number;
  category_name: string;
}

const CLASSES: Record<OcsfKind, OcsfClass> = {
  authentication: { class_uid: 3002, class_name: 'Authentication', category_uid: 3, category_name: 'Identity & Access Management' },
  account_change: { class_uid: 3001, class_name: 'Account Change', category_uid: 3, category_name: 'Identity & Access Management' },
  entity_management: { class_uid: 3004, class_name: 'Entity Management', category_uid: 3, category_name: 'Identity & Access Management' },
  api_activity: { class_uid: 6003, class_name: 'API Activity', category_uid: 6, category_name: 'Application Activity' },
};

const OTHER = 99;

/** The class's activity_id for an action (99 Other where the class has no fitting activity). */
const ACTIVITIES: Record<string, number> = {
  'login.succeeded': 1, // Logon
  'login.failed': 1,
  'session.revoked': 2, // Logoff
  'sessions.revoked': 2,
  'lease.granted': 7, // Attach Policy
  'grant.regranted': 7,
  'lease.revoked': 8, // Detach Policy
  'grant.orphaned': 8,
  'request.created': 1, // Create
  'request.extension_requested': 1,
  'request.break_glass': 1,
  'request.approved': 3, // Update
  'request.rejected': 3,
  'request.denied': 3,
  'request.expired': 3,
  'request.failed': 3,
  'request.revoked': 3,
  'request.revoke_requested': 3,
  'review.closed': 3,
  'audit.exported': 2, // Read
  'audit.pruned': 4, // Delete
};

/** Status: 2 Failure for refusals and failures, else 1 Success. */
function statusOf(action: string): number {
  return /(failed|refused|denied|rejected|throttled|missing)$/.test(action) ? 2 : 1;
}

/** The OCSF event for a lease.audit.v1 event. */
export function toOcsf(event: AuditEvent, productVersion: string): Record<string, unknown> {
  const kind = AUDIT_ACTIONS[event.action]?.ocsf ?? 'api_activity';
  const cls = CLASSES[kind];
  const activity_id = ACTIVITIES[event.action] ?? OTHER;
  const status_id = statusOf(event.action);
  const actorName = event.actor;
  return {
    ...cls,
    activity_id,
    type_uid: cls.class_uid * 100 + activity_id,
    time: Date.parse(event.time),
    severity_id: 1,
    status_id,
    message: event.action,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Lease', vendor_name: 'Lease', version: productVersion },
      uid: event.hash,
      sequence: event.seq,
      log_name: 'lease.audit',
      event_code: event.action,
      ...(event.request_id ? { correlation_uid: event.request_id } : {}),
    },
    actor: { user: { name: actorName, uid: actorName } },
    ...(kind === 'authentication' ? { user: { name: actorName, uid: actorName } } : {}),
    ...(kind === 'account_change' && typeof event.data.identity === 'string' ? { user: { name: event.data.identity, uid: event.data.identity } } : {}),
    ...(kind === 'entity_management' && event.request_id ? { entity: { uid: event.request_id, type: 'access_request' } } : {}),
    ...(kind === 'api_activity' ? { api: { operation: event.action }, src_endpoint: {} } : {}),
    unmapped: { lease: event },
  };
}
