// The provider interface (DESIGN.md "Providers"): one interface, capability by capability; a
// provider implements what it can. A provider lives in one folder: src/providers/<type>/.
import type { z } from 'zod';
import type { Identity, Logger } from '../core/index.js';
import type { IdentityProvider } from './identity-provider.js';

export type Capability = 'access' | 'identity' | 'notification' | 'on-call';

/** The role as a provider sees it: after inheritance, deny already wins over allow. */
export interface GrantRole {
  id: string;
  name: string;
  permissions: { allow: string[]; deny: string[] };
  resources: { allow: string[]; deny: string[] };
  /** Native roles on the target named through `inherits: [<provider>:<native role>]`. */
  nativeRoles: string[];
}

export interface GrantInput {
  /** The request id; a grant is idempotent per request id and provider. */
  requestId: string;
  identity: Identity;
  role: GrantRole;
  /** ISO-8601; providers that can carry the expiry themselves set it too. */
  expiresAt: string;
}

/** What a provider did, enough to undo it. Stored before the grant is reported active. */
export interface GrantRecord {
  provider: string;
  requestId: string;
  /** Provider-specific facts needed by revoke (e.g. file path, account). JSON-serialisable. */
  data: Record<string, unknown>;
}

/** A grant the target reports as present, for reconciliation against the store. */
export interface ActiveGrant {
  provider: string;
  requestId: string;
  data: Record<string, unknown>;
}

export interface AccessProvider {
  readonly id: string;
  readonly type: string;
  /**
   * Grants the role. Calling it twice for the same request id must not grant twice. Throws a
   * LeaseError with a 4xx status when the target refuses (permission, unknown user): the
   * request fails without retries, after `revoke` undid whatever was made half-way. Any other
   * error (throttling, 5xx, network) is retried with backoff by the workflow runtime.
   */
  grant(input: GrantInput): Promise<GrantRecord>;
  /**
   * Removes a grant. Revoking what is already gone succeeds. `record.data` may be empty (a crash
   * between the target's grant and its record): the provider then finds what it made by the
   * request id it tagged or named it with.
   */
  revoke(record: GrantRecord): Promise<void>;
  /** What the target says is granted by Lease right now (found by Lease's tags or names). */
  listActive(): Promise<ActiveGrant[]>;
  /** The target's native roles or policies a role may inherit (`inherits: [<provider>:<name>]`). */
  listNativeRoles?(query: NativeRoleQuery): Promise<NativeRole[]>;
  /**
   * Short-lived credentials for an active grant (AWS: STS), for its requester only. Never
   * stored by Lease, never logged, never audited.
   */
  credentials?(record: GrantRecord, lease: ActiveLease): Promise<AccessCredentials>;
  /** A sign-in URL to the target's web console for an active grant (a secret like credentials). */
  consoleUrl?(record: GrantRecord, lease: ActiveLease): Promise<string>;
  /** An SSH certificate for the requester's public key, for an active grant (type `ssh`). */
  sshCertificate?(record: GrantRecord, lease: ActiveLease, publicKey: string): Promise<SshCertificate>;
  /** The SSH CA's public key line, for hosts' TrustedUserCAKeys (public). */
  sshCaPublicKey?(): string;
  /** The SSH CA's Key Revocation List, the bytes hosts load with RevokedKeys (public). */
  sshKrl?(): Promise<Uint8Array>;
}

/** A signed OpenSSH user certificate (`<key>-cert.pub` content) and what it says. */
export interface SshCertificate {
  certificate: string;
  keyId: string;
  /** Decimal: a 64-bit serial does not fit a JSON number. */
  serial: string;
  principals: string[];
  /** ISO-8601. */
  validAfter: string;
  validBefore: string;
  /** `SHA256:...` of the CA key that signed it. */
  caFingerprint: string;
}

/** The lease a credentials or console call is for. */
export interface ActiveLease {
  requestId: string;
  identity: Identity;
  role: GrantRole;
  /** ISO-8601; credentials never outlive it (or the target's minimum lifetime, when longer). */
  expiresAt: string;
}

