// The HTTP API's bodies and responses: zod schemas are the single source of the types, of
// request validation and of the OpenAPI document.
import { z } from 'zod';
import { queryNumber, requestStatusSchema } from '../../core/index.js';

export const errorBodySchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }) })
  .meta({ id: 'Error' });

export const loginBodySchema = z
  .object({
    username: z.string().min(1).max(256),
    password: z.string().min(1).max(1024),
    mode: z.enum(['token', 'cookie']).optional().describe('token (default): answer the session token; cookie: set the web session cookie instead'),
  })
  .strict()
  .meta({ id: 'LocalLogin' });

export const identityViewSchema = z
  .object({
    id: z.string(),
    email: z.string().optional(),
    name: z.string().optional(),
    groups: z.array(z.string()),
    provider: z.string(),
  })
  .meta({ id: 'Identity' });

export const sessionViewSchema = z
  .object({ token: z.string(), expires_at: z.string(), identity: identityViewSchema })
  .meta({ id: 'Session' });

/**
 * A reason is shown to other people (approvers, administrators, the audit trail): no control
 * characters but TAB, so it cannot act on a terminal or split a log line. Bidirectional marks
 * stay allowed (right-to-left languages need them); the CLI shows them escaped.
 */
export function reasonSchema() {
  return z
    .string()
    .max(2000)
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .regex(/^[^\u0000-\u0008\u000a-\u001f\u007f-\u009f]*$/, 'must not contain control characters (TAB is allowed)');
}

export const createRequestBodySchema = z
  .object({
    role: z.string().min(1).max(200),
    provider: z.string().min(1).max(200).optional().describe('may be left out when the role lists exactly one provider'),
    duration: z.string().min(1).max(64).describe('90s, 10m, 1h or ISO-8601 (PT1H)'),
    reason: reasonSchema(),
    workflow: z.string().max(200).optional(),
    break_glass: z.boolean().optional().describe('break-glass: granted at once without approval, every channel notified, reviewed afterwards (roles with break_glass: true only)'),
    start_at: z.string().max(64).optional().describe('ISO-8601 time: granted then (approvals may come before); expiry = start + duration'),
  })
  .strict()
  .meta({ id: 'CreateRequest' });

export const extendRequestBodySchema = z
  .object({
    duration: z.string().min(1).max(64).describe('how much longer: 30m, 1h or ISO-8601; the lease in total stays within the role\'s max_duration'),
    reason: reasonSchema().optional(),
  })
  .strict()
  .meta({ id: 'ExtendRequest' });

const principalNamesViewSchema = z.object({
  users: z.array(z.string()).describe('<identity provider>:<user or e-mail>'),
  groups: z.array(z.string()).describe('<identity provider>:<group>'),
});

export const approvalsViewSchema = z
  .object({
    required: z.number().int().describe('distinct approvals needed over all stages'),
    stage: z.number().int().nullable().describe('index in `stages` of the stage awaiting approval; null once decided (or not pending)'),
    stages: z.array(
      z.object({
        name: z.string(),
        required: z.number().int(),
        approvers: principalNamesViewSchema,
        approved_by: z.array(z.string()).describe('<identity provider>:<user> of each approval counted for this stage'),
      }),
    ),
    decisions: z.array(
      z.object({
        approver: z.string().describe('<identity provider>:<user>'),
        approved: z.boolean(),
        reason: z.string().nullable(),
        channel: z.string().describe('cli, web, slack, email, api'),
        at: z.string(),
      }),
    ),
    timeout_at: z.string().nullable().describe('still undecided then, the request ends expired'),
  })
  .meta({ id: 'Approvals' });

export type ApprovalsView = z.infer<typeof approvalsViewSchema>;

export const revokeBodySchema = z
  .object({ reason: reasonSchema().optional() })
  .strict()
  .meta({ id: 'RevokeRequest' });

export const decisionBodySchema = z
  .object({ reason: reasonSchema().optional() })
  .strict()
  .meta({ id: 'Decision' });

export const eventBodySchema = z
  .object({
    type: z
      .string()
      .min(1)
      .max(200)
      .describe('CloudEvent type, e.g. com.lease.alert (com.thand.* accepted). Approvals and revocations are refused here: use approve, deny and revoke'),
    data: z.unknown().optional(),
  })
  .strict()
  .meta({ id: 'WorkflowEvent' });

