// `lease keys seal-file`: seals a file (an SSH CA private key) with the config's
// services.encryption, as an envelope the server opens at start with the same service. The
// clear file is only read; the sealed one is written 0600 and never holds the clear bytes.
// `lease keys list | rotate | revoke`: the session key set (tokens, e-mail links) or the payload
// key set (Temporal), in the data directory or the file given. Running servers and workers take
// the change in by themselves (crypto/key-set-refresh.ts): no restart.
import { chmod, readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { KeySetSealing } from '../../crypto/index.js';
import { CliError } from '../errors.js';
import { printJson, printLine, printTable } from '../output.js';

/** What a sealed file may be for; the server opens it only for that use. */
export const SEALED_FILE_PURPOSES = ['ssh-ca-key'] as const;

const KEY_SETS = ['session', 'payload'] as const;
type KeySetName = (typeof KEY_SETS)[number];

interface KeySetOptions {
  set: string;
  data?: string;
  file?: string;
  config?: string;
  json?: boolean;
}

interface KeySetHandle {
  file: string;
  list(): Array<{ kid: string; created_at: string; revoked: boolean }>;
  rotate(): Promise<string>;
  revoke(kid: string): Promise<void>;
}

/** Where a data directory's key sets are and what seals them: the config's services.encryption and services.temporal.payload_key_file. */
interface KeySetPlace {
  dataDir: string;
  sealingFor: (purpose: 'session-keys' | 'payload-keys') => KeySetSealing | undefined;
  payloadFile: string;
}

async function keySetPlace(opts: { data?: string; config?: string }): Promise<KeySetPlace> {
  const { join, resolve } = await import('node:path');
  const dataDir = opts.data ?? process.env.LEASE_DATA ?? '.lease';
  const configPath = opts.config ?? process.env.LEASE_CONFIG;
  let sealingFor: KeySetPlace['sealingFor'] = () => undefined;
  let payloadFile: string | undefined;
  if (configPath) {
    const { loadServerConfig } = await import('../../server/index.js');
    const { createJqEngine } = await import('../../workflow/expressions/index.js');
    const { keySetSealing, openEncryptionService } = await import('../../crypto/index.js');
    const config = await loadServerConfig(configPath, await createJqEngine());
    const service = await openEncryptionService(config.services?.encryption, { file: config.sourceOf('service', 'encryption') });
    sealingFor = (purpose) => keySetSealing(service, purpose);
    if (config.services?.temporal) {
      const { temporalPathBases } = await import('../../server/engine.js');
      const { temporalSettings } = await import('../../workflow/runtime/temporal/config.js');
      payloadFile = (await temporalSettings(config.services.temporal, temporalPathBases(config, dataDir))).payloadKeyFile;
    }
  }
  return { dataDir, sealingFor, payloadFile: resolve(payloadFile ?? join(dataDir, 'keys', 'payload.jwk')) };
}

/** The key set to work on: an existing file (never created here), opened with the config's services.encryption. */
async function openKeySet(opts: KeySetOptions): Promise<KeySetHandle> {
  if (!(KEY_SETS as readonly string[]).includes(opts.set)) throw new CliError(`--set must be one of ${KEY_SETS.join(', ')}`, 2);
  const set = opts.set as KeySetName;
  const { join, resolve } = await import('node:path');
  const { access } = await import('node:fs/promises');
  const { dataDir, sealingFor, payloadFile } = await keySetPlace(opts);
  const file = resolve(opts.file ?? (set === 'session' ? join(dataDir, 'keys', 'session.jwk') : payloadFile));
  try {
    await access(file);
  } catch {
    throw new CliError(`${file} does not exist: pass --data DIR (the server's data directory) or --file FILE`, 2);
  }
  if (set === 'session') {
    const { SessionKeys } = await import('../../identity/sessions/index.js');
    const { dirname } = await import('node:path');
    if (opts.file !== undefined && !file.endsWith(join('keys', 'session.jwk'))) throw new CliError('a session key file is <data dir>/keys/session.jwk: pass --data DIR', 2);
    const keys = await SessionKeys.load(dirname(dirname(file)), { sealing: sealingFor('session-keys') });
    return { file, list: () => keys.list(), rotate: () => keys.rotate(), revoke: (kid) => keys.revoke(kid) };
  }
  const { PayloadKeys } = await import('../../workflow/runtime/temporal/payload-keys.js');
  const keys = await PayloadKeys.load(file, { create: false, sealing: sealingFor('payload-keys') });
  return { file, list: () => keys.list(), rotate: () => keys.rotate(), revoke: (kid) => keys.revoke(kid) };
}

function keySetCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option('--set <set>', `which key set: ${KEY_SETS.join(' (session tokens, e-mail links) or ')} (Temporal payloads)`, 'session')
    .option('--data <dir>', 'the server\'s data directory (env LEASE_DATA; default .lease)')
    .option('--file <file>', 'the key set file, instead of the one in the data directory')
    .option('--config <path>', 'config whose services.encryption seals the file, and services.temporal.payload_key_file (env LEASE_CONFIG)')
    .option('--json', 'print JSON');
}

