// From `services.encryption` to a running backend. Backends load on demand: the AWS SDK is heavy
// and most commands never need it.
import { dirname, resolve } from 'node:path';
import type { Logger } from '../../core/index.js';
import { parseEncryptionConfig } from './config.js';
import { openSealedFile, type KeySetSealing } from './envelope.js';
import type { EncryptionService } from './service.js';

export interface OpenEncryptionOptions {
  /** The config file that declared the section: for error messages, and a relative key_file is read from its directory. */
  file?: string;
  /** Where `key_env` and token variables are read; default process.env. */
  env?: Record<string, string | undefined>;
}

/** The configured backend, or undefined when the section is absent (key files stay plain). */
export async function openEncryptionService(section: unknown, options: OpenEncryptionOptions = {}): Promise<EncryptionService | undefined> {
  if (section === undefined || section === null) return undefined;
  const config = parseEncryptionConfig(section, options.file);
  const env = options.env ?? process.env;
  switch (config.provider) {
    case 'local': {
      const keyFile = config.key_file === undefined ? undefined : resolve(options.file === undefined ? '.' : dirname(options.file), config.key_file);
      return (await import('./local.js')).LocalEncryptionService.open({ ...config, ...(keyFile !== undefined ? { key_file: keyFile } : {}) }, env);
    }
    case 'aws':
      return new (await import('./aws.js')).AwsEncryptionService(config);
    case 'gcp':
      return new (await import('./gcp.js')).GcpEncryptionService(config, env);
    case 'azure':
      return new (await import('./azure.js')).AzureEncryptionService(config, env);
  }
}

/**
 * How to seal the key file for `purpose` with `service`; undefined without a service (plain
 * files). A plain file found is re-sealed on load, and `logger` says so.
 */
export function keySetSealing(service: EncryptionService | undefined, purpose: 'session-keys' | 'payload-keys', logger?: Logger): KeySetSealing | undefined {
  if (service === undefined) return undefined;
  const onResealed = (file: string) =>
    logger?.warn({ file, kms: service.describe() }, 'sealed a plain key file with services.encryption; rotate its keys if copies of the plain file may exist');
  return { service, purpose, onResealed };
}

/**
 * What providers get to open files sealed with `service` (`lease keys seal-file`, e.g. an SSH
 * CA key): ProviderDeps.sealedFiles. The clear bytes are returned to the caller only.
 */
export function sealedFileOpener(service: EncryptionService): { describe(): string; open(json: unknown, file: string, purpose: string): Promise<Uint8Array> } {
  return {
    describe: () => service.describe(),
    open: (json, file, purpose) => openSealedFile(json, file, { service, purpose }),
  };
}