export const requestViewSchema = z
  .object({
    id: z.string(),
    status: requestStatusSchema,
    role: z.string(),
    provider: z.string(),
    workflow: z.string().nullable(),
    reason: z.string(),
    duration: z.string().describe('ISO-8601 duration'),
    requester: z.object({ id: z.string(), email: z.string().optional(), name: z.string().optional(), provider: z.string() }),
    created_at: z.string(),
    updated_at: z.string(),
    granted_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    ended_at: z.string().nullable(),
    outcome: z.object({ code: z.string(), message: z.string() }).nullable(),
    approvals: approvalsViewSchema.nullable().describe('null when the request needs no approval'),
    break_glass: z.boolean(),
    start_at: z.string().nullable().describe('scheduled start: not granted before'),
    extended_from: z.string().nullable().describe('for an extension: the request whose lease it extends'),
  })
  .meta({ id: 'Request' });

export const reviewViewSchema = z
  .object({
    id: z.string(),
    request_id: z.string(),
    status: z.enum(['open', 'closed']),
    opened_at: z.string(),
    closed_at: z.string().nullable(),
    closed_by: z.string().nullable().describe('<identity provider>:<user> of the administrator who closed it'),
    comment: z.string().nullable(),
    request: z.object({ role: z.string(), provider: z.string(), requester: z.string(), reason: z.string(), status: requestStatusSchema }).nullable(),
  })
  .meta({ id: 'Review' });

export const reviewListSchema = z.object({ reviews: z.array(reviewViewSchema) }).meta({ id: 'ReviewList' });

export const reviewListQuerySchema = z
  .object({ status: z.enum(['open', 'closed', 'all']).optional().describe('default all') })
  .strict();

export const closeReviewBodySchema = z
  .object({ comment: reasonSchema().min(1).describe('what the review found') })
  .strict()
  .meta({ id: 'CloseReview' });

export type ReviewView = z.infer<typeof reviewViewSchema>;

export const requestListSchema = z.object({ requests: z.array(requestViewSchema) }).meta({ id: 'RequestList' });

export const listRequestsQuerySchema = z
  .object({
    status: z.string().optional().describe('comma-separated statuses'),
    all: z.enum(['true', 'false']).optional().describe('admins: every user\'s requests'),
    limit: queryNumber(z.number().int().min(1).max(1000)).optional(),
  })
  .strict();

export const getRequestQuerySchema = z
  .object({
    until: z.string().optional().describe('comma-separated statuses: answer once the request has one of them (long poll)'),
    timeout: queryNumber(z.number().min(0).max(60)).optional().describe('with until: seconds to wait at most (default 30, max 60)'),
  })
  .strict();

export const roleViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    providers: z.array(z.string()),
    max_duration: z.string(),
    workflow: z.string().nullable(),
    permissions: z.object({ allow: z.array(z.string()), deny: z.array(z.string()) }),
    requestable: z.boolean().describe('whether the caller is in the role\'s scopes'),
  })
  .meta({ id: 'Role' });

export const roleListSchema = z.object({ roles: z.array(roleViewSchema) }).meta({ id: 'RoleList' });

export const providerViewSchema = z
  .object({ id: z.string(), name: z.string(), type: z.string(), enabled: z.boolean(), capabilities: z.array(z.string()) })
  .meta({ id: 'Provider' });

export const providerListSchema = z.object({ providers: z.array(providerViewSchema) }).meta({ id: 'ProviderList' });

export const nativeRoleQuerySchema = z
  .object({
    search: z.string().max(200).optional().describe('case-insensitive substring of the id, name or description'),
    limit: queryNumber(z.number().int().min(1).max(1000)).optional().describe('at most this many (default 100)'),
  })
  .strict();

export const nativeRoleViewSchema = z
  .object({
    id: z.string().describe('as `inherits: [<provider>:<id>]` names it'),
    name: z.string(),
    description: z.string().optional(),
  })
  .meta({ id: 'NativeRole' });

export const nativeRoleListSchema = z.object({ roles: z.array(nativeRoleViewSchema) }).meta({ id: 'NativeRoleList' });

/** Short-lived credentials for the target's API, for the lease's requester only; never stored. */
export const accessCredentialsViewSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('aws'),
      accessKeyId: z.string(),
      secretAccessKey: z.string(),
      sessionToken: z.string(),
      expiration: z.string().describe('ISO-8601'),
      region: z.string().optional(),
    }),
    z.object({
      kind: z.literal('postgresql'),
      url: z.string().describe('postgresql://user:password@host:port/database[?sslmode=...]'),
      host: z.string(),
      port: z.number().int(),
      database: z.string(),
      username: z.string().describe('the lease\'s own login role'),
      password: z.string().describe('new at each fetch: the previous one stops working'),
      expiration: z.string().describe('ISO-8601: the role\'s VALID UNTIL'),
      sslmode: z.string().optional(),
    }),
  ])
  .meta({ id: 'AccessCredentials' });

