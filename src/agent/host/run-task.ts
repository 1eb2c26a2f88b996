// Runs one host task with this host's own copy of the provider. The server says what to grant
// or revoke and how to write the rule (settings); where (the sudoers directory) and how to check
// it (visudo) are this host's alone, so a server cannot make the host write elsewhere.
import { LeaseError } from '../../core/index.js';
import { SudoAccessProvider, sudoConfigSchema, sudoHostSettingsSchema, type HostTask, type TaskResult } from '../../providers/index.js';

export interface HostSudoSettings {
  sudoersDir: string;
  /** A visudo path, `false` to skip the check, or undefined to look it up. */
  visudo?: string | false;
}

type Answer = { outcome: 'done'; result: unknown } | { outcome: 'failed'; error: Extract<TaskResult, { outcome: 'failed' }>['error'] };

export function hostTaskRunner(local: HostSudoSettings): (task: HostTask) => Promise<Answer> {
  const providers = new Map<string, SudoAccessProvider>();

  const providerFor = (task: HostTask): SudoAccessProvider => {
    const settings = sudoHostSettingsSchema.safeParse(task.settings);
    if (!settings.success) throw new LeaseError('host_settings_invalid', `the server sent settings this host does not accept: ${settings.error.issues[0]?.message ?? ''}`, { status: 400 });
    const key = JSON.stringify([task.provider, settings.data]);
    let provider = providers.get(key);
    if (!provider) {
      const config = sudoConfigSchema.parse({ ...settings.data, sudoers_dir: local.sudoersDir, ...(local.visudo !== undefined ? { visudo: local.visudo } : {}) });
      provider = new SudoAccessProvider(task.provider, config);
      providers.set(key, provider);
    }
    return provider;
  };

  return async (task) => {
    try {
      if (task.type !== 'sudo') throw new LeaseError('host_type_unsupported', `this host agent runs sudo providers, not ${JSON.stringify(task.type)}`, { status: 400 });
      const provider = providerFor(task);
      switch (task.kind) {
        case 'grant':
          return { outcome: 'done', result: await provider.grant(task.input) };
        case 'revoke':
          // The recorded file path is the server's word; this host removes from its own directory.
          await provider.revoke({ provider: task.provider, requestId: task.record.requestId, data: {} });
          return { outcome: 'done', result: null };
        case 'list':
          return { outcome: 'done', result: await provider.listActive() };
      }
    } catch (err) {
      if (err instanceof LeaseError) return { outcome: 'failed', error: { code: err.code, message: err.message.slice(0, 2_000), status: clampStatus(err.status) } };
      return { outcome: 'failed', error: { code: 'host_task_error', message: (err instanceof Error ? err.message : String(err)).slice(0, 2_000), status: 500 } };
    }
  };
}

function clampStatus(status: number): number {
  return status >= 400 && status <= 599 ? status : 500;
}
