// The `sudo` access provider: a lease is a sudoers drop-in naming the user's local account and
// the role's commands; revoking deletes it. Runs where sudo runs (a host agent, or the server
// for its own host), as root.
import { basename, isAbsolute, resolve } from 'node:path';
import { LeaseError } from '../../core/index.js';
import type { AccessProvider, ActiveGrant, GrantInput, GrantRecord, ProviderFactory, ProviderInstance } from '../provider.js';
import type { SudoConfig } from './config.js';
import { sudoAgentBinding, sudoConfigSchema, sudoEngineIssue } from './config.js';
import { SudoersIoFailed } from './errors.js';
import { accountFor, accountOfGrantFile, commandList, grantFileName, renderGrantFile, requestIdOfFile, tempFileName } from './rule.js';
import { SudoersDir } from './sudoers-dir.js';
import { checkSudoersFile, findVisudo, SBIN_DIRS } from './visudo.js';

/** I/O failures become SudoersIoFailed; typed refusals pass through unchanged. */
async function asSudoersIo<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LeaseError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new SudoersIoFailed(`${what}: ${reason}`, err);
  }
}

export class SudoAccessProvider implements AccessProvider {
  readonly type = 'sudo';
  private readonly dir: SudoersDir;
  private readonly visudo: string | null;

  /**
   * Relative paths follow the config rule: `sudoers_dir` (written) is under the data directory,
   * a `visudo` path (read) is relative to the config file that names it.
   */
  constructor(
    readonly id: string,
    private readonly config: SudoConfig,
    dirs: { dataDir: string; configDir: string } = { dataDir: process.cwd(), configDir: process.cwd() },
    locateVisudo: (configured: SudoConfig['visudo']) => string | null = findVisudo,
  ) {
    this.dir = new SudoersDir(resolve(dirs.dataDir, config.sudoers_dir));
    const visudo = typeof config.visudo === 'string' && config.visudo.includes('/') ? resolve(dirs.configDir, config.visudo) : config.visudo;
    this.visudo = locateVisudo(visudo);
  }

  /**
   * What to say at start when visudo was looked for and not found, so the syntax check is
   * skipped; nothing when it runs, or when `visudo: false` turned it off on purpose.
   */
  missingCheckWarning(): string | undefined {
    if (this.config.visudo !== undefined || this.visudo !== null) return undefined;
    return `sudo provider "${this.id}": visudo was not found (PATH, ${SBIN_DIRS.join(', ')}), so its rules are installed without the \`visudo -c\` syntax check; install sudo's visudo, set \`visudo:\` to its path, or \`visudo: false\` to skip the check knowingly`;
  }

  /** Writes (or rewrites, for the same request id) the drop-in `lease-<requestId>`. */
  async grant(input: GrantInput): Promise<GrantRecord> {
    const name = grantFileName(input.requestId);
    const account = accountFor(input.identity, this.config.accounts);
    const content = renderGrantFile({
      requestId: input.requestId,
      roleId: input.role.id,
      account,
      expiresAt: input.expiresAt,
      runAs: this.config.run_as,
      nopasswd: this.config.nopasswd,
      commands: commandList(input.role.permissions),
    });
    const visudo = this.visudo;
    const check = visudo === null ? async () => {} : (file: string) => checkSudoersFile(visudo, file);
    const file = await asSudoersIo(`cannot write ${name} in ${this.dir.path}`, () =>
      this.dir.install(name, tempFileName(input.requestId), content, check),
    );
    return { provider: this.id, requestId: input.requestId, data: { file, account } };
  }

  /** Deletes the drop-in; one already gone is success. */
  async revoke(record: GrantRecord): Promise<void> {
    const file = this.fileOf(record);
    await asSudoersIo(`cannot remove ${file}`, () => this.dir.remove(file));
  }

  async listActive(): Promise<ActiveGrant[]> {
    const files = await asSudoersIo(`cannot read ${this.dir.path}`, () => this.dir.list((n) => requestIdOfFile(n) !== null));
    return files.map(({ file, name, content }) => ({
      provider: this.id,
      requestId: requestIdOfFile(name) as string,
      data: { file, account: accountOfGrantFile(content) },
    }));
  }

  /**
   * The recorded path when it is this request's drop-in (it survives a later change of
   * `sudoers_dir`), else the path under the configured directory.
   */
  private fileOf(record: GrantRecord): string {
    const name = grantFileName(record.requestId);
    const recorded = record.data.file;
    if (typeof recorded === 'string' && isAbsolute(recorded) && basename(recorded) === name) return recorded;
    return resolve(this.dir.path, name);
  }
}

export const sudoProviderFactory: ProviderFactory<SudoConfig> = {
  type: 'sudo',
  capabilities: ['access'],
  configSchema: sudoConfigSchema,
  agentBinding: sudoAgentBinding,
  engineIssue: sudoEngineIssue,
  create({ id, name, enabled, config, deps }): ProviderInstance {
    const access = new SudoAccessProvider(id, config, deps);
    const warning = enabled ? access.missingCheckWarning() : undefined;
    if (warning !== undefined) deps.logger?.warn({ provider: id }, warning);
    return { id, type: 'sudo', name, enabled, capabilities: ['access'], access };
  },
};