export const consoleUrlViewSchema = z
  .object({ url: z.string().describe('a sign-in URL to the target\'s web console: a secret, like credentials') })
  .meta({ id: 'ConsoleUrl' });

export const auditEntryViewSchema = z
  .object({
    seq: z.number().int(),
    ts: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    prev_hash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export const auditListSchema = z.object({ entries: z.array(auditEntryViewSchema) }).meta({ id: 'AuditList' });

/** An ISO-8601 time in a query, normalised to the stored form (UTC, milliseconds) so it compares as text. */
const queryTime = (what: string) =>
  z
    .string()
    .max(64)
    .refine((text) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) && !Number.isNaN(Date.parse(text)), 'must be an ISO-8601 date or time')
    .transform((text) => new Date(text).toISOString())
    .describe(what);

const auditFilterFields = {
  subject: z.string().max(200).optional().describe('the entry\'s subject, e.g. a request id'),
  actor: z.string().max(1024).optional().describe('who acted: provider:user, or lease'),
  action: z.string().max(200).optional().describe('e.g. request.created, request.approved'),
  since: queryTime('entries at or after this time (ISO-8601)').optional(),
  until: queryTime('entries at or before this time (ISO-8601)').optional(),
};

export const auditQuerySchema = z
  .object({
    after: queryNumber(z.number().int().min(0)).optional(),
    ...auditFilterFields,
    limit: queryNumber(z.number().int().min(1).max(1000)).optional(),
  })
  .strict();

export const auditExportQuerySchema = z
  .object({
    format: z.enum(['csv', 'json']).optional().describe('csv (default) or json'),
    ...auditFilterFields,
  })
  .strict();

export const auditVerificationSchema = z
  .object({
    ok: z.boolean(),
    count: z.number().int(),
    broken_at: z.number().int().optional(),
    message: z.string().optional(),
    from_seq: z.number().int().optional().describe('the log was pruned: verification started after this seq, from its signed checkpoint'),
  })
  .meta({ id: 'AuditVerification' });

export const auditForwarderStatusSchema = z
  .object({
    name: z.string(),
    type: z.string(),
    position: z.number().int().describe('the last seq the receiver acknowledged'),
    head: z.number().int().describe('the last seq in the log'),
    lag: z.number().int().describe('entries not delivered yet'),
    state: z.enum(['ok', 'failing']),
    delivered: z.number().int().describe('entries this server process delivered since it started'),
    last_delivered_at: z.string().optional(),
    last_error: z.string().optional(),
    failing_since: z.string().optional(),
  })
  .meta({ id: 'AuditForwarderStatus' });

export const auditArchiveQuerySchema = z
  .object({
    since: queryTime('entries at or after this time (ISO-8601)').optional(),
    until: queryTime('entries at or before this time (ISO-8601)').optional(),
  })
  .strict();

export const auditArchiveSchema = z
  .object({ archive: z.string().describe('JSON lines: a signed header, then one lease.audit.v1 event per line (docs/audit-events.md)') })
  .meta({ id: 'AuditArchive' });

export const auditPruneBodySchema = z
  .object({ before: queryTime('prune entries written before this time (ISO-8601)') })
  .strict()
  .meta({ id: 'AuditPrune' });

export const auditPruneResultSchema = z
  .object({
    through_seq: z.number().int().nullable().describe('the last pruned seq (the new checkpoint), or null when nothing was pruned'),
    deleted: z.number().int(),
    held_by: z.enum(['forwarder']).optional().describe('a forwarder had not delivered some of the entries asked for: they were kept'),
  })
  .meta({ id: 'AuditPruneResult' });

export const auditForwardersSchema = z.object({ forwarders: z.array(auditForwarderStatusSchema) }).meta({ id: 'AuditForwarders' });

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });

export type LoginBody = z.infer<typeof loginBodySchema>;
export type CreateRequestBody = z.infer<typeof createRequestBodySchema>;
export type RequestView = z.infer<typeof requestViewSchema>;
export type RoleView = z.infer<typeof roleViewSchema>;
export type ProviderView = z.infer<typeof providerViewSchema>;
export type NativeRoleView = z.infer<typeof nativeRoleViewSchema>;
export type AccessCredentialsView = z.infer<typeof accessCredentialsViewSchema>;