function printKeySet(keys: KeySetHandle, json: boolean | undefined): void {
  const list = keys.list();
  if (json) return printJson({ file: keys.file, keys: list });
  const current = list.findLast((k) => !k.revoked)?.kid;
  printTable(['KID', 'CREATED', 'STATE'], list.map((k) => [k.kid, k.created_at, k.revoked ? 'revoked' : k.kid === current ? 'encrypts' : 'decrypts']));
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("work with Lease's key files");
  keys
    .command('init')
    .description('create the session and payload key sets in a data directory, for servers and workers that share them (a Secret); existing ones are kept')
    .option('--data <dir>', 'the data directory to create them in (env LEASE_DATA; default .lease)')
    .option('--config <path>', 'config whose services.encryption seals the files, and services.temporal.payload_key_file (env LEASE_CONFIG)')
    .option('--json', 'print JSON')
    .action(async (opts: { data?: string; config?: string; json?: boolean }) => {
      const { access } = await import('node:fs/promises');
      const { resolve } = await import('node:path');
      const { SessionKeys, sessionKeyFile } = await import('../../identity/sessions/index.js');
      const { PayloadKeys } = await import('../../workflow/runtime/temporal/payload-keys.js');
      const place = await keySetPlace(opts);
      const exists = (file: string) => access(file).then(() => true, () => false);
      const sessionFile = resolve(sessionKeyFile(place.dataDir));
      const files = [
        { set: 'session', file: sessionFile, existed: await exists(sessionFile) },
        { set: 'payload', file: place.payloadFile, existed: await exists(place.payloadFile) },
      ];
      await SessionKeys.load(place.dataDir, { sealing: place.sealingFor('session-keys') });
      await PayloadKeys.load(place.payloadFile, { sealing: place.sealingFor('payload-keys') });
      if (opts.json) return printJson({ keys: files.map((f) => ({ set: f.set, file: f.file, created: !f.existed })) });
      for (const f of files) printLine(`${f.existed ? 'kept' : 'created'} ${f.set} keys: ${f.file}`);
    });
  keySetCommand(keys, 'list', 'list the keys of a key set: which one encrypts, which are revoked').action(async (opts: KeySetOptions) => {
    printKeySet(await openKeySet(opts), opts.json);
  });
  keySetCommand(keys, 'rotate', 'add a key that encrypts from now on; older keys keep decrypting (nobody is logged out)').action(async (opts: KeySetOptions) => {
    const set = await openKeySet(opts);
    const kid = await set.rotate();
    if (opts.json) return printKeySet(set, true);
    printLine(`added ${kid} to ${set.file}; running servers and workers use it within seconds`);
  });
  keySetCommand(keys, 'revoke', 'revoke a key: sessions and e-mail links it encrypted stop working (a payload key only stops encrypting)')
    .argument('<kid>', 'the key id (lease keys list)')
    .action(async (kid: string, opts: KeySetOptions) => {
      const set = await openKeySet(opts);
      if (!set.list().some((k) => k.kid === kid)) throw new CliError(`${set.file} has no key ${kid}`, 2);
      await set.revoke(kid);
      if (opts.json) return printKeySet(set, true);
      printLine(`revoked ${kid} in ${set.file}; running servers and workers stop accepting it within seconds`);
    });
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
