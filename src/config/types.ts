// The loader's public types. ResolvedRole is what the rest of Lease sees of a role: inheritance
// already applied, so policy (PolicyRole) and providers (GrantRole) never walk `inherits`.
import type { PolicyRole, PrincipalRef } from '../core/index.js';
import type { ProviderFactory, ProviderRegistry } from '../providers/index.js';
import type { Env } from './env.js';
import type { ConfigIssue } from './issues.js';
import type {
  AuditConfig,
  EnvironmentConfig,
  LoggingConfig,
  ProviderConfig,
  ServerConfig,
  ServicesConfig,
  WorkflowConfig,
} from './schema/index.js';
import type { WorkflowDocumentValidator } from './workflow-documents.js';

export interface AllowDeny {
  allow: string[];
  deny: string[];
}

export interface ResolvedRole extends PolicyRole {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  /** From `scopes` or its newer spelling `applies`, as written; both lists always present. */
  scopes: { users: string[]; groups: string[] };
  /** `scopes` resolved to (identity provider, name): what policy matches. */
  requesters: PrincipalRef[];
  providers: string[];
  authenticators: string[];
  maxDurationMs: number;
  /** `max_duration` as written (default `1h`). */
  maxDuration: string;
  /**
   * Merged over the whole `inherits` chain. Deny wins: an allow entry also listed in deny is
   * removed; the deny list is kept so providers can apply wildcard denies.
   */
  permissions: AllowDeny;
  resources: AllowDeny;
  /** `<provider>:<native role>` entries of `inherits`, over the whole chain, as written. */
  nativeRoles: string[];
  /** `inherits` as written. */
  inherits: string[];
  /** The workflow that runs a request: `workflow`, else the first of `workflows`; undefined = built-in default. */
  workflow: string | undefined;
  /** Every workflow a request may name: `workflow` then `workflows`, without repeats. */
  workflows: string[];
  /** The approval rule, approvers resolved; undefined when the role needs no approval. */
  approvals: RoleApprovals | undefined;
  /** `break_glass: true`: may be requested without approval, loudly, and is reviewed afterwards. */
  breakGlass: boolean;
  /** `extend_without_approval: true`: extensions within max_duration are applied at once. */
  extendWithoutApproval: boolean;
}

export interface ApprovalStage {
  /** As written, else `stage <n>`. */
  name: string;
  /** Who may approve at this stage, resolved to (identity provider, name). */
  approvers: PrincipalRef[];
  /** Distinct approvers needed at this stage. */
  required: number;
}

export interface RoleApprovals {
  /** In order: each stage is approved after the one before. `approvers: ...` alone is one stage. */
  stages: ApprovalStage[];
  /** Every stage's approvers together (who may decide on the role's requests at all). */
  approvers: PrincipalRef[];
  /** Distinct approvers needed over all stages. */
  required: number;
  /** `timeout`: an undecided request ends `expired` this long after it was made. */
  timeoutMs: number | undefined;
  /** `auto_approve_on_call`: whoever is on call on this schedule is approved by Lease. */
  autoApproveOnCall?: { provider: string; schedule: string };
}

export type LoadedProvider = Omit<ProviderConfig, 'name'> & {
  /** `name` as written, else the id. */
  name: string;
  id: string;
  /** Absolute directory of the file that declared the provider (ProviderDeps.configDir). */
  configDir: string;
};

export type LoadedWorkflow = WorkflowConfig & { id: string };

export type EntryKind = 'role' | 'provider' | 'workflow' | 'service';

export interface LoadOptions {
  /** Where `${NAME}` references are looked up; default process.env. */
  env?: Env;
  /**
   * Provider type (and aliases) → factory; each provider's `config` is checked with its
   * configSchema. Given the provider registry instead, only the types the config names are
   * loaded (the server's start-up), and the identity types are known by name.
   */
  providerFactories?: ReadonlyMap<string, ProviderFactory> | Pick<ProviderRegistry, 'names' | 'factories'>;
  /** Checks a workflow's DSL document; injected by the server so config does not depend on the engine. */
  validateWorkflow?: WorkflowDocumentValidator;
}

export interface LoadedConfig {
  /** Every file read, in load order (including those loaded through `{path}` references). */
  files: string[];
  roles: Map<string, ResolvedRole>;
  providers: Map<string, LoadedProvider>;
  workflows: Map<string, LoadedWorkflow>;
  /** `{}` when no file gives it. */
  server: ServerConfig;
  /** `server.admins`, resolved to (identity provider, name). */
  admins: PrincipalRef[];
  /** `{}` when no file gives it. */
  logging: LoggingConfig;
  services: ServicesConfig;
  /** `{platform: 'local'}` when no file gives it. */
  environment: EnvironmentConfig;
  /** `{}` when no file gives it; configDir is the declaring file's directory (for `tls.ca_file`). */
  audit: AuditConfig & { configDir: string | undefined };
  /** Problems that do not stop Lease, one per line as `FILE: PATH: MESSAGE`. */
  warnings: string[];
  /** The file an entry was defined in. */
  sourceOf(kind: EntryKind, id: string): string | undefined;
}

/** The result of `validateConfigLocation`: every problem, never thrown. */
export interface ConfigValidation {
  ok: boolean;
  issues: ConfigIssue[];
  warnings: string[];
}