export const browserLoginStartSchema = z
  .object({ redirect: z.string().min(1).max(2048).describe('the CLI\'s loopback callback: http://127.0.0.1:<port>/<path>') })
  .strict()
  .meta({ id: 'BrowserLoginStart' });

export const browserLoginStartedSchema = z
  .object({ login_url: z.string().describe('open in a browser'), attempt: z.string().describe('present with the code at exchange') })
  .meta({ id: 'BrowserLoginStarted' });

export const browserLoginCallbackQuerySchema = z
  .record(z.string(), z.string().max(8192))
  .describe('the IdP\'s authorization response: code, state (or error), iss, ...');

/** A 303 answer has no body; its Location header is the point. */
export const redirectResponseSchema = z.null().describe('303 See Other; see the Location header');

export const browserLoginExchangeSchema = z
  .object({ attempt: z.string().min(1).max(256), code: z.string().min(1).max(4096) })
  .strict()
  .meta({ id: 'BrowserLoginExchange' });

/** Device login (RFC 8628): what the device gets from /api/v1/auth/<provider>/device. */
export const deviceAuthorizationSchema = z
  .object({
    device_code: z.string().describe('secret: present it at /api/v1/auth/device/token'),
    user_code: z.string().describe('show it to the person: XXXX-XXXX'),
    verification_uri: z.string().describe('where the person enters the code'),
    verification_uri_complete: z.string().describe('the same page with the code filled in'),
    expires_in: z.number().int().describe('seconds'),
    interval: z.number().int().describe('poll at most this often (seconds)'),
  })
  .meta({ id: 'DeviceAuthorization' });

export type DeviceAuthorization = z.infer<typeof deviceAuthorizationSchema>;

/** POST /api/v1/requests/{id}/ssh-certificate: the public key to sign (type ssh). */
export const sshCertificateRequestSchema = z
  .object({ public_key: z.string().min(1).max(16 * 1024).describe('one OpenSSH public key line: the content of ~/.ssh/id_ed25519.pub') })
  .strict()
  .meta({ id: 'SshCertificateRequest' });

/** A signed OpenSSH user certificate for the lease's requester: valid until the lease's expiry. */
export const sshCertificateViewSchema = z
  .object({
    certificate: z.string().describe('the `<key>-cert.pub` line: ssh-ed25519-cert-v01@openssh.com AAAA... <key id>'),
    key_id: z.string().describe('lease:<request id>:<identity>'),
    serial: z.string().regex(/^\d+$/).describe('decimal 64-bit serial'),
    principals: z.array(z.string()).describe('the login names it is valid for'),
    valid_after: z.string().describe('ISO-8601'),
    valid_before: z.string().describe('ISO-8601: the lease\'s expiry at the latest'),
    ca_fingerprint: z.string().describe('SHA256 fingerprint of the signing CA key'),
  })
  .meta({ id: 'SshCertificate' });

/** POST /api/v1/suggestions: what a person wrote, audited like a reason (it becomes one). */
export const suggestionAskSchema = z
  .object({
    text: reasonSchema().min(1).refine((text) => text.trim() !== '', 'must not be blank').describe('what you need to do, in your own words; it becomes the reason'),
    time_zone: z.string().min(1).max(64).optional().describe('IANA time zone for times of day in the text ("until 17:00"); default the server\'s'),
    llm: z.boolean().optional().describe('false: the offline ranking even when a language model is configured'),
  })
  .strict()
  .meta({ id: 'SuggestionAsk' });

export const suggestionViewSchema = z
  .object({
    role: z.string(),
    provider: z.string(),
    duration: z.string().describe('ISO-8601, within the role\'s max_duration'),
    reason: z.string().describe('the text'),
    score: z.number().min(0).max(1),
    why: z.array(z.string()).describe('which words or permissions matched'),
  })
  .meta({ id: 'Suggestion' });

export const suggestionListSchema = z
  .object({
    suggestions: z.array(suggestionViewSchema).describe('best first; empty when nothing fits'),
    source: z.enum(['offline', 'llm']),
    fallback: z.object({ reason: z.string() }).optional().describe('the language model was asked but the offline ranking answered: why'),
  })
  .meta({ id: 'SuggestionList' });

export type SuggestionAsk = z.infer<typeof suggestionAskSchema>;