export interface NativeRoleQuery {
  /** Case-insensitive substring of the id, name or description. */
  search?: string;
  /** At most this many (default 100). */
  limit?: number;
}

/** A native role or policy of the target, as `inherits: [<provider>:<id>]` names it. */
export interface NativeRole {
  id: string;
  name: string;
  description?: string;
}

/** Credentials for a target; `kind` says which. */
export type AccessCredentials = AwsAccessCredentials | PostgresqlAccessCredentials;

/** Credentials for AWS's API (STS). */
export interface AwsAccessCredentials {
  kind: 'aws';
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** ISO-8601. */
  expiration: string;
  region?: string;
}

/** A database login of its own for the lease (postgresql): the password is new at each fetch. */
export interface PostgresqlAccessCredentials {
  kind: 'postgresql';
  /** `postgresql://user:password@host:port/database[?sslmode=...]`. */
  url: string;
  host: string;
  port: number;
  database: string;
  username: string;
  password: string;
  /** ISO-8601: the role's VALID UNTIL. */
  expiration: string;
  /** libpq's sslmode when TLS is on (require, verify-full). */
  sslmode?: string;
}

/** A configured provider instance; capabilities it lacks are absent. */
export interface ProviderInstance {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly enabled: boolean;
  /** False for a type Lease does not implement yet: loaded (with a warning), never granted on. */
  readonly implemented?: boolean;
  readonly capabilities: Capability[];
  readonly access?: AccessProvider;
  /** How this provider logs people in (identity/types.ts: password or redirect). */
  readonly identity?: IdentityProvider;
  readonly notification?: NotificationProvider;
  /** Who is on call (PagerDuty, Opsgenie): for roles that approve requests from whoever is on call. */
  readonly onCall?: OnCallProvider;
}

/** A message about a request, for people (approvers, requesters, a channel). */
export interface Notification {
  /** Recipient as the workflow names it (channel, address, group); the provider interprets it. */
  to: string | null;
  message: string;
  /** The message asks for a decision (Thand's `approvals: true`): a chat provider adds Approve / Deny controls. */
  approvals?: boolean;
  request: {
    id: string;
    role: string;
    provider: string;
    requester: string;
    reason: string;
    status: string;
    /** The requester's display name, when known. */
    requester_name?: string;
    /** The role's display name. */
    role_name?: string;
    /** ISO-8601 duration asked for (`PT1H`). */
    duration?: string;
  };
  /** The request's page in Lease's web app (`<server.url>/requests/<id>`), when the server's URL is known. */
  link?: string;
  /** A subject line or title; the provider makes one when absent. */
  subject?: string;
  /** A personal approval link (e-mail approvals): the recipient opens it to approve or deny. */
  approval?: { url: string; expires_at: string };
}

/** Where a sent message can be found again to update it (a chat's channel and message id). */
export interface NotificationReceipt {
  channel: string;
  message_id: string;
}

/** Sends notifications (webhook, Slack, email, Teams...). Throws on failure; the runtime retries. */
export interface NotificationProvider {
  /** Sends; a provider whose messages can be updated later says where the message is. */
  send(notification: Notification): Promise<void | NotificationReceipt>;
  /**
   * A provider operation a workflow calls by name (Thand's `slack.postMessage`), with the call's
   * `with` arguments; absent when the provider has none. Throws a LeaseError with a 4xx status
   * when the arguments cannot work (the call fails without retries).
   */
  operation?(name: string, args: Record<string, unknown>): Promise<unknown>;
  /**
   * Present on e-mail providers: recipients are addresses (the server resolves `to`), an
   * approval notification goes to each approver with a personal link, and requesters are mailed
   * on grant and end when `notifyRequester` (server/email-approvals/).
   */
  readonly email?: { linkTtlMs: number; notifyRequester: boolean };
}

/** An on-call schedule service (type `pagerduty`, `opsgenie`). */
export interface OnCallProvider {
  /**
   * The e-mail addresses (lower-case) of everyone on call on `schedule` at `at`. Throws when the
   * service cannot say (unknown schedule, refused credential, unreachable): callers never read
   * an error as "nobody is on call" or as "on call".
   */
  onCallAt(schedule: string, at: Date): Promise<string[]>;
}

