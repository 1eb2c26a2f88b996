// `lease keys seal-file`: seals a file (an SSH CA private key) with the config's
// services.encryption, as an envelope the server opens at start with the same service. The
// clear file is only read; the sealed one is written 0600 and never holds the clear bytes.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { printLine } from '../output.js';

/** What a sealed file may be for; the server opens it only for that use. */
export const SEALED_FILE_PURPOSES = ['ssh-ca-key'] as const;

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("work with Lease's key files");
  keys
    .command('seal-file')
    .description('seal a file (an SSH CA private key) with services.encryption, for a provider setting that accepts a sealed file')
    .requiredOption('--in <file>', 'the clear file to seal')
    .requiredOption('--out <file>', 'where to write the sealed file (0600; never replaced unless --force)')
    .option('--config <path>', 'config file or directory whose services.encryption seals the file (env LEASE_CONFIG)')
    .option('--purpose <purpose>', `what the file is for: ${SEALED_FILE_PURPOSES.join(', ')}`, 'ssh-ca-key')
    .option('--force', 'replace --out if it exists')
    .action(async (opts: { in: string; out: string; config?: string; purpose: string; force?: boolean }) => {
      const configPath = opts.config ?? process.env.LEASE_CONFIG;
      if (!configPath) throw new CliError('no configuration: pass --config PATH or set LEASE_CONFIG (its services.encryption seals the file)', 2);
      if (!(SEALED_FILE_PURPOSES as readonly string[]).includes(opts.purpose)) throw new CliError(`--purpose must be one of ${SEALED_FILE_PURPOSES.join(', ')}`, 2);
      const { loadServerConfig } = await import('../../server/index.js');
      const { createJqEngine } = await import('../../workflow/expressions/index.js');
      const { openEncryptionService, sealFile } = await import('../../crypto/index.js');
      const config = await loadServerConfig(configPath, await createJqEngine());
      const service = await openEncryptionService(config.services?.encryption, { file: config.sourceOf('service', 'encryption') });
      if (service === undefined) throw new CliError(`${configPath}: services.encryption is not configured: there is nothing to seal with`, 2);
      let clear: Buffer;
      try {
        clear = await readFile(opts.in);
      } catch (err) {
        throw new CliError(`cannot read ${opts.in} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 2);
      }
      try {
        const envelope = await sealFile(clear, { service, purpose: opts.purpose });
        try {
          await writeFile(opts.out, `${JSON.stringify(envelope, null, 2)}\n`, { mode: 0o600, flag: opts.force ? 'w' : 'wx' });
          await chmod(opts.out, 0o600);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new CliError(code === 'EEXIST' ? `${opts.out} exists: pass --force to replace it` : `cannot write ${opts.out} (${code ?? (err as Error).message})`, 2);
        }
      } finally {
        clear.fill(0);
      }
      printLine(`sealed ${opts.in} with ${service.describe()} into ${opts.out} (purpose ${opts.purpose}); delete the clear file once the server starts with it`);
    });
}
