// `providers.<id>.config` for type `sudo`. Unknown keys are errors.
import { z } from 'zod';
import { CREDENTIAL_SHA256_PATTERN, HOST_ID_PATTERN } from '../remote/index.js';
import type { AgentBinding, EngineIssue } from '../provider.js';
import { ACCOUNT_PATTERN, RUN_AS_PATTERN } from './rule.js';

export const DEFAULT_SUDOERS_DIR = '/etc/sudoers.d';

const fields = z.strictObject({
  /** Drop-in directory that /etc/sudoers includes (`@includedir`). Lease writes there: a relative path is under the data directory. */
  sudoers_dir: z.string().min(1).optional(),
  /** Identity id or email → local account. Without an entry the account is the identity id. */
  accounts: z
    .record(z.string().min(1), z.string().regex(ACCOUNT_PATTERN, 'expected a local account name like `alice` (at most 32 chars)'))
    .default({}),
  /** Path to visudo (relative: to the config file's directory); absent = looked up on PATH (then /usr/sbin, /sbin); `false` = skip the syntax check. */
  visudo: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** Who the commands may run as: `ALL`, a user, or `user:group`. */
  run_as: z.string().regex(RUN_AS_PATTERN, 'expected `ALL`, a user name, or `user:group`').default('ALL'),
  /** Whether the rule carries NOPASSWD (the default: break-glass users may have no local password). */
  nopasswd: z.boolean().default(true),
  /** The host agent (`lease agent --host <id>`) that runs this provider on its own machine; absent = this server's host. */
  agent: z.string().regex(HOST_ID_PATTERN, 'expected a host id like `laptop-42` (letters, digits, `.`, `_`, `-`)').optional(),
  /** SHA-256 (hex) of that host's credential, as `lease agent --host <id> --new-credential` prints it. */
  agent_credential_sha256: z.string().regex(CREDENTIAL_SHA256_PATTERN, 'expected 64 hex digits (the SHA-256 of the host credential)').optional(),
  /**
   * How tasks reach the host agent: `server` (default: the agent long-polls the server) or
   * `temporal` (the agent is a worker on task queue `lease-host-<agent>`; needs server.engine: temporal).
   */
  agent_transport: z.enum(['server', 'temporal']).optional(),
  /** With agent_transport temporal: the host's own payload key set file, written by the server (relative: under the data directory; default keys/host-<agent>.jwk). */
  agent_payload_key_file: z.string().min(1).optional(),
});

export const sudoConfigSchema = fields
  .superRefine((c, ctx) => {
    const temporal = c.agent_transport === 'temporal';
    // The host credential authenticates the server channel; a Temporal host authenticates to Temporal.
    if (c.agent !== undefined && !temporal && c.agent_credential_sha256 === undefined) {
      ctx.addIssue({ code: 'custom', path: ['agent_credential_sha256'], message: 'a provider bound to an agent needs the SHA-256 of the host credential' });
    }
    if (c.agent === undefined && c.agent_transport !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['agent_transport'], message: 'agent_transport needs agent (the host id)' });
    }
    if (!temporal && c.agent_payload_key_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['agent_payload_key_file'], message: 'agent_payload_key_file goes with agent_transport: temporal' });
    }
    if (c.agent === undefined && c.agent_credential_sha256 !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['agent'], message: 'agent_credential_sha256 needs agent (the host id)' });
    }
    // The host agent alone decides where it writes and how it checks (its --sudoers-dir and
    // --visudo): a server, even a compromised one, must not pick a directory on the host.
    for (const key of ['sudoers_dir', 'visudo'] as const) {
      if (c.agent !== undefined && c[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} of an agent-bound provider is set on the host (lease agent --host ... --${key.replace('_', '-')}), not in the server's config` });
      }
    }
  })
  .transform((c) => ({ ...c, sudoers_dir: c.sudoers_dir ?? DEFAULT_SUDOERS_DIR }));

export type SudoConfig = z.infer<typeof sudoConfigSchema>;

/** What the server sends a host agent with each task: how to write the rule, never where. */
export const sudoHostSettingsSchema = fields.pick({ accounts: true, run_as: true, nopasswd: true });
export type SudoHostSettings = z.infer<typeof sudoHostSettingsSchema>;

/** The host agent a sudo provider is bound to, if any (ProviderFactory.agentBinding). */
export function sudoAgentBinding(config: SudoConfig): AgentBinding | undefined {
  if (config.agent === undefined) return undefined;
  const settings: SudoHostSettings = { accounts: config.accounts, run_as: config.run_as, nopasswd: config.nopasswd };
  if (config.agent_transport === 'temporal') {
    return { host: config.agent, settings, transport: 'temporal', ...(config.agent_payload_key_file !== undefined ? { payloadKeyFile: config.agent_payload_key_file } : {}) };
  }
  if (config.agent_credential_sha256 === undefined) return undefined;
  return { host: config.agent, settings, transport: 'server', credentialSha256: config.agent_credential_sha256.toLowerCase() };
}

/** agent_transport temporal runs the host as a worker of the Temporal namespace: no Temporal, no such worker. */
export function sudoEngineIssue(config: SudoConfig, engine: 'embedded' | 'temporal'): EngineIssue | undefined {
  if (config.agent_transport === 'temporal' && engine !== 'temporal') {
    return { path: ['agent_transport'], message: 'agent_transport: temporal needs server.engine: temporal (or use the default, server)' };
  }
  return undefined;
}