/** Everything a provider factory may use; no globals. */
export interface ProviderDeps {
  /** Directory for the server's data (e.g. `.lease/`), for resolving relative paths. */
  dataDir: string;
  /** Directory of the config file that declared the provider, for resolving relative paths. */
  configDir: string;
  /** For what a provider must say at start (a safety check it cannot run); absent in tools that only validate. */
  logger?: Logger;
  /** Opens files sealed with the server's `services.encryption` (`lease keys seal-file`); absent when none is configured. */
  sealedFiles?: SealedFileOpener;
  /**
   * Single-use keys shared by every server replica (the store): a SAML assertion id claimed here
   * is refused on any replica until it expires. Absent in tools that only validate config.
   */
  seenKeys?: SeenKeys;
}

/** Claims of single-use keys, kept until they expire. */
export interface SeenKeys {
  /** True the first time `key` is claimed; false while an earlier claim is kept (until `expiresAtMs`). */
  claim(key: string, expiresAtMs: number): Promise<boolean>;
}

/** Opens a sealed file (an envelope JSON); the clear bytes stay with the caller, in memory only. */
export interface SealedFileOpener {
  /** The configured backend and key, for messages. */
  describe(): string;
  /** The clear bytes of the envelope `json` read from `file`, sealed for `purpose` (e.g. `ssh-ca-key`); throws a LeaseError naming `file`. */
  open(json: unknown, file: string, purpose: string): Promise<Uint8Array>;
}

/**
 * A provider that runs on a host agent (`lease agent --host <host>`) rather than in the server:
 * the server dispatches its grant/revoke/listActive to that host (providers/remote/), over the
 * server's own channel (`transport: server`, the default) or a per-host Temporal task queue.
 */
export type AgentBinding = {
  host: string;
  /** Sent with every task: the provider's settings the host needs (never host paths). */
  settings: Record<string, unknown>;
} & (
  | {
      transport: 'server';
      /** SHA-256 (lower-case hex) of the host's credential; the server keeps nothing else of it. */
      credentialSha256: string;
    }
  | {
      transport: 'temporal';
      /** The host's own payload key set file; default `<data dir>/keys/host-<host>.jwk`. */
      payloadKeyFile?: string;
    }
);

/** A config setting that the chosen workflow engine cannot honour (ProviderFactory.engineIssue). */
export interface EngineIssue {
  /** Path under `providers.<id>.config`. */
  path: string[];
  message: string;
}

/** Registered once per provider type. */
export interface ProviderFactory<C = unknown> {
  readonly type: string;
  /** Alternative type names accepted in config (e.g. Thand's spellings). */
  readonly aliases?: string[];
  readonly capabilities: Capability[];
  /** Validates `providers.<id>.config`; unknown keys are errors. */
  readonly configSchema: z.ZodType<C>;
  create(args: { id: string; name: string; enabled: boolean; config: C; deps: ProviderDeps }): ProviderInstance;
  /** An asynchronous create (a key opened with services.encryption at start); when present, the registry calls it instead of create. */
  open?(args: { id: string; name: string; enabled: boolean; config: C; deps: ProviderDeps }): Promise<ProviderInstance>;
  /** When the config binds the provider to a host agent, which one; the registry then dispatches to it. */
  agentBinding?(config: C): AgentBinding | undefined;
  /** A setting of `config` that needs another `server.engine`, if any (checked with the whole config). */
  engineIssue?(config: C, engine: 'embedded' | 'temporal'): EngineIssue | undefined;
  /** Settings that load but that Lease ignores or cannot use yet: warned about with file and path. */
  configWarnings?(config: C): EngineIssue[];
  /**
   * The problem with a role's `resources` entry in this type's own syntax, if any (e.g.
   * kubernetes' `k8s:group/<name>`); undefined for anything it does not own. Checked for every
   * role when the config loads, reported with file and path.
   */
  resourceIssue?(entry: string): string | undefined;
}
